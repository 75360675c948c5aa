use std::collections::HashMap;
use std::fs;

use zhclean::convert::{Conversion, Converter};

use crate::{cleaner, fixtures};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = fixtures().join("seeds");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5);
    names.into_iter().map(|n| (n.clone(), fs::read(dir.join(&n)).unwrap())).collect()
}

/// (file, line) → label from `labels.tsv`; unlisted non-blank lines are keep.
fn labels() -> HashMap<(String, usize), String> {
    let text = fs::read_to_string(fixtures().join("seeds/labels.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            ((c[0].to_owned(), c[1].parse().unwrap()), c[2].to_owned())
        })
        .collect()
}

#[test]
fn every_drop_line_goes_and_every_keep_line_stays() {
    let labels = labels();
    let cleaner = cleaner();
    let mut failures = Vec::new();
    for (name, bytes) in seeds() {
        let cleaned = cleaner.clean_bytes(&bytes, &name).unwrap();
        let removed: HashMap<usize, &str> = cleaned.report.removed.iter().map(|r| (r.line, &*r.code)).collect();
        for (i, line) in String::from_utf8(bytes).unwrap().lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            match labels.get(&(name.clone(), n)).map(String::as_str).unwrap_or("keep") {
                "drop" if !removed.contains_key(&n) => failures.push(format!("{name}:{n}: drop line kept: {line}")),
                "keep" if removed.contains_key(&n) => {
                    failures.push(format!("{name}:{n}: keep line removed by {}: {line}", removed[&n]))
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn outputs_and_reports_match_snapshots() {
    let update = std::env::var_os("ZHCLEAN_UPDATE_SNAPSHOTS").is_some();
    let dir = fixtures().join("seeds/expected");
    let cleaner = cleaner();
    let mut stale = Vec::new();
    for (name, bytes) in seeds() {
        let cleaned = cleaner.clean_bytes(&bytes, &name).unwrap();
        let report = serde_json::to_string_pretty(&cleaned.report).unwrap() + "\n";
        let diff = cleaned.diff_canonical(&name);
        for (file, actual) in [(name.clone(), &cleaned.text), (format!("{name}.report.json"), &report), (format!("{name}.diff"), &diff)] {
            let path = dir.join(&file);
            if update {
                fs::create_dir_all(&dir).unwrap();
                fs::write(&path, actual).unwrap();
            } else if fs::read_to_string(&path).ok().as_ref() != Some(actual) {
                stale.push(file);
            }
        }
    }
    assert!(stale.is_empty(), "snapshots differ: {stale:?}; review and rerun with ZHCLEAN_UPDATE_SNAPSHOTS=1");
}

#[test]
fn cleaning_is_idempotent() {
    let cleaner = cleaner();
    for (name, bytes) in seeds() {
        let once = cleaner.clean_bytes(&bytes, &name).unwrap();
        let twice = cleaner.clean_bytes(once.text.as_bytes(), &name).unwrap();
        assert_eq!(twice.text, once.text, "{name}");
        assert!(twice.report.removed.is_empty(), "{name}: {:?}", twice.report.removed);
        assert!(!twice.changes(once.text.as_bytes()), "{name}");
    }
}

#[test]
fn traditional_seed_is_simplified_without_pinyin() {
    let bytes = fs::read(fixtures().join("seeds/003_ef535a5139a792e3.txt")).unwrap();
    let cleaned = cleaner().clean_bytes(&bytes, "003").unwrap();
    let t2s = Converter::new(Conversion::T2s).unwrap();
    assert_eq!(t2s.convert(&cleaned.text), cleaned.text.as_str(), "output is not all Simplified");
    assert!(cleaned.text.contains("加强高素质干部队伍建设"));
    // The one parenthesised syllable left follows `|`, not a Han character (a mojibake fragment).
    let annotation = regex::Regex::new(r"\p{Han}\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)").unwrap();
    assert_eq!(annotation.find(&cleaned.text).map(|m| m.as_str()), None);
    assert_eq!(cleaned.report.pinyin_removed, 423);
    assert!(cleaned.report.converted_chars > 1000, "{}", cleaned.report.converted_chars);
}

#[test]
fn chinese_punctuation_survives() {
    let text = "他说：“你好，世界！”（注释）「引用」、《书名》；问？……\n".to_owned();
    let cleaned = zhclean::Cleaner::new(zhclean::rules::RuleSet::default(), &zhclean::Options::default())
        .unwrap()
        .clean_text(text.clone(), "p");
    assert_eq!(cleaned.text, text);
}
