//! Integration tests, one binary (see Cargo.toml `autotests = false`).

/// Seed documents: labels honoured, snapshots of output and report, idempotence.
mod seeds;
/// The `zhclean` command: every subcommand and exit code.
mod cli;
/// `clean --jsonl` and its streaming contract (one record out per record in, lock step, bad records), parallel cleaning.
mod jsonl;
/// Rule files: built-in examples, rule-file errors.
mod rules;
/// Encoding detection over the shared test set (skipped when absent).
mod encodings;
/// Scores on the labelled dev pages (skipped when absent).
mod quality;
/// Properties over random documents and bytes: canonical, idempotent, every line accounted for.
mod props;
/// Hostile inputs, the file system and the over-deletion guard through the command.
mod reliability;
/// `fix` killed at random moments and on a full disk: every file old or new.
mod faults;
/// Regression inputs of the fuzz targets (tests/fuzzed/).
mod fuzzed;
/// The report against its documented schema (docs/report.md).
mod schema;
/// Review: the terminal diff, the corpus summary and the HTML page in a headless browser.
mod review;
/// The project config file, excludes, `git apply` of `check`'s patch and the pre-commit hooks.
mod precommit;

use std::path::{Path, PathBuf};

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub(crate) fn cleaner() -> zhclean::Cleaner {
    zhclean::Cleaner::new(zhclean::rules::RuleSet::builtin().unwrap(), &zhclean::Options::default()).unwrap()
}
