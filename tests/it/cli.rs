use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::io::Write;

use crate::fixtures;

fn zhclean(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn seed(name: &str) -> String {
    fixtures().join("seeds").join(name).display().to_string()
}

const SEED2: &str = "002_5fbf0e8796347eff.txt";

#[test]
fn clean_one_file_to_stdout() {
    let o = zhclean(&["clean", &seed(SEED2)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = fs::read_to_string(fixtures().join("seeds/expected").join(SEED2)).unwrap();
    assert_eq!(stdout(&o), expected);
}

#[test]
fn clean_directory_with_output_diff_and_report() {
    let out = tempfile::tempdir().unwrap();
    let input = out.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    copy_seed(&input, "000_53df00e179aff913.txt");
    copy_seed(&input.join("sub"), SEED2);
    let report = out.path().join("report.jsonl");
    let clean_dir = out.path().join("clean");
    let o = zhclean(&[
        "clean",
        &input.display().to_string(),
        "-o",
        &clean_dir.display().to_string(),
        "--diff",
        "--report",
        &report.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let cleaned = fs::read_to_string(clean_dir.join("sub").join(SEED2)).unwrap();
    assert_eq!(cleaned, fs::read_to_string(fixtures().join("seeds/expected").join(SEED2)).unwrap());
    let diff = fs::read_to_string(clean_dir.join("sub").join(format!("{SEED2}.diff"))).unwrap();
    assert!(diff.starts_with(&format!("--- a/sub/{SEED2}\n")), "{diff}");
    assert!(diff.contains("@@ -1,7 +1,5 @@ META001 source-field"), "{diff}");
    assert!(diff.contains("-主办单位:中共湖南省委组织部"));
    assert!(clean_dir.join("000_53df00e179aff913.txt").is_file());
    let rows: Vec<serde_json::Value> =
        fs::read_to_string(&report).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let row = &rows[1];
    assert!(row["path"].as_str().unwrap().ends_with(SEED2));
    assert_eq!(row["encoding"]["encoding"], "UTF-8");
    assert_eq!(row["encoding"]["method"], "utf8");
    assert_eq!(row["lines_in"], 35);
    assert_eq!(row["removed"][0]["line"], 3);
    assert_eq!(row["removed"][0]["code"], "META001");
    assert_eq!(row["removed"][0]["category"], "metadata");
    assert_eq!(row["removed"][0]["text"], "文章来源: 红星网  时间: 2022-12-05 17:37");
}

#[test]
fn several_inputs_need_an_output_directory() {
    let o = zhclean(&["clean", &seed(SEED2), &seed("000_53df00e179aff913.txt")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o OUTDIR"));
}

#[test]
fn stdin_to_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhclean"))
        .args(["clean", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all("手機(jī)版\n來源：某網\n黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n".as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "党的二十大报告提出建设高素质干部队伍的重大任务。\n");
}

/// Writes `text` in `encoding` to `dir/name`; returns the path.
fn write_encoded(dir: &Path, name: &str, encoding: &'static encoding_rs::Encoding, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, encoding.encode(text).0).unwrap();
    path.display().to_string()
}

fn copy_seed(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    fs::copy(fixtures().join("seeds").join(name), &path).unwrap();
    path.display().to_string()
}

#[test]
fn check_fix_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_seed(dir.path(), SEED2);
    let original = fs::read(&file).unwrap();

    let o = zhclean(&["check", &file]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let diff = stdout(&o);
    assert!(diff.contains("META001 source-field"), "{diff}");
    assert!(diff.contains("FTR001 sponsor-footer"), "{diff}");
    assert!(stderr(&o).contains("1 file(s) would change"));
    assert_eq!(fs::read(&file).unwrap(), original, "check must not write");

    let o = zhclean(&["fix", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fixed = fs::read_to_string(&file).unwrap();
    assert_eq!(fixed, fs::read_to_string(fixtures().join("seeds/expected").join(SEED2)).unwrap());

    let o = zhclean(&["check", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn check_shows_conversion_and_reencoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_encoded(dir.path(), "big5.txt", encoding_rs::BIG5, "黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n");
    let o = zhclean(&["check", &path]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("would re-encode Big5 → UTF-8"), "{out}");
    assert!(out.contains("-黨的二十大報告") && out.contains("+党的二十大报告"), "{out}");
    assert!(out.contains("canonical-form"), "{out}");
}

#[cfg(unix)]
#[test]
fn fix_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = copy_seed(dir.path(), SEED2);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(zhclean(&["fix", &file]).status.code(), Some(0));
    assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
    let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn a_bad_file_is_reported_and_the_others_processed() {
    let dir = tempfile::tempdir().unwrap();
    let good = copy_seed(dir.path(), SEED2);
    let bad = dir.path().join("image.png");
    fs::write(&bad, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0").unwrap();
    let missing = dir.path().join("missing.txt").display().to_string();
    let o = zhclean(&["fix", &bad.display().to_string(), &missing, &good]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("image.png: binary data"), "{err}");
    assert!(err.contains("missing.txt"), "{err}");
    assert!(!fs::read_to_string(&good).unwrap().contains("主办单位"), "the good file was not fixed");
}

#[test]
fn diff_lists_removed_lines_with_codes() {
    let o = zhclean(&["diff", "--list", &seed("003_ef535a5139a792e3.txt")]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains(":1: WID001 mobile-banner [widget] 手机版"), "{out}");
    assert!(out.contains(":43: SPM001 place-name-list [spam] 潮州市|"), "{out}");
    assert!(stderr(&o).contains("9 line(s) would be removed, 1 file(s) would change"), "{}", stderr(&o));
}

#[test]
fn select_and_ignore() {
    let o = zhclean(&["diff", "--list", "--select", "footer", &seed(SEED2)]);
    assert!(stdout(&o).lines().all(|l| l.contains("FTR")), "{}", stdout(&o));
    let o = zhclean(&["diff", "--list", "--ignore", "FTR,NOI,NAV", &seed(SEED2)]);
    let out = stdout(&o);
    let codes: Vec<&str> = out.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(codes, ["META001", "WID006", "WID006"]);
    let o = zhclean(&["diff", "--select", "NOPE", &seed(SEED2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`NOPE` names no rule"));
}

#[test]
fn conversion_and_encoding_options() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_encoded(dir.path(), "gbk.txt", encoding_rs::GBK, "来源:某网\n党的二十大报告提出建设高素质干部队伍的重大任务。\n");
    let o = zhclean(&["clean", "--encoding", "gbk", "--convert", "s2t", &p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n");
    let o = zhclean(&["clean", "--convert", "nope", &p]);
    assert_eq!(o.status.code(), Some(2));
    let o = zhclean(&["clean", "--encoding", "nope", &p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown encoding label"), "{}", stderr(&o));
}

#[test]
fn rules_list_show_and_test() {
    let o = zhclean(&["rules", "list"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("META001  source-field"), "{}", stdout(&o));
    let o = zhclean(&["rules", "show", "SPM001"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("detector place-list"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Defined in rules/spam.toml:"), "{}", stdout(&o));
    let o = zhclean(&["rules", "show", "NOPE999"]);
    assert_eq!(o.status.code(), Some(2));
    let o = zhclean(&["rules", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).trim_end().ends_with(" 0 failed, 0 todo"), "{}", stdout(&o));
}

#[test]
fn bad_rule_file_is_placed_and_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.toml");
    fs::write(&rules, "[[rule]]\ncode = \"TST001\"\nname = \"x\"\ncategory = \"noise\"\nsummary = \"s\"\nwhy = \"w\"\nregion = \"edges\"\npattern = '[unclosed'\n").unwrap();
    let o = zhclean(&["clean", "--rules", &dir.path().display().to_string(), &seed(SEED2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("{}:8:11: bad pattern", rules.display())), "{}", stderr(&o));
    let o = zhclean(&["rules", "test", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn user_rule_test_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("mine.toml"),
        "[[rule]]\ncode = \"TST001\"\nname = \"ad-line\"\ncategory = \"spam\"\nsummary = \"s\"\nwhy = \"w\"\nregion = \"edges\"\npattern = '^广告'\n\n[[rule.example]]\ninput = \"广告位招租\\n全面建设社会主义现代化国家，关键在党。\"\noutput = \"广告位招租\\n全面建设社会主义现代化国家，关键在党。\"\n",
    )
    .unwrap();
    let o = zhclean(&["rules", "test", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("mine.toml:11: TST001 ad-line: example failed"), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 passed, 1 failed"), "{}", stdout(&o));
}

#[test]
fn score_on_the_seeds_is_perfect() {
    let o = zhclean(&["score", &fixtures().join("seeds").display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("zhclean:\nboilerplate-line recall  1.000 (27 of 27"), "{out}");
    assert!(out.contains("content-character loss   0.000"), "{out}");
}

#[test]
fn help_names_every_command() {
    let o = zhclean(&["--help"]);
    let out = stdout(&o);
    for cmd in ["clean", "check", "fix", "diff", "rules", "score"] {
        assert!(out.contains(cmd), "{out}");
    }
}

#[test]
fn score_prints_the_c4_baseline_beside() {
    let o = zhclean(&["score", "--baseline", &fixtures().join("seeds").display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("zhclean:\nboilerplate-line recall  1.000"), "{out}");
    assert!(out.contains("C4-style line filter:\nboilerplate-line recall"), "{out}");
}

#[test]
fn rules_suggest_writes_rules_that_load() {
    let dir = tempfile::tempdir().unwrap();
    for (i, body) in ["今天天气很好，我们去公园散步。", "明天会下雨，大家记得带伞出门。", "后天是周末，可以在家好好休息。"].iter().enumerate() {
        fs::write(dir.path().join(format!("{i}.txt")), format!("某某日报 数字版\n{body}\n")).unwrap();
    }
    let o = zhclean(&["rules", "suggest", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    fs::write(rules.join("site.toml"), stdout(&o)).unwrap();
    assert!(stdout(&o).contains("literals = [\"某某日报 数字版\"]"), "{}", stdout(&o));
    let o = zhclean(&["rules", "test", &rules.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = zhclean(&["clean", "--rules", &rules.display().to_string(), &dir.path().join("0.txt").display().to_string()]);
    assert_eq!(stdout(&o), "今天天气很好，我们去公园散步。\n");
}
