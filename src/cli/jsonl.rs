//! `clean --jsonl`: JSON Lines in and out, for pipelines.
//!
//! Each input (a file, every file of a directory of shards, or `-` for standard input; plain,
//! gzip or zstd, told apart by their first bytes) is read record by record. The text field of
//! each record is cleaned, every other field is kept as it is and in its place, and the report is
//! added under one key. Records are written in input order, to standard output or, with `-o`, to
//! one file per input under OUTDIR (without the `.gz`/`.zst` suffix: output is not compressed).
//! Memory stays bounded by what `parallel` lets be in flight, whatever the input size.
//!
//! The streaming contract (docs/streaming.md): one output record per input record (blank lines
//! are not records), in input order, flushed whenever the output has caught up with the input;
//! records go to the workers as soon as no more input is at hand, so a writer that waits for
//! output before writing more is never left waiting.
//! A bad record stops its input with exit 2 (`--on-error fail`) or is written marked as an error
//! (`--on-error mark`).

use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use serde_json::{Map, Value};
use zhclean::config::Excludes;
use zhclean::Cleaner;

use super::args::{CleanArgs, OnError};
use super::fsio::Input;
use super::progress::{Counting, Progress};
use super::{parallel, report_error, Status};

/// Whole lines of one input as read: the number of the first, and their bytes with their line
/// breaks (the input's last line may have none).
struct Block {
    first: u64,
    bytes: Vec<u8>,
}

/// What became of the records of a block: their output lines one after another, their report
/// lines one after another, and an outcome for each record.
#[derive(Default)]
struct Done {
    records: Vec<u8>,
    reports: Vec<u8>,
    outcomes: Vec<Outcome>,
}

/// What became of a record.
struct Outcome {
    /// Where its output line ends in `Done::records`, and its report line in `Done::reports`
    /// (where the previous one ends when it has none).
    record_end: usize,
    report_end: usize,
    /// Whether a record was written (cleaned, or unchanged when its text field could not be
    /// cleaned).
    written: bool,
    text_bytes: u64,
    error: Option<String>,
}

pub(crate) fn clean(args: &CleanArgs, cleaner: &Cleaner, excludes: &Excludes) -> io::Result<Status> {
    let expanded = super::expand(&args.inputs, &args.walk, Vec::new(), excludes);
    let inputs = expanded.inputs;
    let mut errored = !expanded.errors.is_empty();
    for (path, e) in &expanded.errors {
        report_error(&path.display().to_string(), &e.to_string());
    }
    let total = inputs.iter().map(|i| i.path.as_ref().map(|_| i.size)).sum::<Option<u64>>();
    let mut progress = Progress::new(total);
    let mut report = match &args.report {
        Some(p) => Some(BufWriter::new(fs::File::create(p).map_err(|e| io::Error::other(format!("{}: {e}", p.display())))?)),
        None => None,
    };
    // Not locked once for the run: the records are written on another thread (see below).
    let mut stdout = BufWriter::with_capacity(OUT_BUFFER, io::stdout());
    for input in &inputs {
        let name = input.display();
        let reader = match open(input, progress.consumed.clone()) {
            Ok(r) => r,
            Err(e) => {
                report_error(&name, &e.to_string());
                errored = true;
                continue;
            }
        };
        let mut file_out = match &args.output {
            None => None,
            Some(dir) => {
                let target = dir.join(strip_compression(&input.relative));
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                let file = fs::File::create(&target).map_err(|e| io::Error::other(format!("{}: {e}", target.display())))?;
                Some(BufWriter::with_capacity(OUT_BUFFER, file))
            }
        };
        let out: &mut (dyn Write + Send) = match file_out.as_mut() {
            Some(w) => w,
            None => &mut stdout,
        };
        // Written in input order on a thread of its own, so that the workers do not wait for
        // the writing, and flushed whenever the output has caught up with the input.
        let result = parallel::ordered_stream(
            blocks(reader),
            |b: &Block| b.bytes.len() as u64,
            |b| clean_block(cleaner, args, &name, b),
            |d| write_done(d, &mut *out, report.as_mut(), &mut progress, &name, args.on_error),
        );
        if let Err(e) = result {
            // Write errors on standard output end the run; read errors end this input.
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Err(e);
            }
            report_error(&name, &e.to_string());
            errored = true;
        }
        if let Some(mut w) = file_out {
            w.flush()?;
        }
    }
    stdout.flush()?;
    if let Some(mut w) = report {
        w.flush()?;
    }
    progress.finish();
    Ok(if errored { Status::Error } else { Status::Success })
}

