//! zhclean strips boilerplate from scraped Chinese web documents and reports exactly what it
//! removed and why.
//!
//! Pipeline, one module per stage: bytes ──[`decode`]──▶ text ──[`repair`]──▶ text
//! ──[`canon`]──▶ canonical lines
//! ──[`classify`] with [`rules`]──▶ decisions ──[`emit`]──▶ clean text + [`report`] (+ [`diff`]).
//!
//! The library never prints, exits or panics on any input; the `zhclean` binary is a thin layer
//! that walks paths and prints.
//!
//! ```
//! use zhclean::{Cleaner, Options, rules::RuleSet};
//! let cleaner = Cleaner::new(RuleSet::builtin().unwrap(), &Options::default()).unwrap();
//! let doc = "來源:共產黨員網\n黨的二十大對全面從嚴治黨作出全面部署，各地認真學習貫徹。\n";
//! let cleaned = cleaner.clean_bytes(doc.as_bytes(), "doc.txt").unwrap();
//! assert_eq!(cleaned.text, "党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。\n");
//! assert_eq!(&*cleaned.report.removed[0].code, "META001");
//! ```
#![cfg_attr(not(test), warn(clippy::print_stdout, clippy::print_stderr))]

pub mod canon;
pub mod classify;
pub mod config;
pub mod convert;
pub mod decode;
pub mod diff;
pub mod emit;
pub mod repair;
pub mod report;
pub mod review;
pub mod rules;
pub mod score;
pub mod suggest;
pub mod summary;

use std::borrow::Cow;
use std::cell::OnceCell;

use canon::Canonical;
use convert::{Conversion, ConvertError, Converter};
use decode::{DecodeError, Label};
use diff::Op;
use emit::Fate;
use report::{Removal, Report};
use rules::detect::PlaceCount;
use rules::{Detector, Matcher, RuleError, RuleSet, UnknownSelector};

/// Most rounds of repair after the canonical form (see `Cleaner::clean_text`).
const MAX_REPAIR_ROUNDS: usize = 4;

/// Default share of a document's characters whose removal earns a warning in the report.
pub const HEAVY_REMOVAL_SHARE: f64 = 0.5;

/// How documents are cleaned, apart from the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// OpenCC conversion applied to the canonical form (default `t2s`).
    pub conversion: Conversion,
    /// Decode every input with this encoding instead of detecting it.
    pub encoding: Option<Label>,
    /// Refuse input with malformed byte sequences instead of replacing them.
    pub strict: bool,
    /// A document losing more than this share of its characters is flagged in the report
    /// (default [`HEAVY_REMOVAL_SHARE`]).
    pub warn_removal: f64,
    /// A document that would lose more than this share of its characters is kept whole instead:
    /// no line removed, only the canonical form applied, and the report says so.
    pub max_removal: Option<f64>,
}

impl Default for Options {
    fn default() -> Options {
        Options { conversion: Conversion::T2s, encoding: None, strict: false, warn_removal: HEAVY_REMOVAL_SHARE, max_removal: None }
    }
}

/// Rules and converters, ready to clean any number of documents (shareable across threads).
pub struct Cleaner {
    rules: RuleSet,
    converter: Converter,
    /// Converter for the matching view when the output is not already Simplified.
    view_t2s: Option<Converter>,
    /// Whether a rule lists places: then the views' walk counts them on its way.
    counts_places: bool,
    encoding: Option<Label>,
    strict: bool,
    warn_removal: f64,
    max_removal: Option<f64>,
}

/// Why a cleaner could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    Selector(#[from] UnknownSelector),
    #[error(transparent)]
    Convert(#[from] ConvertError),
}

/// A cleaned document: the text, its report, and what is needed to show a diff.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub text: String,
    pub report: Report,
    /// The decoded input.
    pub decoded: String,
    pub canonical: Canonical,
    /// What became of each input line.
    pub fates: Vec<Fate>,
}

