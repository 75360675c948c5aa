//! The project config file and its excludes, `check`'s patch through real `git apply`, and the
//! hooks of `.pre-commit-hooks.yaml` run by the real `pre-commit` from a clone of this repository's
//! committed HEAD (skipped when pre-commit is absent, unless ZHCLEAN_REQUIRE_PRECOMMIT is set, as
//! CI does).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::fixtures;

const SEED2: &str = "002_5fbf0e8796347eff.txt";

fn zhclean_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn seed(name: &str) -> Vec<u8> {
    fs::read(fixtures().join("seeds").join(name)).unwrap()
}

fn expected(name: &str) -> Vec<u8> {
    fs::read(fixtures().join("seeds/expected").join(name)).unwrap()
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(["-c", "user.name=zhclean test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let o = git(dir, args);
    assert!(o.status.success(), "git {args:?}: {}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn excludes_hold_for_files_named_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("vendor/deep")).unwrap();
    fs::create_dir_all(d.join("docs")).unwrap();
    fs::write(d.join("zhclean.toml"), "exclude = [\"vendor/\", \"*.orig.txt\"]\n").unwrap();
    for p in ["vendor/deep/raw.txt", "docs/a.orig.txt", "docs/doc.txt"] {
        fs::write(d.join(p), seed(SEED2)).unwrap();
    }
    let o = zhclean_in(d, &["check", "vendor/deep/raw.txt", "docs/a.orig.txt", "docs/doc.txt"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("--- a/docs/doc.txt") && !out.contains("raw.txt") && !out.contains("orig"), "{out}");
    assert!(text(&o.stderr).contains("2 excluded by zhclean.toml"), "{}", text(&o.stderr));
    // From a subdirectory the same config is found and the same files are left alone.
    let o = zhclean_in(&d.join("docs"), &["fix", "../vendor/deep/raw.txt", "a.orig.txt", "doc.txt", "../vendor"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(fs::read(d.join("vendor/deep/raw.txt")).unwrap(), seed(SEED2));
    assert_eq!(fs::read(d.join("docs/a.orig.txt")).unwrap(), seed(SEED2));
    assert_eq!(fs::read(d.join("docs/doc.txt")).unwrap(), expected(SEED2));
    // --no-config ignores it.
    let o = zhclean_in(d, &["check", "--no-config", "vendor/deep/raw.txt"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn config_sets_rules_and_conversion_and_errors_name_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("doc.txt"), "來源:某網\n黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n").unwrap();
    fs::write(d.join("zhclean.toml"), "convert = \"none\"\nignore = [\"metadata\"]\n").unwrap();
    let o = zhclean_in(d, &["clean", "doc.txt"]);
    assert_eq!(text(&o.stdout), "來源:某網\n黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n", "{}", text(&o.stderr));
    // Command-line options win over the file.
    let o = zhclean_in(d, &["clean", "--convert", "t2s", "doc.txt"]);
    assert_eq!(text(&o.stdout), "来源:某网\n党的二十大报告提出建设高素质干部队伍的重大任务。\n");
    fs::write(d.join("zhclean.toml"), "convert = \"none\"\nexclude = \"vendor\"\n").unwrap();
    let o = zhclean_in(d, &["check", "doc.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("zhclean.toml:2:11: invalid type: string \"vendor\", expected a sequence"), "{}", text(&o.stderr));
}

#[test]
fn check_is_silent_on_a_clean_tree_and_its_patch_applies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q"]);
    let names = ["000_53df00e179aff913.txt", "001_1e482441de41a84c.txt", SEED2, "003_ef535a5139a792e3.txt", "004_576c2e6f06f9add2.txt"];
    for n in names {
        fs::write(d.join(n), seed(n)).unwrap();
    }
    git_ok(d, &["add", "."]);
    // Named as `./x`: the patch still says `a/x`, as git does.
    let paths: Vec<String> = names.iter().map(|n| format!("./{n}")).collect();
    let mut args = vec!["check"];
    args.extend(paths.iter().map(String::as_str));
    let o = zhclean_in(d, &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let patch = d.join("clean.patch");
    fs::write(&patch, &o.stdout).unwrap();
    git_ok(d, &["apply", "--check", "clean.patch"]);
    git_ok(d, &["apply", "clean.patch"]);
    fs::remove_file(&patch).unwrap();
    for n in names {
        assert_eq!(fs::read(d.join(n)).unwrap(), expected(n), "{n}: the patch gives what fix writes");
    }
    let o = zhclean_in(d, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!((text(&o.stdout), text(&o.stderr)), (String::new(), String::new()), "a clean tree: nothing printed");
}

#[test]
fn pre_commit_hooks_from_a_clone_of_head() {
    if Command::new("pre-commit").arg("--version").output().is_err() {
        assert!(std::env::var_os("ZHCLEAN_REQUIRE_PRECOMMIT").is_none(), "ZHCLEAN_REQUIRE_PRECOMMIT is set but pre-commit is not installed");
        eprintln!("pre-commit not installed: hook test skipped (pip install pre-commit)");
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = git_ok(here, &["rev-parse", "HEAD"]).trim().to_owned();
    let work = tempfile::tempdir().unwrap();
    let clone = work.path().join("zhclean");
    git_ok(work.path(), &["clone", "-q", here.to_str().unwrap(), clone.to_str().unwrap()]);
    let repo = work.path().join("docs");
    fs::create_dir_all(repo.join("vendor")).unwrap();
    git_ok(&repo, &["init", "-q"]);
    fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {head}\n  hooks:\n  - id: zhclean-check\n  - id: zhclean-fix\n    stages: [manual]\n",
            clone.display()
        ),
    )
    .unwrap();
    fs::write(repo.join("zhclean.toml"), "exclude = [\"vendor/\"]\n").unwrap();
    fs::write(repo.join("clean.txt"), expected(SEED2)).unwrap();
    // Hooks are built once per pre-commit home; the build directory is kept between runs.
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    // The hook environment is built on its first run (by the commit); only to build it faster here,
    // without LTO: the hooks do not depend on the profile.
    let in_repo = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", home.join("home"))
            .env("CARGO_TARGET_DIR", home.join("target"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("PRE_COMMIT_COLOR", "never")
            .output()
            .unwrap()
    };
    let pre_commit = |args: &[&str]| in_repo("pre-commit", args);
    let o = pre_commit(&["install"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let commit = |msg: &str| {
        in_repo("git", &["-c", "user.name=zhclean test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", msg])
    };
    git_ok(&repo, &["add", "."]);
    let o = commit("clean documents");
    assert!(o.status.success(), "a clean tree commits: {}{}", text(&o.stdout), text(&o.stderr));

    // A dirty document, an excluded dirty one and a clean one in GBK.
    fs::write(repo.join("doc.txt"), seed(SEED2)).unwrap();
    fs::write(repo.join("vendor/raw.txt"), seed(SEED2)).unwrap();
    let gbk = encoding_rs::GBK.encode(std::str::from_utf8(&expected(SEED2)).unwrap()).0.into_owned();
    fs::write(repo.join("gbk.txt"), &gbk).unwrap();
    git_ok(&repo, &["add", "."]);
    let o = commit("dirty documents");
    let out = text(&o.stdout) + &text(&o.stderr);
    assert!(!o.status.success(), "the hook must fail the commit: {out}");
    assert!(out.contains("zhclean check") && out.contains("Failed"), "{out}");
    assert!(out.contains("@@ -1,7 +1,5 @@ META001 source-field") && out.contains("-主办单位:中共湖南省委组织部"), "{out}");
    assert!(out.contains("# gbk.txt: would re-encode GBK → UTF-8\n") && !out.contains("normalise"), "{out}");
    assert!(!out.contains("vendor/raw.txt"), "an excluded file is not checked: {out}");

    let o = pre_commit(&["run", "--hook-stage", "manual", "zhclean-fix", "--files", "doc.txt", "gbk.txt", "vendor/raw.txt"]);
    let out = text(&o.stdout) + &text(&o.stderr);
    assert!(!o.status.success() && out.contains("files were modified by this hook"), "{out}");
    assert_eq!(fs::read(repo.join("doc.txt")).unwrap(), expected(SEED2));
    assert_eq!(fs::read(repo.join("gbk.txt")).unwrap(), expected(SEED2), "re-encoded to UTF-8");
    assert_eq!(fs::read(repo.join("vendor/raw.txt")).unwrap(), seed(SEED2), "an excluded file is left alone");

    git_ok(&repo, &["add", "."]);
    let o = commit("fixed documents");
    assert!(o.status.success(), "after fix the commit passes: {}{}", text(&o.stdout), text(&o.stderr));
    let committed = git(&repo, &["show", "HEAD:vendor/raw.txt"]).stdout;
    assert_eq!(committed, seed(SEED2));
}