/// Output buffered this much at a time: the records of small blocks are written together, and a
/// block's records of this size or more go straight to the output instead of being copied into
/// the buffer first.
const OUT_BUFFER: usize = 64 << 10;

/// Writes the records of a block and their reports, or flushes the records when `done` is `None`
/// (see [`parallel::ordered_stream`]). A bad record stops the input, after the records before it,
/// unless it is to be written marked.
fn write_done(
    done: Option<Done>,
    out: &mut (dyn Write + Send),
    report: Option<&mut BufWriter<fs::File>>,
    progress: &mut Progress,
    name: &str,
    on_error: OnError,
) -> io::Result<()> {
    let Some(done) = done else { return out.flush() };
    let stop = if on_error == OnError::Fail { done.outcomes.iter().position(|o| o.error.is_some()) } else { None };
    let written = &done.outcomes[..stop.unwrap_or(done.outcomes.len())];
    for e in written.iter().filter_map(|o| o.error.as_ref()) {
        report_error(name, &format!("{e}; written marked as an error"));
    }
    let (record_end, report_end) = written.last().map_or((0, 0), |o| (o.record_end, o.report_end));
    out.write_all(&done.records[..record_end])?;
    if let Some(w) = report {
        w.write_all(&done.reports[..report_end])?;
    }
    progress.add(written.iter().filter(|o| o.written).count() as u64, written.iter().map(|o| o.text_bytes).sum());
    match stop.and_then(|k| done.outcomes[k].error.as_ref()) {
        Some(e) => Err(io::Error::new(io::ErrorKind::InvalidData, format!("{e}; input stopped here (--on-error mark passes bad records through)"))),
        None => Ok(()),
    }
}

/// Opens an input, decompressing gzip (also multi-member) and zstd, recognised by their magic
/// bytes; `consumed` counts the bytes read from the file.
fn open(input: &Input, consumed: Arc<AtomicU64>) -> io::Result<Box<dyn Source>> {
    let raw: Box<dyn Read + Send> = match &input.path {
        Some(p) => Box::new(fs::File::open(p)?),
        None => Box::new(io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(1 << 20, Counting { inner: raw, count: consumed });
    let head = buffered.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(buffered)))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(1 << 20, zstd::stream::read::Decoder::with_buffer(buffered)?))
    } else {
        Box::new(buffered)
    })
}

/// `shard.jsonl.gz` → `shard.jsonl`.
fn strip_compression(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz" | "zst" | "zstd") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

/// A buffered input that tells whether more of it is at hand: reading on would not wait.
trait Source: BufRead + Send {
    fn at_hand(&self) -> bool;
}

impl<R: Read + Send> Source for BufReader<R> {
    fn at_hand(&self) -> bool {
        !self.buffer().is_empty()
    }
}

/// Bytes of whole lines in a [`Block`] (a longer line goes alone): each block is a task of its
/// own for the workers, and its records are written out at once.
const BLOCK_BYTES: usize = 256 << 10;

/// A reader's lines in blocks of whole lines, `BLOCK_BYTES` each or fewer when no more input is
/// at hand; each with whether more is at hand. Records are copied out of the reader's buffer a
/// block at a time, not line by line.
fn blocks(mut reader: Box<dyn Source>) -> impl Iterator<Item = io::Result<(Block, bool)>> {
    let mut first = 1;
    let mut failed = None;
    std::iter::from_fn(move || {
        if let Some(e) = failed.take() {
            return Some(Err(e));
        }
        let mut bytes = Vec::new();
        loop {
            let buf = match reader.fill_buf() {
                Ok(buf) => buf,
                // The whole lines read before the error are cleaned; the error ends the input
                // after them.
                Err(e) => {
                    bytes.truncate(memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1));
                    if bytes.is_empty() {
                        return Some(Err(e));
                    }
                    failed = Some(e);
                    break;
                }
            };
            if buf.is_empty() {
                break;
            }
            // Whole lines up to the block's size, and at least the rest of the line begun.
            let room = BLOCK_BYTES.saturating_sub(bytes.len()).min(buf.len());
            let end = memchr::memrchr(b'\n', &buf[..room]).or_else(|| memchr::memchr(b'\n', &buf[room..]).map(|i| room + i));
            let take = end.map_or(buf.len(), |i| i + 1);
            bytes.extend_from_slice(&buf[..take]);
            reader.consume(take);
            if bytes.ends_with(b"\n") && (bytes.len() >= BLOCK_BYTES || !reader.at_hand()) {
                break;
            }
        }
        if bytes.is_empty() {
            return None;
        }
        let block = Block { first, bytes };
        first += memchr::memchr_iter(b'\n', &block.bytes).count() as u64;
        Some(Ok((block, reader.at_hand())))
    })
}