impl Cleaner {
    pub fn new(rules: RuleSet, options: &Options) -> Result<Cleaner, ConvertError> {
        let view_t2s = match options.conversion {
            Conversion::T2s => None,
            _ => Some(Converter::new(Conversion::T2s)?),
        };
        let counts_places = rules.rules().iter().any(|r| matches!(r.matcher, Matcher::Detector(Detector::PlaceList(_))));
        Ok(Cleaner {
            counts_places,
            rules,
            converter: Converter::new(options.conversion)?,
            view_t2s,
            encoding: options.encoding,
            strict: options.strict,
            warn_removal: options.warn_removal,
            max_removal: options.max_removal,
        })
    }

    /// The built-in rules plus the rule files in `dirs`, narrowed by `select` and `ignore` (codes,
    /// code prefixes or categories): the rule set the command line and the Python module build.
    pub fn with_rules(dirs: &[std::path::PathBuf], select: &[String], ignore: &[String], options: &Options) -> Result<Cleaner, SetupError> {
        let mut set = RuleSet::builtin()?;
        for dir in dirs {
            set.add_dir(dir)?;
        }
        Ok(Cleaner::new(set.select(select, ignore)?, options)?)
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Decodes and cleans one document; `path` is recorded in the report.
    pub fn clean_bytes(&self, bytes: &[u8], path: &str) -> Result<Cleaned, DecodeError> {
        let decoded = decode::decode(bytes, self.encoding)?;
        let d = &decoded.decoding;
        if self.strict && d.malformed > 0 {
            return Err(DecodeError::Malformed { encoding: d.encoding, count: d.malformed });
        }
        let mut cleaned = self.clean_text(decoded.text, path);
        cleaned.report.bytes_in = bytes.len();
        if decoded.decoding.malformed > 0 {
            cleaned.report.warnings.insert(
                0,
                format!("{} malformed byte sequence(s) in {} replaced by U+FFFD", decoded.decoding.malformed, decoded.decoding.encoding),
            );
        }
        cleaned.report.encoding = Some(decoded.decoding);
        Ok(cleaned)
    }

    /// Cleans text that is already decoded.
    pub fn clean_text(&self, text: String, path: &str) -> Cleaned {
        let mut repaired = repair::repair(&text);
        let mut canonical = canon::canonicalise(&repaired.text, &self.converter);
        // Conversion can turn what was left unrepaired into a run that repairs; repair and
        // canonicalise again until nothing changes, so cleaning the output changes nothing.
        let mut source = repaired.text.clone();
        let mut repaired_lines: Vec<usize> = repaired.repairs.iter().map(|r| r.line).collect();
        for _ in 0..MAX_REPAIR_ROUNDS {
            if !may_repair_again(&source, &canonical.lines, &repaired_lines) {
                break;
            }
            let again = repair::repair(canonical.lines.joined());
            if again.repairs.is_empty() {
                break;
            }
            // A repair changed the text, so it is owned: no copy.
            let (text, repairs) = (again.text.into_owned(), again.repairs);
            let next = canon::canonicalise(&text, &self.converter);
            canonical = Canonical {
                lines: next.lines,
                converted_chars: canonical.converted_chars + next.converted_chars,
                pinyin_removed: canonical.pinyin_removed + next.pinyin_removed,
            };
            repaired_lines = repairs.iter().map(|r| r.line).collect();
            source = Cow::Owned(text);
            repaired.repairs.extend(repairs);
        }
        let lines: Vec<&str> = canonical.lines.iter().collect();
        // One string per view (or the line itself): views are short-lived, and one buffer of the
        // document's size, freed mid-document, made the allocator give its pages back to the
        // system and fault them in again for every large document.
        // The place-list detector asks every line for its list items, which the view's walk finds.
        let t2s = self.view_t2s.as_ref();
        let mut places = Vec::with_capacity(lines.len());
        let views: Vec<Cow<str>> = lines
            .iter()
            .map(|l| {
                let mut count = PlaceCount::default();
                let (view, walked) = if self.counts_places {
                    canon::view_items(l, t2s, |item| count.add(item))
                } else {
                    (canon::view(l, t2s), false)
                };
                places.push(if walked { OnceCell::from(count) } else { OnceCell::new() });
                view
            })
            .collect();
        let mut decisions = classify::classify_counted(&lines, &views, places, &self.rules);
        drop(views);
        let mut warnings = Vec::new();
        // Counted over the whole text at once (less the line breaks between lines), and over the
        // few dropped lines: counting line by line costs more on short lines.
        let total_chars = canonical.lines.joined().chars().count() - lines.len().saturating_sub(1);
        let removed_chars: usize =
            decisions.iter().zip(&lines).filter(|(d, _)| matches!(d, classify::Decision::Drop(_))).map(|(_, l)| l.chars().count()).sum();
        let share = if total_chars == 0 { 0.0 } else { removed_chars as f64 / total_chars as f64 };
        let percent = (share * 100.0).round();
        let mut kept_whole = false;
        if let Some(max) = self.max_removal.filter(|&max| share > max) {
            warnings.push(format!(
                "{removed_chars} of {total_chars} characters ({percent}%) would be removed, more than the maximum share {max}: document kept whole"
            ));
            decisions = classify::undecided(&lines);
            kept_whole = true;
        } else if share > self.warn_removal {
            warnings.push(format!(
                "{removed_chars} of {total_chars} characters ({percent}%) removed, more than the share {}: review this document",
                self.warn_removal
            ));
        }
        let (out, fates) = emit::emit(&lines, &decisions);
        let rules = self.rules.rules();
        let removed: Vec<Removal> = fates
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match f {
                Fate::Dropped(r) => Some(Removal {
                    line: i + 1,
                    code: rules[*r].code.clone(),
                    name: rules[*r].name.clone(),
                    category: rules[*r].category,
                    text: lines[i].to_owned(),
                }),
                _ => None,
            })
            .collect();
        if !repaired.repairs.is_empty() {
            warnings.push(format!("mojibake: {} run(s) of UTF-8 misread as a legacy encoding repaired", repaired.repairs.len()));
        }
        if repaired.irreparable > 0 {
            warnings.push(format!("mojibake: {} run(s) of 锟斤拷/烫烫烫/屯屯屯 cannot be repaired", repaired.irreparable));
        }
        let report = Report {
            path: path.to_owned(),
            encoding: None,
            bytes_in: text.len(),
            bytes_out: out.len(),
            lines_in: canonical.input_lines(&text),
            // The output ends with a newline unless empty: its lines are its newlines.
            lines_out: memchr::memchr_iter(b'\n', out.as_bytes()).count(),
            chars_in: total_chars,
            chars_removed: if kept_whole { 0 } else { removed_chars },
            conversion: self.converter.conversion().name(),
            converted_chars: canonical.converted_chars,
            pinyin_removed: canonical.pinyin_removed,
            repairs: repaired.repairs,
            mojibake: repaired.irreparable,
            removed,
            warnings,
            kept_whole,
        };
        Cleaned { text: out, report, decoded: text, canonical, fates }
    }
}

