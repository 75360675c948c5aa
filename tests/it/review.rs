//! Review: the coloured terminal diff, the corpus summary and the HTML review page, driven in a
//! headless Chromium when one is installed (CI installs it and sets ZHCLEAN_REQUIRE_BROWSER=1, so
//! there a missing browser fails instead of skipping).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::fixtures;

fn zhclean_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhclean")).args(args).current_dir(dir).env_remove("NO_COLOR").output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn colour_on_request_plain_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    // Traditional and pinyin to convert, indentation in U+3000, a zero-width space inside a line.
    fs::write(
        dir.path().join("doc.txt"),
        "來源:某網\n\u{3000}\u{3000}黨的二十大報告提出建設高素質幹部隊伍的重大任務。\n加強(qiáng)干部\u{200b}隊伍建設，這是我們的重要工作。\n",
    )
    .unwrap();
    let plain = zhclean_in(dir.path(), &["check", "doc.txt"]);
    assert_eq!(plain.status.code(), Some(1));
    let plain_out = text(&plain.stdout);
    assert!(!plain_out.contains('\x1b'), "no colour when stdout is not a terminal: {plain_out:?}");
    assert!(plain_out.contains("@@ -1,3 +1,2 @@ META001 source-field, canonical-form"), "{plain_out}");
    assert!(plain_out.contains("-\u{3000}\u{3000}黨的二十大") && plain_out.contains("+党的二十大"), "a patch keeps the bytes: {plain_out}");

    let coloured = zhclean_in(dir.path(), &["check", "--color", "always", "doc.txt"]);
    let out = text(&coloured.stdout);
    assert!(out.contains("\x1b[31m-來源:某網\x1b[0m"), "removed line red: {out:?}");
    // Invisible characters shown, changed characters emphasised.
    assert!(out.matches("<U+3000>").count() == 2 && out.contains("<U+200B>"), "{out:?}");
    assert!(out.contains("\x1b[7m強(qiáng)\x1b[0m") && out.contains("\x1b[7m强\x1b[0m"), "{out:?}");
    // The summary goes to stderr, so stdout is the patch alone.
    assert!(text(&coloured.stderr).contains("1 file(s) would change"));

    let never = Command::new(env!("CARGO_BIN_EXE_zhclean"))
        .args(["diff", "--color", "never", "doc.txt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(text(&never.stdout), plain_out, "diff prints the same patch as check");
    assert_eq!(never.status.code(), Some(0), "diff does not fail on changes");
}

#[test]
fn clean_summary_on_stderr_and_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    fs::create_dir(&seeds).unwrap();
    for e in fs::read_dir(fixtures().join("seeds")).unwrap().map(Result::unwrap).filter(|e| e.path().extension().is_some_and(|x| x == "txt")) {
        fs::copy(e.path(), seeds.join(e.file_name())).unwrap();
    }
    let report = dir.path().join("r.jsonl");
    let o = zhclean_in(dir.path(), &["clean", "seeds", "-o", "out", "--report", &report.display().to_string(), "--summary"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.starts_with("5 document(s), "), "{err}");
    for needle in ["removed lines by category:", "removed lines by rule (lines, documents):", "most frequent removed lines:", "documents flagged for review: 1", "003_ef535a5139a792e3.txt  (converted)"] {
        assert!(err.contains(needle), "{needle}:\n{err}");
    }
    let rows: Vec<serde_json::Value> = fs::read_to_string(&report).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 6);
    let s = &rows[5]["summary"];
    let removed: u64 = rows[..5].iter().map(|r| r["removed"].as_array().unwrap().len() as u64).sum();
    assert_eq!(s["lines_removed"].as_u64(), Some(removed));
    assert_eq!(s["documents"].as_u64(), Some(5));
    let by_rule: u64 = s["by_rule"].as_array().unwrap().iter().map(|r| r["lines"].as_u64().unwrap()).sum();
    assert_eq!(by_rule, removed);
}

/// A headless browser, if one is installed.
fn browser() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(std::env::var_os("ZHCLEAN_REQUIRE_BROWSER").is_none(), "ZHCLEAN_REQUIRE_BROWSER is set but no chromium is installed");
        eprintln!("chromium not installed: review page browser test skipped (apt-get install chromium)");
    }
    found
}