/// Cleans the records of a block: every line but blank ones, numbered from the block's first.
fn clean_block(cleaner: &Cleaner, args: &CleanArgs, name: &str, block: Block) -> Done {
    let mut done = Done { records: Vec::with_capacity(block.bytes.len() + 1024), ..Done::default() };
    let mut records = Records::new(&block.bytes);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', &block.bytes).chain((!block.bytes.ends_with(b"\n")).then_some(block.bytes.len()));
    for (number, end) in (block.first..).zip(ends) {
        let (line_start, mut line) = (start, &block.bytes[start..end]);
        start = end + 1;
        while let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = records.read(line_start, line_start + line.len());
        let outcome = clean_record(cleaner, args, name, number, line, parsed, &mut done);
        done.outcomes.push(outcome);
    }
    done
}

/// The largest record read by a block's deserializer (see [`Records`]).
const STREAMED_BYTES: usize = 64 << 10;

/// The records of a block, read by one deserializer one after another: a deserializer per record
/// starts with no room for the strings it unescapes, and grew it anew for every record's text.
struct Records<'a> {
    /// The block.
    bytes: &'a [u8],
    /// The block, when it is UTF-8.
    text: Option<&'a str>,
    /// Where in the block the stream started, and the stream.
    stream: Option<(usize, RecordStream<'a>)>,
}

type RecordStream<'a> = serde_json::StreamDeserializer<'a, serde_json::de::StrRead<'a>, Map<String, Value>>;

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8]) -> Records<'a> {
        Records { bytes, text: simdutf8::basic::from_utf8(bytes).ok(), stream: None }
    }

    /// The record on the line from `start` to `end` (without its line break), read as the line
    /// alone would be read.
    fn read(&mut self, start: usize, end: usize) -> serde_json::Result<Map<String, Value>> {
        if let Some(record) = self.streamed(start, end) {
            return Ok(record);
        }
        // serde_json checks UTF-8 string by string with the standard library; one SIMD check
        // first (of the block, or of the line in a block that is not UTF-8) is faster. Invalid
        // records still go through `from_slice`, for its error.
        let line = &self.bytes[start..end];
        match self.text.map(|text| &text[start..end]).or_else(|| simdutf8::basic::from_utf8(line).ok()) {
            Some(s) => serde_json::from_str(s),
            None => serde_json::from_slice(line),
        }
    }

    /// The record on the line by the block's stream, when the stream reads it as the whole line;
    /// `None` leaves the line to be read on its own (which gives the error of a bad record), and
    /// the stream starts again after it.
    fn streamed(&mut self, start: usize, end: usize) -> Option<Map<String, Value>> {
        // A large record is read on its own, so that its room is freed before it is cleaned:
        // kept for the block, it added a large record's size to the peak memory.
        if end - start > STREAMED_BYTES {
            self.stream = None;
            return None;
        }
        let text = self.text?;
        let (base, stream) = self.stream.get_or_insert_with(|| (start, serde_json::Deserializer::from_str(&text[start..]).into_iter()));
        let record = stream.next().and_then(Result::ok).filter(|_| {
            let read_to = *base + stream.byte_offset();
            read_to <= end && text.as_bytes()[read_to..end].iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        });
        if record.is_none() {
            self.stream = None;
        }
        record
    }
}

