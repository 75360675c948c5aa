//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Strip boilerplate from scraped Chinese web documents and report exactly what was removed.
///
/// Exit codes: 0 success or nothing to change, 1 `check` found files to change, 2 usage, I/O,
/// decode or rule-file errors (the other files are still processed).
#[derive(Debug, Parser)]
#[command(name = "zhclean", version, rename_all = "kebab-case", propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
#[command(rename_all = "kebab-case")]
pub(crate) enum Command {
    /// Clean files, directories (recursively) or `-` (stdin); write to OUTDIR or stdout.
    Clean(CleanArgs),
    /// Change nothing; print a unified diff for each file that would change; exit 1 if any would.
    Check(DiffArgs),
    /// Rewrite files in place with the cleaned text (UTF-8; atomic: temp file + rename).
    Fix(FilesArgs),
    /// Print the unified diff cleaning would make, hunks naming their rules; change nothing.
    Diff(DiffArgs),
    /// Write one self-contained HTML page for reviewing what cleaning removes from INPUT.
    Review(ReviewArgs),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Score the cleaner on a labelled set (a folder with labels.tsv and the documents).
    Score(ScoreArgs),
}

/// Options shared by every command that cleans.
#[derive(Debug, Args)]
#[command(rename_all = "kebab-case")]
pub(crate) struct Settings {
    /// Add the rule files (*.toml) in DIR; a rule with a built-in code replaces it.
    #[arg(long = "rules", value_name = "DIR", help_heading = "Rules")]
    pub(crate) rules: Vec<PathBuf>,
    /// Use only these rules: codes (META001), code prefixes (META) or categories (metadata).
    #[arg(long, value_name = "RULE", value_delimiter = ',', help_heading = "Rules")]
    pub(crate) select: Vec<String>,
    /// Do not use these rules: codes, code prefixes or categories.
    #[arg(long, value_name = "RULE", value_delimiter = ',', help_heading = "Rules")]
    pub(crate) ignore: Vec<String>,
    /// OpenCC conversion for the output: none, t2s, s2t, tw2s, tw2sp, hk2s, s2tw, s2twp, s2hk, ...
    /// [default: t2s, or the config file's]
    #[arg(long, value_name = "CONVERSION", help_heading = "Canonical form")]
    pub(crate) convert: Option<String>,
    /// Decode every input with this encoding (gbk, big5, utf-16le, ...) instead of detecting it.
    #[arg(long, value_name = "LABEL", help_heading = "Canonical form")]
    pub(crate) encoding: Option<String>,
    /// Refuse files with malformed byte sequences instead of replacing them with U+FFFD.
    #[arg(long, help_heading = "Canonical form")]
    pub(crate) strict: bool,
    /// Clean on N threads (0: one per core); the output is the same for any N.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 0)]
    pub(crate) jobs: usize,
    /// Flag in the report (and on stderr) a document losing more than SHARE of its characters.
    #[arg(long, value_name = "SHARE", default_value = "0.5", value_parser = share, help_heading = "Over-deletion guard")]
    pub(crate) warn_removal: f64,
    /// Keep a document whole (remove nothing; `fix` leaves it as it is) when cleaning would remove
    /// more than SHARE (0 to 1) of its characters.
    #[arg(long, value_name = "SHARE", value_parser = share, help_heading = "Over-deletion guard")]
    pub(crate) max_removal: Option<f64>,
    /// Read this config file instead of the zhclean.toml found from the working directory upward.
    #[arg(long, value_name = "FILE", help_heading = "Config", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, help_heading = "Config")]
    pub(crate) no_config: bool,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// A share of characters: a number from 0 to 1.
fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share from 0 to 1 (e.g. 0.5)")),
    }
}

/// How input directories are walked.
#[derive(Debug, Args)]
#[command(rename_all = "kebab-case")]
pub(crate) struct Walk {
    /// Follow symbolic links met while walking a directory (by default they are skipped).
    #[arg(long, help_heading = "Input")]
    pub(crate) follow_symlinks: bool,
    /// Refuse files larger than this many bytes (suffixes k, M, G: powers of 1024).
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = bytes, help_heading = "Input")]
    pub(crate) max_size: u64,
}

fn bytes(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("`{s}` is not a size in bytes (e.g. 1000000, 64M, 1G)"))
}

