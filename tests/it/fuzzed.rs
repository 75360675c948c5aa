//! Regression inputs for the fuzz targets (`fuzz/`): every file in `tests/fuzzed/TARGET/` goes
//! through the same checks as the target. Hostile inputs written by hand are there, and any input
//! a fuzzer crashes on is added there once fixed. They also seed the fuzzers' corpora.

use std::fs;
use std::path::PathBuf;

use zhclean::emit::Fate;
use zhclean::rules::RuleSet;
use zhclean::{canon, classify};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzzed").join(target);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

#[test]
fn decode_inputs() {
    for (name, bytes) in inputs("decode") {
        if let Ok(d) = zhclean::decode::decode(&bytes, None) {
            assert!(d.text.matches('\u{FFFD}').count() >= d.decoding.malformed, "{name}");
        }
        for label in ["gbk", "big5", "utf-16be", "utf-32"] {
            let _ = zhclean::decode::decode(&bytes, Some(zhclean::decode::Label::parse(label).unwrap()));
        }
    }
}

#[test]
fn clean_inputs() {
    let cleaner = crate::cleaner();
    for (name, bytes) in inputs("clean") {
        let Ok(c) = cleaner.clean_bytes(&bytes, &name) else { continue };
        let text = &c.text;
        if !text.is_empty() {
            assert!(text.ends_with('\n') && !text.ends_with("\n\n") && !text.starts_with('\n'), "{name}: {text:?}");
            assert!(!text.contains('\r') && !text.contains("\n\n\n"), "{name}: {text:?}");
            assert!(text.lines().all(|l| l.trim() == l), "{name}: {text:?}");
        }
        assert_eq!(c.report.removed.len(), c.fates.iter().filter(|f| matches!(f, Fate::Dropped(_))).count(), "{name}");
        let again = cleaner.clean_text(text.clone(), "again");
        assert_eq!(&again.text, text, "{name}: not idempotent");
        assert!(again.report.removed.is_empty(), "{name}");
    }
}

#[test]
fn rules_inputs() {
    let lines = ["手機版", "來源:某網", "", "黨的二十大報告提出建設高素質幹部隊伍的重大任務,這是戰略部署。", "首页", "新闻"];
    let views: Vec<_> = lines.iter().map(|l| canon::view(l, None)).collect();
    for (name, bytes) in inputs("rules") {
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        let mut set = RuleSet::default();
        match set.add_text("fuzz.toml", text) {
            Ok(()) => assert_eq!(classify::classify(&lines, &views, &set).len(), lines.len(), "{name}"),
            Err(e) => assert!(e.to_string().starts_with("fuzz.toml"), "{name}: {e}"),
        }
    }
}
