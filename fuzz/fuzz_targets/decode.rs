//! Decoding arbitrary bytes, detected or with an encoding override, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhclean::decode::{decode, Label};

/// Overrides tried when the first byte selects one (the others detect).
const LABELS: &[&str] = &["utf-8", "gbk", "gb18030", "big5", "shift_jis", "euc-kr", "utf-16le", "utf-16be", "utf-16", "utf-32", "utf-32be"];

fuzz_target!(|data: &[u8]| {
    let over = data.first().and_then(|&b| LABELS.get(usize::from(b))).map(|l| Label::parse(l).expect("known label"));
    if let Ok(decoded) = decode(data, over) {
        // Every malformed sequence became one U+FFFD, so there are at least as many of them.
        assert!(decoded.text.matches('\u{FFFD}').count() >= decoded.decoding.malformed || over.is_some());
    }
});
