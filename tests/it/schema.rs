//! Real reports checked against the schema documented in docs/report.md (its tables are read here).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

/// One documented field: its type and whether it may be absent.
struct Field {
    ty: String,
    optional: bool,
}

/// The sections of docs/report.md: name → fields.
fn schema() -> BTreeMap<String, BTreeMap<String, Field>> {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.md")).unwrap();
    let mut sections: BTreeMap<String, BTreeMap<String, Field>> = BTreeMap::new();
    let mut current = None;
    for line in doc.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            current = Some(name.trim().to_owned());
            sections.insert(name.trim().to_owned(), BTreeMap::new());
            continue;
        }
        let (Some(section), Some(row)) = (&current, line.strip_prefix("| `")) else { continue };
        let cells: Vec<&str> = row.split(" | ").collect();
        let name = cells[0].trim_end_matches('`');
        let (ty, optional) = match cells[1].strip_suffix(", optional") {
            Some(t) => (t, true),
            None => (cells[1], false),
        };
        sections.get_mut(section).unwrap().insert(name.to_owned(), Field { ty: ty.to_owned(), optional });
    }
    sections
}

/// Checks `value` against type `ty`; returns what is wrong, with `at` naming the place.
fn check(schema: &BTreeMap<String, BTreeMap<String, Field>>, ty: &str, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(inner) = ty.strip_suffix(" or null") {
        if !value.is_null() {
            check(schema, inner, value, at, errors);
        }
        return;
    }
    if let Some(item) = ty.strip_prefix("array of ") {
        match value.as_array() {
            Some(items) => items.iter().enumerate().for_each(|(i, v)| check(schema, item, v, &format!("{at}[{i}]"), errors)),
            None => errors.push(format!("{at}: not an array: {value}")),
        }
        return;
    }
    if let Some(item) = ty.strip_prefix("map of ") {
        match value.as_object() {
            Some(map) => map.iter().for_each(|(k, v)| check(schema, item, v, &format!("{at}.{k}"), errors)),
            None => errors.push(format!("{at}: not an object: {value}")),
        }
        return;
    }
    let ok = match ty {
        "string" => value.is_string(),
        "integer" => value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        section => {
            let Some(fields) = schema.get(section) else {
                errors.push(format!("{at}: type `{section}` is not documented"));
                return;
            };
            let Some(object) = value.as_object() else {
                errors.push(format!("{at}: not an object: {value}"));
                return;
            };
            for key in object.keys().filter(|k| !fields.contains_key(*k)) {
                errors.push(format!("{at}.{key}: not documented in section `{section}`"));
            }
            for (name, field) in fields {
                match object.get(name) {
                    Some(v) => check(schema, &field.ty, v, &format!("{at}.{name}"), errors),
                    None if field.optional => {}
                    None => errors.push(format!("{at}.{name}: missing")),
                }
            }
            true
        }
    };
    if !ok {
        errors.push(format!("{at}: not {ty}: {value}"));
    }
}

fn zhclean(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn reports_match_the_documented_schema() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let seeds = fixtures().join("seeds");
    for e in fs::read_dir(&seeds).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            fs::copy(&p, input.join(p.file_name().unwrap())).unwrap();
        }
    }
    // A legacy encoding, a Traditional document in Big5, repairable and unrepairable mojibake.
    let seed2 = fs::read_to_string(seeds.join("002_5fbf0e8796347eff.txt")).unwrap();
    fs::write(input.join("gbk.txt"), encoding_rs::GBK.encode(&seed2).0).unwrap();
    fs::write(input.join("big5.txt"), encoding_rs::BIG5.encode("黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n").0).unwrap();
    let misread = encoding_rs::GBK.decode("新闻中心发布最新消息".as_bytes()).0.into_owned();
    fs::write(input.join("mojibake.txt"), format!("{misread}\n党的二十大报告提出建设高素质干部队伍的重大任务。锟斤拷锟斤拷\n")).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = dir.path().join("out");
    let (i, o, r) = (input.display().to_string(), out.display().to_string(), report.display().to_string());
    zhclean(&["clean", &i, "-o", &o, "--report", &r, "--summary"]);
    let whole = dir.path().join("whole.jsonl");
    let w = whole.display().to_string();
    zhclean(&["clean", &seeds.join("003_ef535a5139a792e3.txt").display().to_string(), "--max-removal", "0.01", "--report", &w]);

    let schema = schema();
    assert!(schema.contains_key("document") && schema.contains_key("summary record"), "docs/report.md sections: {:?}", schema.keys());
    let mut errors = Vec::new();
    let mut seen = BTreeMap::new();
    for (file, text) in [(&report, fs::read_to_string(&report).unwrap()), (&whole, fs::read_to_string(&whole).unwrap())] {
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = if v.get("summary").is_some() { "summary record" } else { "document" };
            *seen.entry(kind).or_insert(0) += 1;
            check(&schema, kind, &v, &format!("{}:{}", file.display(), n + 1), &mut errors);
        }
    }
    assert!(errors.is_empty(), "reports differ from docs/report.md:\n{}", errors.join("\n"));
    assert_eq!(seen["document"], 9);
    assert_eq!(seen["summary record"], 1);
    // The checks saw every kind of content: repairs, encodings, the optional field, flagged documents.
    let text = fs::read_to_string(&report).unwrap() + &fs::read_to_string(&whole).unwrap();
    for needle in ["\"misread_as\"", "\"encoding\":\"GBK\"", "\"encoding\":\"Big5\"", "\"kept_whole\":true", "\"reasons\":[", "\"top_removed\":[{"] {
        assert!(text.contains(needle), "no {needle} in the reports");
    }
}
