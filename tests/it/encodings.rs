use std::fs;
use std::path::Path;

use zhclean::decode::{decode, DecodeError, Label};

/// Accuracy over the shared encoding test set (skipped when it is absent): prints the accuracy and
/// every miss, and holds zhclean to its targets.
#[test]
fn manifest_accuracy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/encodings");
    let Ok(manifest) = fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        eprintln!("manifest_accuracy: {} absent, skipped", dir.display());
        return;
    };
    let (mut whatwg, mut whatwg_hits, mut natural, mut natural_hits, mut utf32, mut utf32_hits) = (0, 0, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, expected, notes) = (cols[0], cols[1], cols.get(5).copied().unwrap_or(""));
        let bytes = fs::read(dir.join(file)).unwrap();
        if matches!(expected, "EUC-TW" | "HZ-GB-2312") {
            match decode(&bytes, None) {
                Err(DecodeError::Undecodable { name }) if name == expected => {}
                other => misses.push(format!("{file}: expected an error naming {expected}, got {:?}", other.map(|d| d.decoding))),
            }
            continue;
        }
        let reference = decode(&bytes, Some(Label::parse(expected).unwrap())).unwrap().text;
        let hit = match decode(&bytes, None) {
            Ok(d) if d.text == reference => true,
            Ok(d) => {
                misses.push(format!("{file}: expected {expected}, got {} by {:?}", d.decoding.encoding, d.decoding.method));
                false
            }
            Err(e) => {
                misses.push(format!("{file}: expected {expected}, got error: {e}"));
                false
            }
        };
        if expected.starts_with("UTF-32") {
            utf32 += 1;
            utf32_hits += usize::from(hit);
            continue;
        }
        whatwg += 1;
        whatwg_hits += usize::from(hit);
        let chinese_encoding = matches!(expected, "GBK" | "gb18030" | "Big5" | "UTF-8" | "UTF-16LE" | "UTF-16BE");
        if chinese_encoding && !notes.contains("code-table dump") && !notes.starts_with("generated") {
            natural += 1;
            natural_hits += usize::from(hit);
        }
    }
    let pct = |h: usize, n: usize| h as f64 * 100.0 / n.max(1) as f64;
    eprintln!("encodings zhclean decodes (WHATWG): {whatwg_hits}/{whatwg} = {:.1}%", pct(whatwg_hits, whatwg));
    eprintln!("natural text in GBK/gb18030/Big5/UTF-8/UTF-16: {natural_hits}/{natural}");
    eprintln!("UTF-32: {utf32_hits}/{utf32}");
    for m in &misses {
        eprintln!("  miss {m}");
    }
    assert_eq!(whatwg, 164);
    assert!(pct(whatwg_hits, whatwg) >= 97.0);
    assert_eq!(natural_hits, natural);
    assert_eq!(utf32_hits, utf32);
    assert!(misses.iter().all(|m| !m.contains("expected an error")), "{misses:?}");
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = (bom.then_some(0xFEFF)).into_iter().chain(text.encode_utf16());
    units.flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

fn utf32(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let chars = (bom.then_some('\u{FEFF}')).into_iter().chain(text.chars());
    chars.flat_map(|c| if big_endian { (c as u32).to_be_bytes() } else { (c as u32).to_le_bytes() }).collect()
}

/// The first `max` bytes of `text` encoded by `encode`, cut at a character boundary.
fn snippet(text: &str, max: usize, encode: &dyn Fn(&str) -> Vec<u8>) -> (String, Vec<u8>) {
    let mut cut = String::new();
    for c in text.chars() {
        let mut longer = cut.clone();
        longer.push(c);
        if encode(&longer).len() > max {
            break;
        }
        cut = longer;
    }
    let bytes = encode(&cut);
    (cut, bytes)
}

