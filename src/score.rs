//! Score: how well the cleaner does on a labelled set of documents.
//!
//! A labelled set is a folder with `labels.tsv` (rows `file<TAB>line<TAB>drop|either<TAB>note`,
//! `#` comments; every unlisted non-blank line is `keep`) and the documents, either beside it or in
//! `docs/`. Scores: boilerplate-line recall (labelled `drop` lines removed), content lines lost and
//! content-character loss (labelled `keep` lines removed); `either` lines are not scored.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use crate::Cleaner;

/// A line's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    Keep,
    Drop,
    Either,
}

/// Counts for a set of lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub drop_lines: usize,
    pub drop_removed: usize,
    pub keep_lines: usize,
    pub keep_removed: usize,
    pub keep_chars: usize,
    pub keep_chars_removed: usize,
}

impl Counts {
    pub fn recall(&self) -> f64 {
        ratio(self.drop_removed, self.drop_lines)
    }
    pub fn content_lines_lost(&self) -> f64 {
        ratio(self.keep_removed, self.keep_lines)
    }
    pub fn content_char_loss(&self) -> f64 {
        ratio(self.keep_chars_removed, self.keep_chars)
    }
    fn add(&mut self, o: &Counts) {
        self.drop_lines += o.drop_lines;
        self.drop_removed += o.drop_removed;
        self.keep_lines += o.keep_lines;
        self.keep_removed += o.keep_removed;
        self.keep_chars += o.keep_chars;
        self.keep_chars_removed += o.keep_chars_removed;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A labelled line the cleaner got wrong: a keep line removed or a drop line left.
#[derive(Debug, Clone)]
pub struct Miss {
    pub file: String,
    pub line: usize,
    pub label: Label,
    /// Rule that removed it (for keep lines lost).
    pub code: Option<String>,
    pub text: String,
}

/// The score of a labelled set.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub total: Counts,
    pub files: Vec<(String, Counts)>,
    /// Per rule code: lines removed by label (drop, keep, either).
    pub by_rule: BTreeMap<String, [usize; 3]>,
    pub keep_lost: Vec<Miss>,
    pub drop_missed: Vec<Miss>,
}

/// Errors reading a labelled set.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Labels { path: PathBuf, line: usize, message: String },
    #[error("{path}: {message}")]
    Document { path: PathBuf, message: String },
}

/// What a cleaner did to one document: its decoded text, and the removed lines (1-based) with the
/// code of what removed them.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub decoded: String,
    pub removed: HashMap<usize, String>,
}

/// Cleans every labelled document in `dir` with zhclean and scores the result.
pub fn score(cleaner: &Cleaner, dir: &Path) -> Result<Score, ScoreError> {
    score_with(dir, |bytes, name| {
        let cleaned = cleaner.clean_bytes(bytes, name).map_err(|e| e.to_string())?;
        let removed = cleaned.report.removed.iter().map(|r| (r.line, r.code.to_string())).collect();
        Ok(Judged { decoded: cleaned.decoded, removed })
    })
}

/// Code under which the C4-style baseline reports its removals.
pub const C4_CODE: &str = "C4";

/// A C4-style line filter, as corpus builders apply it to Chinese: keep a line only if it has at
/// least five characters, ends in sentence punctuation (`。！？…”：` and their ASCII forms) and
/// holds no `□ ■ �`. It sees what zhclean decodes, and removes every other non-blank line.
pub fn c4_baseline(bytes: &[u8]) -> Result<Judged, String> {
    let decoded = crate::decode::decode(bytes, None).map_err(|e| e.to_string())?.text;
    let removed = crate::canon::split_lines(&decoded)
        .iter()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim();
            let keep = t.chars().count() >= 5
                && t.ends_with(['。', '！', '？', '…', '”', '：', '.', '!', '?', '"', ':'])
                && !t.contains(['□', '■', '\u{FFFD}']);
            !t.is_empty() && !keep
        })
        .map(|(i, _)| (i + 1, C4_CODE.to_owned()))
        .collect();
    Ok(Judged { decoded, removed })
}

/// Scores any cleaner, given as a function from a document's bytes and name to what it removed.
pub fn score_with(dir: &Path, judge: impl Fn(&[u8], &str) -> Result<Judged, String>) -> Result<Score, ScoreError> {
    let labels_path = dir.join("labels.tsv");
    let labels = read_labels(&labels_path)?;
    let docs = if dir.join("docs").is_dir() { dir.join("docs") } else { dir.to_path_buf() };
    let mut names: Vec<String> = fs::read_dir(&docs)
        .map_err(|source| ScoreError::Io { path: docs.clone(), source })?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let mut score = Score::default();
    for name in names {
        let path = docs.join(&name);
        let bytes = fs::read(&path).map_err(|source| ScoreError::Io { path: path.clone(), source })?;
        let judged = judge(&bytes, &name).map_err(|message| ScoreError::Document { path: path.clone(), message })?;
        let mut counts = Counts::default();
        for (i, line) in crate::canon::split_lines(&judged.decoded).iter().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let label = labels.get(&(name.clone(), n)).copied().unwrap_or(Label::Keep);
            let code = judged.removed.get(&n).map(String::as_str);
            if let Some(code) = code {
                let slot = match label {
                    Label::Drop => 0,
                    Label::Keep => 1,
                    Label::Either => 2,
                };
                score.by_rule.entry(code.to_owned()).or_default()[slot] += 1;
            }
            let miss = || Miss { file: name.clone(), line: n, label, code: code.map(str::to_owned), text: line.trim().to_owned() };
            match label {
                Label::Drop => {
                    counts.drop_lines += 1;
                    if code.is_some() {
                        counts.drop_removed += 1;
                    } else {
                        score.drop_missed.push(miss());
                    }
                }
                Label::Keep => {
                    let chars = line.chars().filter(|c| !c.is_whitespace()).count();
                    counts.keep_lines += 1;
                    counts.keep_chars += chars;
                    if code.is_some() {
                        counts.keep_removed += 1;
                        counts.keep_chars_removed += chars;
                        score.keep_lost.push(miss());
                    }
                }
                Label::Either => {}
            }
        }
        score.total.add(&counts);
        score.files.push((name, counts));
    }
    Ok(score)
}

fn read_labels(path: &Path) -> Result<HashMap<(String, usize), Label>, ScoreError> {
    let text = fs::read_to_string(path).map_err(|source| ScoreError::Io { path: path.to_path_buf(), source })?;
    let mut labels = HashMap::new();
    for (i, row) in text.lines().enumerate() {
        if row.starts_with('#') || row.trim().is_empty() {
            continue;
        }
        let bad = |message: &str| ScoreError::Labels { path: path.to_path_buf(), line: i + 1, message: message.to_owned() };
        let mut cols = row.split('\t');
        let (Some(file), Some(line), Some(label)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(bad("expected file<TAB>line<TAB>label"));
        };
        let line: usize = line.parse().map_err(|_| bad("line is not a number"))?;
        let label = match label {
            "drop" => Label::Drop,
            "either" => Label::Either,
            "keep" => Label::Keep,
            _ => return Err(bad("label must be drop, either or keep")),
        };
        labels.insert((file.to_owned(), line), label);
    }
    Ok(labels)
}