/// Cleans the record on line `number` into `done`: its output line and its report line, or for a
/// bad record under `--on-error mark`, the record written with the error under the report field
/// (the record itself, as a string, when it is not an object).
fn clean_record(cleaner: &Cleaner, args: &CleanArgs, name: &str, number: u64, bytes: &[u8], parsed: serde_json::Result<Map<String, Value>>, done: &mut Done) -> Outcome {
    let (record_start, report_start) = (done.records.len(), done.reports.len());
    let (written, text_bytes, error) = match clean_into(cleaner, args, name, number, parsed, done) {
        Ok(text_bytes) => (true, text_bytes, None),
        Err(Bad { message, fields, raw }) => {
            done.records.truncate(record_start);
            done.reports.truncate(report_start);
            let message = format!("line {number}: {message}");
            let mark = args.on_error == OnError::Mark;
            if mark {
                let mut error = Map::new();
                error.insert("error".to_owned(), Value::String(message.clone()));
                if raw {
                    error.insert("record".to_owned(), Value::String(String::from_utf8_lossy(bytes).into_owned()));
                }
                let mut record = fields.unwrap_or_default();
                record.insert(args.report_field.clone(), Value::Object(error));
                if serde_json::to_writer(&mut done.records, &record).is_err() {
                    done.records.truncate(record_start);
                }
                done.records.push(b'\n');
            }
            (mark, 0, Some(message))
        }
    };
    Outcome { record_end: done.records.len(), report_end: done.reports.len(), written, text_bytes, error }
}

/// Why a record could not be cleaned, with its fields when it is a JSON object, and whether the
/// record itself goes with the error.
struct Bad {
    message: String,
    fields: Option<Map<String, Value>>,
    raw: bool,
}

/// [`clean_record`] of a record as read; the bytes of its text field.
fn clean_into(cleaner: &Cleaner, args: &CleanArgs, name: &str, number: u64, parsed: serde_json::Result<Map<String, Value>>, done: &mut Done) -> Result<u64, Bad> {
    let mut record = parsed.map_err(|e| Bad { message: format!("not a JSON object ({e})"), fields: None, raw: true })?;
    let path = match &args.id_field {
        None => format!("{name}:{number}"),
        Some(field) => match record.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => return Err(Bad { message: format!("no field `{field}` (--id-field)"), fields: Some(record), raw: false }),
        },
    };
    let Some(Value::String(field)) = record.get_mut(&args.text_field) else {
        return Err(Bad { message: format!("no string field `{}`", args.text_field), fields: Some(record), raw: false });
    };
    let text_bytes = field.len() as u64;
    let zhclean::Cleaned { text: cleaned, report, .. } = cleaner.clean_text(std::mem::take(field), &path);
    *field = cleaned;
    if args.report.is_some() {
        let start = done.reports.len();
        if serde_json::to_writer(&mut done.reports, &report).is_err() {
            done.reports.truncate(start);
        }
        done.reports.push(b'\n');
    }
    write_record(&mut done.records, &record, &args.report_field, &report).map_err(|e| Bad { message: e.to_string(), fields: None, raw: false })?;
    done.records.push(b'\n');
    Ok(text_bytes)
}

/// `record` as compact JSON with `report` under `report_field`: in that field's place if the
/// record has one, else last. The same bytes as inserting the report into the map and writing
/// the map, without building the report as a JSON value first.
fn write_record(out: &mut Vec<u8>, record: &Map<String, Value>, report_field: &str, report: &zhclean::report::Report) -> serde_json::Result<()> {
    out.push(b'{');
    let mut reported = false;
    for (i, (key, value)) in record.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        if key == report_field {
            serde_json::to_writer(&mut *out, report)?;
            reported = true;
        } else if let Value::String(s) = value {
            write_str(out, s);
        } else {
            serde_json::to_writer(&mut *out, value)?;
        }
    }
    if !reported {
        if !record.is_empty() {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, report_field)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, report)?;
    }
    out.push(b'}');
    Ok(())
}