impl Cleaned {
    /// Whether cleaning changes the file's bytes (`bytes` as read).
    pub fn changes(&self, bytes: &[u8]) -> bool {
        self.text.as_bytes() != bytes
    }

    /// The canonical input as it would be written with nothing removed (blank runs collapsed),
    /// each line with its index among the input lines and what became of it.
    pub fn canonical_lines(&self) -> impl Iterator<Item = (usize, &str, Fate)> + '_ {
        let lines: Vec<&str> = self.canonical.lines.iter().collect();
        let canon_fates = emit::emit(&lines, &classify::undecided(&lines)).1;
        lines.into_iter().enumerate().filter(move |(i, _)| canon_fates[*i].is_written()).map(|(i, line)| (i, line, self.fates[i]))
    }

    /// Unified diff of the canonical input (conversion applied, nothing removed) against the
    /// output: only removals show.
    pub fn diff_canonical(&self, path: &str) -> String {
        let labels = self.labels();
        let ops: Vec<Op<'_>> = self
            .canonical_lines()
            .map(|(i, line, fate)| match fate {
                Fate::Kept | Fate::BlankKept => Op::Equal(line),
                Fate::Dropped(_) => Op::Delete(line, labels[i].as_deref()),
                Fate::BlankDropped => Op::Delete(line, Some(BLANK_LABEL)),
            })
            .collect();
        let path = diff_path(path);
        diff::unified(&format!("a/{path}"), &format!("b/{path}"), &ops, true)
    }

    /// Unified diff of the decoded input as it is against the output: removals, and kept lines
    /// rewritten into canonical form.
    pub fn diff_original(&self, path: &str) -> String {
        let labels = self.labels();
        let raw = canon::split_lines(&self.decoded);
        let mut ops = Vec::with_capacity(raw.len());
        for (i, old) in raw.iter().enumerate() {
            let new = self.canonical.lines.get(i).unwrap_or("");
            match self.fates.get(i).copied().unwrap_or(Fate::BlankDropped) {
                Fate::Kept | Fate::BlankKept if *old == new => ops.push(Op::Equal(old)),
                Fate::Kept | Fate::BlankKept => {
                    ops.push(Op::Delete(old, None));
                    ops.push(Op::Insert(new));
                }
                Fate::Dropped(_) => ops.push(Op::Delete(old, labels[i].as_deref())),
                Fate::BlankDropped => ops.push(Op::Delete(old, Some(BLANK_LABEL))),
            }
        }
        // `split_lines` yields a last empty line when the text ends with a newline.
        let ends_with_newline = self.decoded.is_empty() || raw.last() == Some(&"");
        if ends_with_newline {
            ops.pop();
        } else if let Some(&Op::Equal(last)) = ops.last() {
            // The output ends with a newline the input lacks: the last line changes, so the patch
            // gives exactly what `fix` writes.
            ops.pop();
            ops.push(Op::Delete(last, None));
            ops.push(Op::Insert(last));
        }
        let path = diff_path(path);
        diff::unified(&format!("a/{path}"), &format!("b/{path}"), &ops, ends_with_newline)
    }

    /// `CODE name` per dropped line, by line index.
    fn labels(&self) -> Vec<Option<String>> {
        let by_line: std::collections::HashMap<usize, &Removal> = self.report.removed.iter().map(|r| (r.line - 1, r)).collect();
        (0..self.fates.len()).map(|i| by_line.get(&i).map(|r| format!("{} {}", r.code, r.name))).collect()
    }
}

/// `path` as it goes after `a/` and `b/` in a diff: without leading `./` or `/`, as git writes it.
fn diff_path(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p.trim_start_matches('/')
}

/// Whether repairing the canonical `lines` of `source` could find anything. Lines are repaired
/// independently (a run never spans a line break), so only the lines that canonicalisation
/// changed, or that were just repaired (a repair can reveal another), need to be looked at.
fn may_repair_again(source: &str, lines: &canon::Lines, repaired_lines: &[usize]) -> bool {
    let mut before = canon::raw_lines(source);
    let mut now = lines.iter().enumerate();
    loop {
        match (now.next(), before.next()) {
            (Some((i, now)), Some(was)) => {
                if (now != was || repaired_lines.contains(&(i + 1))) && repair::repairs_any(now) {
                    return true;
                }
            }
            (None, None) => return false,
            _ => return true, // not as many lines
        }
    }
}

/// Label of blank lines removed by collapsing.
const BLANK_LABEL: &str = "blank-lines";