#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// Files, directories (walked recursively) or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Write each cleaned file under OUTDIR at its path relative to its input directory.
    #[arg(short = 'o', long = "output", value_name = "OUTDIR", help_heading = "Output")]
    pub(crate) output: Option<PathBuf>,
    /// Also write NAME.diff beside each output: a unified diff naming the rules (needs -o).
    #[arg(long, requires = "output", help_heading = "Output")]
    pub(crate) diff: bool,
    /// Write the removal report, one JSON object per document (JSON Lines), to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub(crate) report: Option<PathBuf>,
    /// Print a corpus summary on stderr (and add it to the report as its last record): bytes,
    /// removed share, removals by rule and category, the most removed lines, documents to review.
    #[arg(long, help_heading = "Output", conflicts_with = "jsonl")]
    pub(crate) summary: bool,
    /// Read and write JSON Lines (plain, gzip or zstd; files, directories of shards or `-`):
    /// clean each record's text field, keep the other fields, add the report under one key.
    #[arg(long, help_heading = "JSON Lines")]
    pub(crate) jsonl: bool,
    /// The field holding the text (with --jsonl).
    #[arg(long, value_name = "NAME", default_value = "text", requires = "jsonl", help_heading = "JSON Lines")]
    pub(crate) text_field: String,
    /// The field the report is added under (with --jsonl).
    #[arg(long, value_name = "NAME", default_value = "zhclean", requires = "jsonl", help_heading = "JSON Lines")]
    pub(crate) report_field: String,
    /// Name each document in its report by this field of its record (instead of input and line
    /// number), so the output is the same however the records are split across processes.
    #[arg(long, value_name = "NAME", requires = "jsonl", help_heading = "JSON Lines")]
    pub(crate) id_field: Option<String>,
    /// A record that is not a JSON object or lacks a field: `fail` stops the input there (exit 2),
    /// `mark` writes it with `{"error": ...}` under the report field and goes on.
    #[arg(long, value_name = "WHAT", value_enum, default_value_t = OnError::Fail, requires = "jsonl", help_heading = "JSON Lines")]
    pub(crate) on_error: OnError,
    #[command(flatten)]
    pub(crate) walk: Walk,
    #[command(flatten)]
    pub(crate) settings: Settings,
}

/// What `clean --jsonl` does with a bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnError {
    /// Stop the input at the bad record: what came before it is written, exit 2.
    Fail,
    /// Write the record marked as an error and go on (exit 0).
    Mark,
}

#[derive(Debug, Args)]
pub(crate) struct FilesArgs {
    /// Files or directories (walked recursively).
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) walk: Walk,
    #[command(flatten)]
    pub(crate) settings: Settings,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    pub(crate) files: FilesArgs,
    /// Colour the diff and show invisible characters: auto (on a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto", help_heading = "Output")]
    pub(crate) color: Color,
    /// List the removed lines (`path:line: CODE name [category] text`) instead of the diff.
    #[arg(long, help_heading = "Output")]
    pub(crate) list: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// Files or directories (walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE", default_value = "review.html")]
    pub(crate) output: PathBuf,
    /// Most frequent removed lines listed in the summary.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub(crate) top: usize,
    #[command(flatten)]
    pub(crate) walk: Walk,
    #[command(flatten)]
    pub(crate) settings: Settings,
}

#[derive(Debug, Subcommand)]
#[command(rename_all = "kebab-case")]
pub(crate) enum RulesCommand {
    /// List the rules: code, name, category, region and summary.
    List {
        #[command(flatten)]
        settings: Settings,
    },
    /// Explain one rule (by code or name) with its examples.
    Show {
        /// A rule code such as META001, or a rule name.
        code: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Run every rule's examples (the built-in rules, or the rule files in DIR).
    Test {
        /// A folder of rule files to test instead of the built-in rules.
        dir: Option<PathBuf>,
    },
    /// Print rule skeletons (TOML) for short lines that recur across documents and no rule removes.
    Suggest {
        /// Files or directories: a sample of the corpus.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// Only lines kept in at least this many documents (default: 3, or 2% of the sample if more).
        #[arg(long, value_name = "N")]
        min_docs: Option<usize>,
        /// Code prefix of the suggested rules (2-5 capital letters).
        #[arg(long, default_value = "SITE")]
        prefix: String,
        #[command(flatten)]
        settings: Settings,
        #[command(flatten)]
        walk: Walk,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// Folder with labels.tsv and the documents (beside it or in docs/).
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Also list every content line lost and every boilerplate line missed.
    #[arg(long)]
    pub(crate) verbose: bool,
    /// Also score a C4-style line filter (keep lines ending in sentence punctuation) on the same set.
    #[arg(long)]
    pub(crate) baseline: bool,
    #[command(flatten)]
    pub(crate) settings: Settings,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn shares_and_sizes() {
        assert_eq!(share("0.25"), Ok(0.25));
        assert!(share("1.5").is_err() && share("-0.1").is_err() && share("NaN").is_err() && share("x").is_err());
        assert_eq!(bytes("64M"), Ok(64 << 20));
        assert_eq!(bytes("1000"), Ok(1000));
        assert_eq!(bytes("2k"), Ok(2048));
        assert!(bytes("").is_err() && bytes("M").is_err() && bytes("99999999999G").is_err());
    }
}
