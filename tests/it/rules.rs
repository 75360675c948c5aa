use zhclean::rules::{run_examples, RuleSet};

#[test]
fn builtin_examples_pass() {
    let set = RuleSet::builtin().unwrap();
    let outcomes = run_examples(&set).unwrap();
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed() && !o.example.todo)
        .map(|o| format!("{}:{}: {} expected {:?}, got {:?}", o.rule.file, o.example.line, o.rule.code, o.expected, o.got))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule shows one example it cleans and one it must leave alone (the false-positive guard).
#[test]
fn every_rule_has_a_drop_and_a_keep_example() {
    let set = RuleSet::builtin().unwrap();
    let outcomes = run_examples(&set).unwrap();
    for rule in set.rules() {
        let mine: Vec<_> = outcomes.iter().filter(|o| o.rule.code == rule.code).collect();
        assert!(mine.iter().any(|o| o.removed > 0), "{} has no example it cleans", rule.code);
        assert!(mine.iter().any(|o| o.removed == 0), "{} has no example it must leave alone", rule.code);
    }
}

#[test]
fn rule_file_errors_name_file_line_and_column() {
    let mut set = RuleSet::default();
    let text = "[[rule]]\ncode = \"TST001\"\nname = \"x\"\ncategory = \"noise\"\nsummary = \"s\"\nwhy = \"w\"\nregion = \"head\"\npattern = '(unclosed'\n";
    let e = set.add_text("my/rules.toml", text).unwrap_err();
    assert!(e.to_string().starts_with("my/rules.toml:8:11: bad pattern"), "{e}");
}

#[test]
fn user_rules_override_builtin_codes() {
    let mut set = RuleSet::builtin().unwrap();
    let before = set.rules().len();
    let text = r#"
[[rule]]
code = "WID006"
name = "map-caption"
category = "widget"
summary = "s"
why = "w"
region = "tail"
literals = ["地图"]

[[rule.example]]
input = "全面建设社会主义现代化国家，关键在党。\n地图"
output = "全面建设社会主义现代化国家，关键在党。"

[[rule.example]]
input = "地图很好用，我们每天都看一遍。"
output = "地图很好用，我们每天都看一遍。"
"#;
    set.add_text("user.toml", text).unwrap();
    assert_eq!(set.rules().len(), before);
    assert_eq!(&*set.get("WID006").unwrap().name, "map-caption");
}