/// Every seed in every encoding it can be written in, whole and as 100- and 300-byte snippets.
#[test]
fn seed_variants_decode_exactly() {
    let dir = crate::fixtures().join("seeds");
    let mut failures = Vec::new();
    let mut runs = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let traditional = path.file_name().unwrap().to_string_lossy().starts_with("003");
        // Legacy encodings only for what they can represent.
        let representable = |enc: &'static encoding_rs::Encoding| -> String {
            text.chars().filter(|c| !enc.encode(&c.to_string()).2).collect()
        };
        let gbk_text = representable(encoding_rs::GBK);
        let big5_text = representable(encoding_rs::BIG5);
        type Encode = Box<dyn Fn(&str) -> Vec<u8>>;
        let mut variants: Vec<(&str, String, Encode)> = vec![
            ("GBK", gbk_text.clone(), Box::new(|t: &str| encoding_rs::GBK.encode(t).0.into_owned())),
            ("gb18030", text.clone(), Box::new(|t: &str| encoding_rs::GB18030.encode(t).0.into_owned())),
            ("UTF-8 BOM", text.clone(), Box::new(|t: &str| [&[0xEF, 0xBB, 0xBF][..], t.as_bytes()].concat())),
            ("UTF-16LE", text.clone(), Box::new(|t: &str| utf16(t, false, false))),
            ("UTF-16BE", text.clone(), Box::new(|t: &str| utf16(t, true, false))),
            ("UTF-16LE BOM", text.clone(), Box::new(|t: &str| utf16(t, false, true))),
            ("UTF-16BE BOM", text.clone(), Box::new(|t: &str| utf16(t, true, true))),
            ("UTF-32LE", text.clone(), Box::new(|t: &str| utf32(t, false, false))),
            ("UTF-32BE BOM", text.clone(), Box::new(|t: &str| utf32(t, true, true))),
        ];
        if traditional {
            variants.push(("Big5", big5_text.clone(), Box::new(|t: &str| encoding_rs::BIG5.encode(t).0.into_owned())));
        }
        for (name, source, encode) in &variants {
            for max in [usize::MAX, 300, 100] {
                let (expected, bytes) = if max == usize::MAX { (source.clone(), encode(source)) } else { snippet(source, max, encode) };
                runs += 1;
                match decode(&bytes, None) {
                    Ok(d) if d.text == expected => {}
                    Ok(d) => failures.push(format!("{} {name} {max}: got {} by {:?}", path.display(), d.decoding.encoding, d.decoding.method)),
                    Err(e) => failures.push(format!("{} {name} {max}: {e}", path.display())),
                }
            }
        }
    }
    eprintln!("seed variants: {} of {runs} decoded exactly", runs - failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Real text is never "repaired": the seeds always, and the dev pages when present.
#[test]
fn nothing_to_repair_in_real_text() {
    let mut dirs = vec![crate::fixtures().join("seeds")];
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev/docs");
    if dev.is_dir() {
        dirs.push(dev);
    } else {
        eprintln!("nothing_to_repair_in_real_text: {} absent, seeds only", dev.display());
    }
    let cleaner = crate::cleaner();
    for dir in dirs {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let report = cleaner.clean_bytes(&fs::read(&path).unwrap(), "doc").unwrap().report;
            assert!(report.repairs.is_empty(), "{}: {:?}", path.display(), report.repairs);
            assert_eq!(report.mojibake, 0, "{}", path.display());
        }
    }
}

#[test]
fn mojibake_is_repaired_and_reported() {
    let original = "新闻中心\n深入推进党的建设新的伟大工程，组织工作新局面\n";
    let broken = encoding_rs::GBK.decode_without_bom_handling(original.as_bytes()).0.into_owned();
    let cleaned = zhclean::Cleaner::new(zhclean::rules::RuleSet::default(), &zhclean::Options::default())
        .unwrap()
        .clean_bytes(broken.as_bytes(), "broken")
        .unwrap();
    // The last byte of the second line was lost in the misreading (a lone byte became U+FFFD):
    // all but its last character comes back, and the damaged end is left as it was.
    assert!(cleaned.text.starts_with("新闻中心\n深入推进党的建设新的伟大工程，组织工作新局"), "{}", cleaned.text);
    assert!(cleaned.text.ends_with("\u{FFFD}\n"), "{}", cleaned.text);
    assert!(!cleaned.text.contains('面'));
    let r = &cleaned.report;
    assert_eq!(r.repairs.len(), 2, "{:?}", r.repairs);
    assert_eq!((r.repairs[0].line, r.repairs[0].misread_as, r.repairs[0].after.as_str()), (1, "GBK", "新闻中心"));
    assert!(r.warnings.iter().any(|w| w.contains("mojibake: 2 run(s)")), "{:?}", r.warnings);
}

#[test]
fn damaged_input_warns_or_is_refused_with_strict() {
    let mut bytes = encoding_rs::GBK.encode("党的二十大报告提出建设高素质干部队伍的重大任务，这是战略部署。").0.into_owned();
    bytes.splice(6..6, [0x81, 0xFF]);
    let lenient = crate::cleaner().clean_bytes(&bytes, "d").unwrap();
    assert_eq!(lenient.report.encoding.as_ref().unwrap().malformed, 1);
    assert!(lenient.report.warnings[0].contains("1 malformed byte sequence(s) in GBK"), "{:?}", lenient.report.warnings);
    let strict = zhclean::Cleaner::new(
        zhclean::rules::RuleSet::builtin().unwrap(),
        &zhclean::Options { strict: true, ..zhclean::Options::default() },
    )
    .unwrap();
    let err = strict.clean_bytes(&bytes, "d").unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { count: 1, .. }), "{err}");
}
