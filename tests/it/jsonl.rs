use std::fs;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::fixtures;

fn zhclean(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhclean"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written on a thread of its own: output comes while input is still going in, and a pipe
    // read only at the end would fill up and leave both sides waiting.
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || input.write_all(&bytes));
    let output = child.wait_with_output().unwrap();
    // A run stopped by a bad record need not read all its input.
    if let Err(e) = writer.join().unwrap() {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    output
}

const SEEDS: [&str; 5] = [
    "000_53df00e179aff913.txt",
    "001_1e482441de41a84c.txt",
    "002_5fbf0e8796347eff.txt",
    "003_ef535a5139a792e3.txt",
    "004_576c2e6f06f9add2.txt",
];

/// Many records, each a seed document with other fields around its text.
fn records(copies: usize) -> String {
    let mut out = String::new();
    for i in 0..copies {
        for name in SEEDS {
            let text = fs::read_to_string(fixtures().join("seeds").join(name)).unwrap();
            let record = serde_json::json!({"id": i, "body": text, "meta": {"seed": name}});
            out.push_str(&record.to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn records_cleaned_in_order_with_fields_kept() {
    let input = records(40);
    let o = zhclean(&["clean", "--jsonl", "--text-field", "body", "-j", "2", "-"], Some(input.as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 200);
    for (n, line) in lines.iter().enumerate() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "body", "meta", "zhclean"]);
        assert_eq!(r["id"], n / 5);
        let name = SEEDS[n % 5];
        assert_eq!(r["meta"]["seed"], name);
        let expected = fs::read_to_string(fixtures().join("seeds/expected").join(name)).unwrap();
        assert_eq!(r["body"], expected.as_str(), "{name}");
        assert_eq!(r["zhclean"]["path"], format!("-:{}", n + 1));
        assert!(r["zhclean"]["removed"].is_array());
    }
}

/// Numbers in the other fields keep every digit: integers beyond 64 bits, decimals, exponents
/// too large for a double (written with the exponent's sign, the value unchanged).
#[test]
fn numbers_in_other_fields_keep_every_digit() {
    let input = r#"{"id":123456789012345678901234567890,"text":"正文。","f":[0.1,3.14159265358979323846264338327950288,1E400,-0.0]}"#;
    let o = zhclean(&["clean", "--jsonl", "-"], Some(format!("{input}\n").as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with(r#"{"id":123456789012345678901234567890,"text":"正文。\n","f":[0.1,3.14159265358979323846264338327950288,1e+400,-0.0],"zhclean":"#),
        "{out}"
    );
}

/// Records larger than all the input let in flight at once (4 MB) go alone, on one thread as on
/// many, among small ones, and come out in order.
#[test]
fn records_larger_than_the_room_in_flight() {
    let seed = fs::read_to_string(fixtures().join("seeds").join(SEEDS[0])).unwrap();
    let big = seed.repeat(5_000_000 / seed.len() + 1);
    let mut input = String::new();
    for i in 0..6 {
        let body = if i % 3 == 1 { &big } else { &seed };
        input.push_str(&serde_json::json!({"id": i, "body": body}).to_string());
        input.push('\n');
    }
    let one = zhclean(&["clean", "--jsonl", "--text-field", "body", "-j", "1", "-"], Some(input.as_bytes()));
    let many = zhclean(&["clean", "--jsonl", "--text-field", "body", "-j", "3", "-"], Some(input.as_bytes()));
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
    assert!(one.stdout == many.stdout);
    let ids: Vec<serde_json::Value> = one.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice::<serde_json::Value>(l).unwrap()["id"].clone()).collect();
    assert_eq!(ids, (0..6).map(serde_json::Value::from).collect::<Vec<_>>());
}

#[test]
fn same_output_on_one_thread_and_many_and_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    fs::create_dir_all(&shards).unwrap();
    let plain = records(30);
    fs::write(shards.join("a.jsonl"), &plain).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(plain.as_bytes()).unwrap();
    fs::write(shards.join("b.jsonl.gz"), gz.finish().unwrap()).unwrap();
    fs::write(shards.join("c.jsonl.zst"), zstd::encode_all(plain.as_bytes(), 1).unwrap()).unwrap();
    let dir_arg = shards.display().to_string();
    let one = zhclean(&["clean", "--jsonl", "--text-field", "body", "-j", "1", &dir_arg], None);
    let many = zhclean(&["clean", "--jsonl", "--text-field", "body", "-j", "3", &dir_arg], None);
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(one.stdout, many.stdout);
    let out = String::from_utf8(one.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3 * 150);
    // The three shards hold the same records: only the report's path differs.
    let strip = |l: &str| {
        let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["zhclean"]["path"] = serde_json::Value::Null;
        v
    };
    for i in 0..150 {
        assert_eq!(strip(lines[i]), strip(lines[150 + i]));
        assert_eq!(strip(lines[i]), strip(lines[300 + i]));
    }
    let out_dir = dir.path().join("out");
    let o = zhclean(&["clean", "--jsonl", "--text-field", "body", &dir_arg, "-o", &out_dir.display().to_string()], None);
    assert_eq!(o.status.code(), Some(0));
    for name in ["a.jsonl", "b.jsonl", "c.jsonl"] {
        assert_eq!(fs::read_to_string(out_dir.join(name)).unwrap().lines().count(), 150, "{name}");
    }
}

#[test]
fn a_truncated_shard_keeps_every_record_before_the_damage() {
    let plain = records(30);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(plain.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let cut = &gz[..gz.len() * 2 / 3];
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("cut.jsonl.gz");
    fs::write(&shard, cut).unwrap();
    let o = zhclean(&["clean", "--jsonl", "--text-field", "body", &shard.display().to_string()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cut.jsonl.gz: "), "{}", String::from_utf8_lossy(&o.stderr));
    // Every whole record the decompressor gave out before the error is cleaned and written.
    let mut decoder = flate2::read::GzDecoder::new(cut);
    let mut readable = Vec::new();
    let _ = std::io::Read::read_to_end(&mut decoder, &mut readable);
    let whole = readable.iter().filter(|&&b| b == b'\n').count();
    assert!(whole > 0);
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), whole);
}

const BAD: &str = "{\"text\":\"來源:新華網\\n黨的二十大對全面從嚴治黨作出全面部署，各地認真學習貫徹。\"}\nnot json\n\n{\"id\":2}\n";
const CLEANED: &str = "{\"text\":\"党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。\\n\",\"zhclean\":{";

#[test]
fn a_bad_record_stops_the_input_after_the_records_before_it() {
    let o = zhclean(&["clean", "--jsonl", "-"], Some(BAD.as_bytes()));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("zhclean: -: line 2: not a JSON object (expected ident at line 1 column 2); input stopped here"), "{err}");
    assert!(!err.contains("line 4"), "{err}");
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with(CLEANED), "{out}");
    // A record without the text field is bad as well; other inputs still run.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jsonl"), "{\"id\":1}\n{\"text\":\"x\"}\n").unwrap();
    fs::write(dir.path().join("b.jsonl"), "{\"text\":\"正文。\"}\n").unwrap();
    let o = zhclean(&["clean", "--jsonl", &dir.path().display().to_string()], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("a.jsonl: line 1: no string field `text`; input stopped here"), "{err}");
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("{\"text\":\"正文。\\n\""), "{out}");
}