/// Runs the browser on `url` with `args`; returns its standard output and the console lines it logged.
fn run_browser(browser: &Path, args: &[&str], url: &str) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("timeout")
        .arg("180")
        .arg(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(o.status.success(), "browser failed: {}", String::from_utf8_lossy(&o.stderr));
    let console = String::from_utf8_lossy(&o.stderr).lines().filter(|l| l.contains("CONSOLE")).map(str::to_owned).collect();
    (String::from_utf8_lossy(&o.stdout).into_owned(), console)
}

/// Loads `page#selftest`; the page's self-test must pass and the console hold nothing else.
fn selftest(browser: &Path, page: &Path) -> String {
    let (dom, console) = run_browser(browser, &["--virtual-time-budget=10000", "--dump-dom"], &format!("file://{}#selftest", page.display()));
    let title = dom.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("").to_owned();
    assert!(title.starts_with("selftest: ok"), "page self-test: {title:?}\nconsole: {console:#?}");
    let others: Vec<&String> = console.iter().filter(|l| !l.contains("selftest: ok")).collect();
    assert!(others.is_empty(), "console messages besides the self-test: {others:#?}");
    title
}

#[test]
fn review_page_in_a_headless_browser() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review");
    fs::create_dir_all(&out).unwrap();
    let page = out.join("review.html");
    // The five seed documents (not their expected outputs beside them) and the dev pages, named
    // relative to the crate as a user in a clone would.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs: Vec<String> = fs::read_dir(root.join("fixtures/seeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txt"))
        .map(|n| format!("fixtures/seeds/{n}"))
        .collect();
    inputs.sort();
    if root.join("../shared/data/dev/docs").is_dir() {
        inputs.push("../shared/data/dev/docs".to_owned());
    } else {
        eprintln!("../shared/data/dev absent: review page of the seeds only");
    }
    let mut args = vec!["review", "-o", page.to_str().unwrap()];
    args.extend(inputs.iter().map(String::as_str));
    let o = zhclean_in(root, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("\"code\":\"SPM001\"") && html.contains("潮州市"), "the page holds the documents");

    let Some(browser) = browser() else { return };
    let title = selftest(&browser, &page);
    eprintln!("{title}");
    // The screenshot: seed 003 opened, its removed lines struck through with their codes.
    let shot = out.join("review.png");
    let _ = fs::remove_file(&shot);
    run_browser(
        &browser,
        &["--virtual-time-budget=10000", "--window-size=1400,1600", &format!("--screenshot={}", shot.display())],
        &format!("file://{}#open=003_ef535a5139a792e3", page.display()),
    );
    let png = fs::read(&shot).unwrap();
    assert!(png.len() > 10_000 && png.starts_with(b"\x89PNG"), "screenshot {} is not a PNG", shot.display());
    eprintln!("review page {} and screenshot {}", page.display(), shot.display());
}

#[test]
fn review_page_of_ten_thousand_documents() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    for d in 0..100 {
        let sub = docs.join(format!("{d:02}"));
        fs::create_dir_all(&sub).unwrap();
        for i in 0..100 {
            let n = d * 100 + i;
            let body = format!(
                "来源:新华网 {n}\n第{n}篇文章的正文在这里，党的二十大报告提出建设高素质干部队伍的重大任务。\n这是第二段正文，我们要认真学习贯彻，推动各项工作落到实处。\n{}",
                if n % 3 == 0 { "主办单位:某某网站\nICP备案号:京ICP备12345678号\n" } else { "" }
            );
            fs::write(sub.join(format!("{n}.txt")), body).unwrap();
        }
    }
    let page = dir.path().join("review.html");
    let o = zhclean_in(dir.path(), &["review", "docs", "-o", "review.html"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).starts_with("10000 document(s)"), "{}", text(&o.stderr));
    let started = Instant::now();
    let title = selftest(&browser, &page);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("10,000 documents ({} bytes): browser loaded, filtered and checked the page in {seconds:.1} s: {title}", fs::metadata(&page).unwrap().len());
    assert!(title.contains("10000 document(s) with META001"), "{title}");
    assert!(seconds < 60.0, "the page took {seconds:.1} s");
}
