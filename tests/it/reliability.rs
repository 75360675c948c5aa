//! Hostile inputs and the file system: clear errors or bounded work, one bad file never stops a
//! run, nothing is written outside the output directory, and the over-deletion guard.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn zhclean(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).output().unwrap()
}

fn zhclean_os(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

const PROSE: &str = "党的二十大报告提出建设堪当民族复兴重任的高素质干部队伍的重大任务，这是战略部署。\n";
const DIRTY: &str = "来源:新华网\n党的二十大报告提出建设堪当民族复兴重任的高素质干部队伍的重大任务，这是战略部署。\n主办单位:中共湖南省委组织部\n";
/// Mostly boilerplate: cleaning removes more than half of its characters.
const HEAVY: &str = "首页 | 新闻 | 图片 | 视频 | 专题 | 评论 | 理论 | 党建 | 文化 | 旅游 | 体育\n来源:新华网\n主办单位:中共湖南省委组织部承办单位:湖南红网新媒体集团\nICP备案号:湘ICP备17016663号-1\n大会召开以来，各地认真学习贯彻，取得了明显成效。\n";

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn empty_file_and_empty_directory() {
    let dir = tree(&[("empty.txt", ""), ("blank.txt", "\n\r\n \u{3000}\n")]);
    fs::create_dir(dir.path().join("nothing")).unwrap();
    let o = zhclean(&["clean", &s(&dir.path().join("empty.txt"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = zhclean(&["check", &s(dir.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 file(s) would change, 1 unchanged"), "{}", stderr(&o));
    let o = zhclean(&["fix", &s(&dir.path().join("nothing"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 file(s) fixed"), "{}", stderr(&o));
}

#[test]
fn nul_bytes_and_invalid_utf8_inside_utf8() {
    let dir = tree(&[]);
    let bin = dir.path().join("nul.txt");
    fs::write(&bin, b"\xe6\x9d\xa5\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xe6\x9d\xa5\0").unwrap();
    let broken = dir.path().join("broken.txt");
    // A page of UTF-8 with one broken sequence in it.
    let mut bytes = format!("{DIRTY}{}", PROSE.repeat(5)).into_bytes();
    bytes.splice(20..20, [0xe6, 0x9d]);
    fs::write(&broken, &bytes).unwrap();
    let report = dir.path().join("r.jsonl");
    let o = zhclean(&["clean", &s(dir.path()), "-o", &s(&dir.path().join("out")), "--report", &s(&report)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("nul.txt: binary data (NUL bytes at offset 3), not text"), "{err}");
    assert!(err.contains("1 file(s) cleaned, 0 kept whole, 1 failed\nfailed: 1 binary data"), "{err}");
    let out = fs::read_to_string(dir.path().join("out/broken.txt")).unwrap();
    assert!(out.contains('\u{FFFD}'), "{out}");
    let row: serde_json::Value = serde_json::from_str(fs::read_to_string(&report).unwrap().lines().next().unwrap()).unwrap();
    assert!(row["encoding"]["malformed"].as_u64().unwrap() >= 1, "{row}");
    assert!(row["warnings"][0].as_str().unwrap().contains("malformed"), "{row}");
}

#[test]
fn one_bad_file_never_stops_a_run_and_the_summary_groups_failures() {
    let dir = tree(&[("a.txt", DIRTY), ("b.txt", DIRTY), ("c.bin", "x\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0y")]);
    let missing = dir.path().join("missing.txt");
    let o = zhclean(&["fix", &s(&missing), &s(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("2 file(s) fixed, 0 unchanged, 0 kept whole, 2 failed"), "{err}");
    assert!(err.contains("failed: 1 binary data, 1 not found"), "{err}");
    for f in ["a.txt", "b.txt"] {
        assert_eq!(fs::read_to_string(dir.path().join(f)).unwrap(), PROSE);
    }
}

#[test]
fn large_files_are_refused_before_reading() {
    let dir = tree(&[]);
    let big = dir.path().join("big.txt");
    // 500 MB, sparse: refused from its size without being read.
    fs::File::create(&big).unwrap().set_len(500_000_000).unwrap();
    let small = dir.path().join("small.txt");
    fs::write(&small, DIRTY).unwrap();
    let start = Instant::now();
    let o = zhclean(&["check", &s(&big), &s(&small)]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("big.txt: file too large: 500000000 bytes, more than --max-size 67108864"), "{err}");
    assert!(err.contains("1 file(s) would change"), "{err}");
    assert!(err.contains("failed: 1 too large"), "{err}");
    let o = zhclean(&["check", "--max-size", "100", &s(&small)]);
    assert!(stderr(&o).contains("more than --max-size 100"), "{}", stderr(&o));
}

#[test]
fn a_long_single_line_is_bounded_work() {
    let dir = tree(&[]);
    let long = dir.path().join("long.txt");
    // 2 MB of CJK on one line; the release-mode test of a 500 MB line is `five_hundred_mb_line`.
    fs::write(&long, "党的二十大报告提出，".repeat(70_000)).unwrap();
    let start = Instant::now();
    let o = zhclean(&["check", &s(&long)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
}

#[cfg(unix)]
#[test]
fn unreadable_files_fifos_and_directories_named_like_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("ok.txt", DIRTY), ("doc.txt/inner.txt", DIRTY), ("secret.txt", DIRTY)]);
    let secret = dir.path().join("secret.txt");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anyway = fs::read(&secret).is_ok();
    let fifo = dir.path().join("pipe.txt");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());

    // A directory named like a file is walked; a FIFO in a tree is skipped, named it is refused.
    let o = zhclean(&["check", &s(dir.path()), &s(&fifo)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("pipe.txt: not a regular file or directory"), "{err}");
    assert!(err.contains("1 special file(s) skipped"), "{err}");
    if root_reads_anyway {
        assert!(err.contains("3 file(s) would change"), "{err}");
    } else {
        assert!(err.contains("secret.txt: Permission denied"), "{err}");
        assert!(err.contains("1 permission denied"), "{err}");
    }

    // An output path taken by a directory is a clear per-file error.
    let out = dir.path().join("out");
    fs::create_dir_all(out.join("ok.txt")).unwrap();
    let o = zhclean(&["clean", &s(&dir.path().join("ok.txt")), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ok.txt"), "{}", stderr(&o));
    assert!(out.join("ok.txt").is_dir());
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tree(&[]);
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let name = OsStr::from_bytes(b"\xb9\xfa\xbc\xd2-gbk-name.txt");
    fs::write(input.join(name), DIRTY).unwrap();
    let out = dir.path().join("out");
    let o = zhclean_os(&[OsStr::new("clean"), input.as_os_str(), OsStr::new("-o"), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join(name)).unwrap(), PROSE);
    let o = zhclean_os(&[OsStr::new("fix"), input.join(name).as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(input.join(name)).unwrap(), PROSE);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed_unless_asked() {
    use std::os::unix::fs::symlink;
    let outside = tree(&[("elsewhere.txt", DIRTY), ("dir/deep.txt", DIRTY)]);
    let dir = tree(&[("a.txt", DIRTY)]);
    symlink(outside.path().join("elsewhere.txt"), dir.path().join("link.txt")).unwrap();
    symlink(outside.path().join("dir"), dir.path().join("linkdir")).unwrap();
    symlink(dir.path(), dir.path().join("loop")).unwrap();
    symlink(dir.path().join("nowhere"), dir.path().join("dangling.txt")).unwrap();

    let o = zhclean(&["fix", &s(dir.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 file(s) fixed, 0 unchanged, 0 kept whole, 4 symbolic link(s) skipped"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(outside.path().join("elsewhere.txt")).unwrap(), DIRTY, "a file outside the tree was changed");

    let o = zhclean(&["fix", "--follow-symlinks", &s(dir.path())]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("dangling.txt: symbolic link: No such file or directory"), "{err}");
    assert!(err.contains("2 file(s) fixed, 1 unchanged"), "{err}");
    assert_eq!(fs::read_to_string(outside.path().join("elsewhere.txt")).unwrap(), PROSE);
    assert_eq!(fs::read_to_string(outside.path().join("dir/deep.txt")).unwrap(), PROSE);
    assert!(fs::symlink_metadata(dir.path().join("link.txt")).unwrap().file_type().is_symlink(), "the link was replaced");
}

#[test]
fn output_directory_inside_the_input_directory() {
    let dir = tree(&[("a.txt", DIRTY), ("sub/b.txt", DIRTY)]);
    let out = dir.path().join("clean");
    for _ in 0..2 {
        let o = zhclean(&["clean", &s(dir.path()), "-o", &s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains("2 file(s) cleaned"), "{}", stderr(&o));
    }
    assert!(!out.join("clean").exists(), "the output directory was walked as input");
    assert_eq!(fs::read_to_string(out.join("sub/b.txt")).unwrap(), PROSE);

    let o = zhclean(&["clean", &s(dir.path()), "-o", &s(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the output directory is an input directory"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), DIRTY);
}

#[test]
fn inputs_are_never_overwritten_and_outputs_never_clash() {
    let dir = tree(&[("out/a.txt", DIRTY), ("x/a.txt", DIRTY), ("x/x.txt", DIRTY)]);
    let out = dir.path().join("out");
    let o = zhclean(&["clean", &s(&out.join("a.txt")), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is an input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), DIRTY);

    let other = dir.path().join("other");
    let o = zhclean(&["clean", &s(&dir.path().join("x/a.txt")), &s(&out.join("a.txt")), "-o", &s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("failed: 1 output path clash"), "{}", stderr(&o));

    let o = zhclean(&["clean", &s(&out.join("a.txt")), "-o", &s(&other), "--report", &s(&out.join("a.txt"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the report would replace an input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), DIRTY);

    // Nor does the diff written beside an output.
    let diff = out.join("x.txt.diff");
    fs::write(&diff, DIRTY).unwrap();
    let o = zhclean(&["clean", &s(&dir.path().join("x")), &s(&diff), "-o", &s(&out), "--diff"]);
    assert_eq!(o.status.code(), Some(2));
    // x/x.txt: its diff would replace the input out/x.txt.diff; out/x.txt.diff: itself.
    assert!(stderr(&o).contains("1 file(s) cleaned, 0 kept whole, 2 failed\nfailed: 2 would overwrite an input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&diff).unwrap(), DIRTY);
}

#[cfg(unix)]
#[test]
fn never_written_outside_the_output_directory() {
    use std::os::unix::fs::symlink;
    let elsewhere = tree(&[]);
    let dir = tree(&[("in/sub/a.txt", DIRTY)]);
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    symlink(elsewhere.path(), out.join("sub")).unwrap();
    let o = zhclean(&["clean", &s(&dir.path().join("in")), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("would be written outside the output directory"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn over_deletion_is_flagged_and_can_keep_documents_whole() {
    let dir = tree(&[("heavy.txt", HEAVY), ("light.txt", DIRTY)]);
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.jsonl");
    let o = zhclean(&["clean", &s(dir.path()), "-o", &s(out.path()), "--report", &s(&report)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("heavy.txt: warning: "), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = fs::read_to_string(&report).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let warning = rows[0]["warnings"][0].as_str().unwrap();
    assert!(warning.contains("more than the share 0.5: review this document"), "{warning}");
    assert!(rows[0].get("kept_whole").is_none());

    let o = zhclean(&["fix", "--max-removal", "0.5", &s(dir.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 file(s) fixed, 0 unchanged, 1 kept whole"), "{}", stderr(&o));
    assert!(stderr(&o).contains("document kept whole"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(dir.path().join("heavy.txt")).unwrap(), HEAVY);
    assert_eq!(fs::read_to_string(dir.path().join("light.txt")).unwrap(), PROSE);

    let o = zhclean(&["clean", "--max-removal", "0.5", "--report", &s(&report), &s(&dir.path().join("heavy.txt"))]);
    assert_eq!(stdout(&o), HEAVY, "kept whole");
    let row: serde_json::Value = serde_json::from_str(fs::read_to_string(&report).unwrap().trim()).unwrap();
    assert_eq!(row["kept_whole"], true);
    assert_eq!(row["removed"].as_array().unwrap().len(), 0);

    let o = zhclean(&["check", "--warn-removal", "0.9", "--max-removal", "2", &s(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a share from 0 to 1"), "{}", stderr(&o));
}

#[test]
fn huge_and_pathological_rule_patterns_get_clear_errors() {
    let dir = tree(&[]);
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    let rule = |pattern: &str| {
        format!(
            "[[rule]]\ncode = \"TST001\"\nname = \"ad-line\"\ncategory = \"spam\"\nsummary = \"s\"\nwhy = \"w\"\nregion = \"edges\"\npattern = '''{pattern}'''\n\n[[rule.example]]\ninput = \"x\"\noutput = \"x\"\n"
        )
    };
    let doc = dir.path().join("doc.txt");
    fs::write(&doc, DIRTY).unwrap();
    let patterns: [(&str, &str); 3] = [
        (r"\w{1000}\w{1000}", "exceeds size limit"),
        (&format!("{}a{}", "(".repeat(300), ")".repeat(300)), "nested parentheses"),
        ("(x+x+)+y", ""),
    ];
    for (pattern, expected) in patterns {
        fs::write(rules.join("r.toml"), rule(pattern)).unwrap();
        let start = Instant::now();
        let o = zhclean(&["check", "--rules", &s(&rules), &s(&doc)]);
        assert!(start.elapsed() < Duration::from_secs(20));
        if expected.is_empty() {
            // Backtracking-prone patterns run in linear time (finite automata): no error, no hang.
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2));
            assert!(stderr(&o).contains("r.toml:8:11: bad pattern") && stderr(&o).contains(expected), "{}", stderr(&o));
        }
    }
    // A rule file larger than the limit is refused whole.
    fs::write(rules.join("r.toml"), format!("# {}\n{}", "x".repeat(2 << 20), rule("^广告"))).unwrap();
    let o = zhclean(&["check", "--rules", &s(&rules), &s(&doc)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("r.toml: rule file too large"), "{}", stderr(&o));
}

/// A file of one 500 MB line, cleaned in release mode (`cargo test --release -- --ignored`).
#[test]
#[ignore = "heavy: 500 MB on disk; run in release from .ci/run"]
fn five_hundred_mb_line() {
    use std::io::Write;
    let dir = tree(&[]);
    let path = dir.path().join("line.txt");
    let mut w = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    let chunk = "党的二十大报告提出建设高素质干部队伍，".repeat(1000);
    let mut written = 0;
    while written < 500_000_000 {
        w.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    w.flush().unwrap();
    drop(w);
    let o = zhclean(&["check", &s(&path)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("file too large"), "{}", stderr(&o));
    let start = Instant::now();
    let o = zhclean(&["diff", "--max-size", "1G", &s(&path)]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    eprintln!("500 MB single line: diff took {took:?}");
    assert!(took < Duration::from_secs(300), "{took:?}");
}

/// A million tiny files in 1,000 directories, checked in release mode.
#[test]
#[ignore = "heavy: a million files; run in release from .ci/run"]
fn a_million_tiny_files() {
    let dir = tree(&[]);
    let start = Instant::now();
    for d in 0..1000 {
        let sub: PathBuf = dir.path().join(format!("d{d:03}"));
        fs::create_dir(&sub).unwrap();
        for f in 0..1000 {
            let text = if f % 2 == 0 { "来源:新华网\n正文。\n" } else { "正文。\n" };
            fs::write(sub.join(format!("{f:03}.txt")), text).unwrap();
        }
    }
    eprintln!("a million files written in {:?}", start.elapsed());
    let start = Instant::now();
    let o = zhclean(&["check", &s(dir.path())]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("500000 file(s) would change, 500000 unchanged, 0 kept whole, 0 failed"), "{}", stderr(&o));
    eprintln!("a million files: check took {took:?}");
}
