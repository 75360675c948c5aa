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
    assert!(t.content_char_loss() <= 0.03, "content-character loss {:.3} > 0.03", t.content_char_loss());
}
