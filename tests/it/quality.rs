use std::path::Path;

/// The labelled dev pages live outside the repository; skipped with a message when absent.
#[test]
fn dev_pages_lose_little_content() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev");
    if !dir.join("labels.tsv").is_file() {
        eprintln!("dev_pages_lose_little_content: {} absent, skipped", dir.display());
        return;
    }
    let score = zhclean::score::score(&crate::cleaner(), &dir).unwrap();
    let t = score.total;
    eprintln!(
        "dev pages: recall {:.3}, content lines lost {:.3}, content-character loss {:.3}",
        t.recall(),
        t.content_lines_lost(),
        t.content_char_loss()
    );
    assert!(t.drop_lines > 1000 && t.keep_lines > 300, "{t:?}");
    // The targets: boilerplate-line recall at least 0.95, content-character loss at most 0.05.
    assert!(t.recall() >= 0.95, "boilerplate-line recall {:.3} < 0.95", t.recall());
    assert!(t.content_char_loss() <= 0.05, "content-character loss {:.3} > 0.05", t.content_char_loss());
}

/// Cleaning real navigation-heavy pages twice changes nothing the second time.
#[test]
fn dev_pages_clean_idempotently() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev/docs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("dev_pages_clean_idempotently: {} absent, skipped", dir.display());
        return;
    };
    let cleaner = crate::cleaner();
    for entry in entries {
        let path = entry.unwrap().path();
        let once = cleaner.clean_bytes(&std::fs::read(&path).unwrap(), "once").unwrap();
        let twice = cleaner.clean_bytes(once.text.as_bytes(), "twice").unwrap();
        assert_eq!(twice.report.removed, vec![], "{}", path.display());
        assert_eq!(twice.text, once.text, "{}", path.display());
    }
}