#[test]
fn bad_records_marked_one_output_per_input_record() {
    let o = zhclean(&["clean", "--jsonl", "--on-error", "mark", "-"], Some(BAD.as_bytes()));
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("-: line 2: not a JSON object (expected ident at line 1 column 2); written marked as an error"), "{err}");
    assert!(err.contains("-: line 4: no string field `text`; written marked as an error"), "{err}");
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "the blank line is not a record");
    assert!(lines[0].starts_with(CLEANED), "{}", lines[0]);
    assert_eq!(lines[1], r#"{"zhclean":{"error":"line 2: not a JSON object (expected ident at line 1 column 2)","record":"not json"}}"#);
    assert_eq!(lines[2], r#"{"id":2,"zhclean":{"error":"line 4: no string field `text`"}}"#);
}

#[test]
fn named_by_id_the_output_does_not_depend_on_how_records_are_split() {
    let input = records(4);
    let all = zhclean(&["clean", "--jsonl", "--text-field", "body", "--id-field", "meta", "-"], Some(input.as_bytes()));
    assert_eq!(all.status.code(), Some(0), "{}", String::from_utf8_lossy(&all.stderr));
    let (first, second) = input.split_at(input.match_indices('\n').nth(6).unwrap().0 + 1);
    let mut parts = Vec::new();
    for part in [first, second] {
        let o = zhclean(&["clean", "--jsonl", "--text-field", "body", "--id-field", "meta", "-"], Some(part.as_bytes()));
        assert_eq!(o.status.code(), Some(0));
        parts.extend(o.stdout);
    }
    assert_eq!(all.stdout, parts);
    let first: serde_json::Value = serde_json::from_slice(all.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["zhclean"]["path"], r#"{"seed":"000_53df00e179aff913.txt"}"#);
    // A record without the field is a bad record.
    let o = zhclean(&["clean", "--jsonl", "--id-field", "id", "-"], Some(b"{\"text\":\"x\"}\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1: no field `id` (--id-field)"));
}

#[test]
fn a_writer_in_lock_step_gets_each_output_before_writing_more() {
    // The writer sends one record and waits for its output before sending the next, as a pipe
    // consumer that does not buffer may; output held back for a fuller batch would hang it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhclean"))
        .args(["clean", "--jsonl", "--text-field", "body", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let _ = tx.send(line.unwrap());
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let input = records(2);
    for (n, record) in input.lines().enumerate() {
        writeln!(stdin, "{record}").unwrap();
        stdin.flush().unwrap();
        let out = rx.recv_timeout(std::time::Duration::from_secs(60));
        let out = out.unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no output for record {} while the writer waits", n + 1)
        });
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["zhclean"]["path"], format!("-:{}", n + 1));
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn files_cleaned_in_parallel_as_on_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = fixtures().join("seeds").display().to_string();
    let mut outputs = Vec::new();
    for j in ["1", "2"] {
        let out = dir.path().join(j);
        let report = dir.path().join(format!("{j}.jsonl"));
        let o = zhclean(&["clean", &seeds, "-j", j, "-o", &out.display().to_string(), "--report", &report.display().to_string()], None);
        assert_eq!(o.status.code(), Some(0));
        outputs.push(fs::read(report).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}