/// `s` as a JSON string, the same bytes as serde_json writes, but looking for the bytes to escape
/// (controls, `"` and `\\`) eight at a time: the text field is most of the output and most text
/// has none.
fn write_str(out: &mut Vec<u8>, s: &str) {
    // The high bit of each byte of a word that is below 0x20 or equal to `"` or `\\`. Bytes above
    // such a byte may be flagged too, but the lowest flag is always right.
    fn flags(w: u64) -> u64 {
        const ONES: u64 = 0x0101_0101_0101_0101;
        let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & (ONES << 7);
        (w.wrapping_sub(ONES * 0x20) & !w & (ONES << 7)) | zero_byte(w ^ (ONES * u64::from(b'"'))) | zero_byte(w ^ (ONES * u64::from(b'\\')))
    }
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            match flags(u64::from_le_bytes(word.try_into().expect("eight bytes"))) {
                0 => {
                    i += 8;
                    continue;
                }
                f => i += f.trailing_zeros() as usize / 8,
            }
        }
        let b = bytes[i];
        i += 1;
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => &[b'\\', b'u', b'0', b'0', b"0123456789abcdef"[usize::from(b >> 4)], b"0123456789abcdef"[usize::from(b & 15)]],
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..i - 1]);
        out.extend_from_slice(escape);
        copied = i;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut texts: Vec<String> = (0..=0x7Fu8).map(|b| format!("正文{}a\u{7F}", char::from(b))).collect();
        texts.extend(["", "\"", "\\\\", "新闻\n\r\t来源：\u{1}\u{1F}\u{7F}é😀", "0123456789abcdef\"0123456789abcdef\\"].map(str::to_owned));
        // Every byte at every offset of a word.
        for k in 0..16 {
            for b in [0u8, 0x1F, b'"', b'\\', b' ', b'!', b'#', b'[', b']', 0x7F] {
                texts.push(format!("{}{}{}", "x".repeat(k), char::from(b), "中".repeat(k)));
            }
        }
        for text in texts {
            let mut out = Vec::new();
            write_str(&mut out, &text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap(), "{text:?}");
        }
    }

    /// What the block's stream reads for a line is what the line read on its own gives, whatever
    /// the lines around it: bad records, records over two lines or two on one, blank lines that
    /// are no JSON whitespace, line breaks with a carriage return. A line it leaves (these, and a
    /// large record) is read on its own.
    #[test]
    fn a_block_reads_as_its_lines_on_their_own() {
        let large = format!(r#"{{"id":12,"text":"{}"}}"#, "长".repeat(STREAMED_BYTES / 3 + 1));
        let lines = [
            r#"{"id":1,"text":"来源：新华网\n正文。"}"#,
            "",
            "  \t",
            "\x0c",
            r#"{"id":2,"text":"a"}   "#,
            r#"{"id":3,"text":"two"#,
            r#"lines"}"#,
            r#"{"id":4}{"id":5}"#,
            r#"{"id":6,"text":"x","text":"y"}"#,
            "123",
            "[1]",
            "\u{feff}{}",
            r#"  {"id":7,"n":1.0e2,"o":{"a" : [1, {"b":"\u00e9"}]}}	"#,
            r#"{"id":8,"text":"\x"}"#,
            r#"{"id":9} x"#,
            "{\"id\":10}\x0b",
            &large,
            r#"{"id":11,"text":"last"}"#,
        ];
        for crlf in [false, true] {
            let block = lines.join(if crlf { "\r\n" } else { "\n" });
            let (mut streamed, mut all) = (Records::new(block.as_bytes()), Records::new(block.as_bytes()));
            let (mut start, mut read) = (0, 0);
            for line in block.split('\n') {
                let (line_start, line) = (start, line.trim_end_matches('\r'));
                start += line.len() + 1 + usize::from(crlf);
                if line.bytes().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                let alone = serde_json::from_str::<Map<String, Value>>(line).ok();
                if let Some(record) = streamed.streamed(line_start, line_start + line.len()) {
                    assert_eq!(Some(record), alone, "{line:?}");
                    read += 1;
                }
                assert_eq!(all.read(line_start, line_start + line.len()).ok(), alone, "{line:?}");
            }
            // All records but the one after the line that stops the stream (`\x0c`) and the large one.
            assert_eq!(read, 4);
        }
    }

    #[test]
    fn records_are_written_as_the_map_would_be() {
        let cleaner = Cleaner::new(zhclean::rules::RuleSet::builtin().unwrap(), &zhclean::Options::default()).unwrap();
        let report = cleaner.clean_text("来源：新华网\n正文第一句。\n".to_owned(), "doc").report;
        for record in [r#"{}"#, r#"{"id":1,"text":"x"}"#, r#"{"zhclean":0,"text":"x","n":[1,"\u0001"]}"#, r#"{"a":{"b":"\"é\""},"zhclean":null}"#] {
            let map: Map<String, Value> = serde_json::from_str(record).unwrap();
            let mut expected = map.clone();
            expected.insert("zhclean".to_owned(), serde_json::to_value(&report).unwrap());
            let mut out = Vec::new();
            write_record(&mut out, &map, "zhclean", &report).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&expected).unwrap(), "{record}");
        }
    }
}
