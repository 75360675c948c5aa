//! Rule-file parsing of arbitrary text never panics; a rule set it accepts classifies a document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhclean::rules::RuleSet;
use zhclean::{canon, classify};

const DOC: &[&str] = &["手機版", "來源:某網", "", "黨的二十大報告提出建設高素質幹部隊伍的重大任務,這是戰略部署。", "主办单位:中共湖南省委组织部", "首页", "新闻", "1"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = RuleSet::default();
    match set.add_text("fuzz.toml", text) {
        Ok(()) => {
            let views: Vec<_> = DOC.iter().map(|l| canon::view(l, None)).collect();
            let decisions = classify::classify(DOC, &views, &set);
            assert_eq!(decisions.len(), DOC.len());
        }
        // An error names the file.
        Err(e) => assert!(e.to_string().starts_with("fuzz.toml"), "{e}"),
    }
});
