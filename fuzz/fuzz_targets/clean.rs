//! The whole clean of arbitrary bytes: never panics, writes canonical text, and cleaning the
//! output again changes nothing.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use zhclean::rules::RuleSet;
use zhclean::{Cleaner, Options};

static CLEANER: LazyLock<Cleaner> =
    LazyLock::new(|| Cleaner::new(RuleSet::builtin().expect("built-in rules"), &Options::default()).expect("converter"));

fuzz_target!(|data: &[u8]| {
    let Ok(cleaned) = CLEANER.clean_bytes(data, "fuzz") else { return };
    let text = &cleaned.text;
    if !text.is_empty() {
        assert!(text.ends_with('\n') && !text.ends_with("\n\n") && !text.starts_with('\n'), "{text:?}");
        assert!(!text.contains('\r') && !text.contains("\n\n\n"), "{text:?}");
        assert!(text.lines().all(|l| l.trim() == l), "{text:?}");
    }
    assert_eq!(cleaned.report.removed.len(), cleaned.fates.iter().filter(|f| matches!(f, zhclean::emit::Fate::Dropped(_))).count());
    let again = CLEANER.clean_text(text.clone(), "again");
    assert_eq!(&again.text, text, "not idempotent");
    assert!(again.report.removed.is_empty(), "cleaning the output removed {:?}", again.report.removed);
});
