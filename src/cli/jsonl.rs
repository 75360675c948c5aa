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

/// One record as read: its line number in its input and its bytes (without the line break).
struct Line {
    number: u64,
    bytes: Vec<u8>,
}

/// What became of a record.
struct Outcome {
    /// The record to write (cleaned, or unchanged when its text field could not be cleaned).
    record: Option<Vec<u8>>,
    report: Option<Vec<u8>>,
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
            lines(reader),
            |l: &Line| l.bytes.len() as u64,
            |l| clean_record(cleaner, args, &name, l),
            |o| write_outcome(o, &mut *out, report.as_mut(), &mut progress, &name, args.on_error),
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

/// Output buffered this much at a time: small records are written together, and a record of this
/// size or more goes straight to the output instead of being copied into the buffer first.
const OUT_BUFFER: usize = 256 << 10;

/// Writes a record and its report, or flushes the records when `outcome` is `None` (see
/// [`parallel::ordered_stream`]). A bad record stops the input unless it is to be written marked.
fn write_outcome(
    outcome: Option<Outcome>,
    out: &mut (dyn Write + Send),
    report: Option<&mut BufWriter<fs::File>>,
    progress: &mut Progress,
    name: &str,
    on_error: OnError,
) -> io::Result<()> {
    let Some(o) = outcome else { return out.flush() };
    if let Some(e) = &o.error {
        if on_error == OnError::Fail {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{e}; input stopped here (--on-error mark passes bad records through)")));
        }
        report_error(name, &format!("{e}; written marked as an error"));
    }
    if let Some(r) = &o.record {
        out.write_all(r)?;
    }
    if let (Some(w), Some(r)) = (report, &o.report) {
        w.write_all(r)?;
    }
    progress.add(u64::from(o.record.is_some()), o.text_bytes);
    Ok(())
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

/// The non-blank lines of a reader, numbered from 1, each with whether more input is at hand.
fn lines(mut reader: Box<dyn Source>) -> impl Iterator<Item = io::Result<(Line, bool)>> {
    let mut number = 0;
    std::iter::from_fn(move || loop {
        let mut bytes = Vec::new();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) => return None,
            Ok(_) => {
                number += 1;
                while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
                    bytes.pop();
                }
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(Ok((Line { number, bytes }, reader.at_hand())));
            }
            Err(e) => return Some(Err(e)),
        }
    })
}

fn clean_record(cleaner: &Cleaner, args: &CleanArgs, name: &str, line: Line) -> Outcome {
    let Line { number, bytes } = line;
    // A bad record: under `--on-error mark` it is written with the error under the report field
    // (the record itself, as a string, when it is not an object).
    let bad = |message: String, fields: Option<Map<String, Value>>, raw: Option<&[u8]>| {
        let message = format!("line {number}: {message}");
        let record = (args.on_error == OnError::Mark).then(|| {
            let mut error = Map::new();
            error.insert("error".to_owned(), Value::String(message.clone()));
            if let Some(raw) = raw {
                error.insert("record".to_owned(), Value::String(String::from_utf8_lossy(raw).into_owned()));
            }
            let mut record = fields.unwrap_or_default();
            record.insert(args.report_field.clone(), Value::Object(error));
            let mut out = serde_json::to_vec(&record).unwrap_or_default();
            out.push(b'\n');
            out
        });
        Outcome { record, report: None, text_bytes: 0, error: Some(message) }
    };
    // serde_json checks UTF-8 string by string with the standard library; one SIMD check of the
    // record first is faster. Invalid records still go through `from_slice`, for its error.
    let parsed = match simdutf8::basic::from_utf8(&bytes) {
        Ok(s) => serde_json::from_str(s),
        Err(_) => serde_json::from_slice(&bytes),
    };
    let mut record: Map<String, Value> = match parsed {
        Ok(r) => r,
        Err(e) => return bad(format!("not a JSON object ({e})"), None, Some(&bytes)),
    };
    // Records can be megabytes: what is no longer needed goes before the next copy is made.
    let record_len = bytes.len();
    drop(bytes);
    let path = match &args.id_field {
        None => format!("{name}:{number}"),
        Some(field) => match record.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => return bad(format!("no field `{field}` (--id-field)"), Some(record), None),
        },
    };
    let text = match record.get_mut(&args.text_field) {
        Some(Value::String(s)) => std::mem::take(s),
        _ => return bad(format!("no string field `{}`", args.text_field), Some(record), None),
    };
    let text_bytes = text.len() as u64;
    let zhclean::Cleaned { text: cleaned, report, .. } = cleaner.clean_text(text, &path);
    let mut report_line = None;
    if args.report.is_some() {
        let mut r = serde_json::to_vec(&report).unwrap_or_default();
        r.push(b'\n');
        report_line = Some(r);
    }
    record.insert(args.text_field.clone(), Value::String(cleaned));
    let mut out = Vec::with_capacity(record_len + 256);
    if let Err(e) = write_record(&mut out, &record, &args.report_field, &report) {
        return bad(e.to_string(), None, None);
    }
    out.push(b'\n');
    Outcome { record: Some(out), report: report_line, text_bytes, error: None }
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
