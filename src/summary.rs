//! Corpus summary: what cleaning removed across many documents, for a reviewer deciding whether a
//! rule set can be trusted.
//!
//! A [`Summary`] is fed one [`Report`] at a time (memory grows with the number of distinct removed
//! lines, which is bounded, and with the flagged documents, which are capped) and gives a
//! [`SummaryRecord`]: documents, bytes in and out, the removed share of characters, removals per
//! rule and per category, the most frequent removed lines, and the documents to review.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::report::Report;
use crate::rules::Category;

/// Most distinct removed lines counted; beyond it, lines seen once are forgotten so memory stays
/// bounded on any corpus while frequent lines keep their counts.
const MAX_DISTINCT_LINES: usize = 200_000;
/// Removed lines longer than this (in characters) are not counted as "frequent lines".
const MAX_COUNTED_CHARS: usize = 200;
/// Most flagged documents listed (all are counted).
const MAX_FLAGGED: usize = 1_000;

/// Aggregates reports into a corpus summary.
#[derive(Debug, Clone)]
pub struct Summary {
    warn_share: f64,
    documents: usize,
    bytes_in: u64,
    bytes_out: u64,
    chars_in: u64,
    chars_removed: u64,
    lines_removed: u64,
    by_rule: BTreeMap<Arc<str>, RuleCount>,
    by_category: BTreeMap<Category, u64>,
    lines: HashMap<String, u64>,
    flagged: Vec<Flagged>,
    flagged_total: usize,
}

/// Removals by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub code: Arc<str>,
    pub name: Arc<str>,
    pub category: Category,
    /// Lines removed.
    pub lines: u64,
    /// Documents with at least one such removal.
    pub documents: u64,
}

/// A removed line and how many times it was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrequentLine {
    pub text: String,
    pub count: u64,
}

/// A document a reviewer should look at, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flagged {
    pub path: String,
    /// Share of the document's characters removed.
    pub removed_share: f64,
    /// `heavy-removal`, `kept-whole`, `mojibake`, `repaired`, `malformed`, `converted`.
    pub reasons: Vec<&'static str>,
}

/// The summary as written: in the report (`{"summary": …}`) and, as text, on standard error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRecord {
    pub documents: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub chars_in: u64,
    pub chars_removed: u64,
    /// `chars_removed / chars_in` (0 for an empty corpus).
    pub removed_share: f64,
    pub lines_removed: u64,
    /// By code, most lines first.
    pub by_rule: Vec<RuleCount>,
    /// Lines removed per category, every category listed.
    pub by_category: BTreeMap<Category, u64>,
    /// Most frequent removed lines, most first.
    pub top_removed: Vec<FrequentLine>,
    /// Documents to review (at most 1,000 listed, largest removed share first).
    pub flagged: Vec<Flagged>,
    /// All documents flagged, listed or not.
    pub flagged_total: usize,
}

impl Summary {
    /// `warn_share`: a document losing more than this share of its characters is flagged.
    pub fn new(warn_share: f64) -> Summary {
        Summary {
            warn_share,
            documents: 0,
            bytes_in: 0,
            bytes_out: 0,
            chars_in: 0,
            chars_removed: 0,
            lines_removed: 0,
            by_rule: BTreeMap::new(),
            by_category: Category::ALL.iter().map(|&c| (c, 0)).collect(),
            lines: HashMap::new(),
            flagged: Vec::new(),
            flagged_total: 0,
        }
    }

    pub fn add(&mut self, report: &Report) {
        self.documents += 1;
        self.bytes_in += report.bytes_in as u64;
        self.bytes_out += report.bytes_out as u64;
        self.chars_in += report.chars_in as u64;
        self.chars_removed += report.chars_removed as u64;
        self.lines_removed += report.removed.len() as u64;
        let mut codes_seen: Vec<&str> = Vec::new();
        for r in &report.removed {
            let entry = self.by_rule.entry(r.code.clone()).or_insert_with(|| RuleCount {
                code: r.code.clone(),
                name: r.name.clone(),
                category: r.category,
                lines: 0,
                documents: 0,
            });
            entry.lines += 1;
            if !codes_seen.contains(&&*r.code) {
                codes_seen.push(&r.code);
                entry.documents += 1;
            }
            *self.by_category.entry(r.category).or_default() += 1;
            if r.text.chars().count() <= MAX_COUNTED_CHARS {
                self.count_line(&r.text);
            }
        }
        let reasons = self.reasons(report);
        if !reasons.is_empty() {
            self.flagged_total += 1;
            self.flagged.push(Flagged { path: report.path.clone(), removed_share: report.removed_share(), reasons });
            if self.flagged.len() >= 2 * MAX_FLAGGED {
                self.keep_most_flagged();
            }
        }
    }

    fn count_line(&mut self, text: &str) {
        if let Some(n) = self.lines.get_mut(text) {
            *n += 1;
            return;
        }
        if self.lines.len() >= MAX_DISTINCT_LINES {
            self.lines.retain(|_, n| *n > 1);
            if self.lines.len() >= MAX_DISTINCT_LINES {
                return;
            }
        }
        self.lines.insert(text.to_owned(), 1);
    }

    fn reasons(&self, report: &Report) -> Vec<&'static str> {
        let mut reasons = Vec::new();
        if report.kept_whole {
            reasons.push("kept-whole");
        } else if report.removed_share() > self.warn_share {
            reasons.push("heavy-removal");
        }
        if report.mojibake > 0 {
            reasons.push("mojibake");
        }
        if !report.repairs.is_empty() {
            reasons.push("repaired");
        }
        if report.encoding.as_ref().is_some_and(|e| e.malformed > 0) {
            reasons.push("malformed");
        }
        if report.converted_chars > 0 {
            reasons.push("converted");
        }
        reasons
    }

    /// Largest removed share first, then by path, so the listed ones do not depend on order.
    fn keep_most_flagged(&mut self) {
        self.flagged.sort_by(|a, b| b.removed_share.total_cmp(&a.removed_share).then_with(|| a.path.cmp(&b.path)));
        self.flagged.truncate(MAX_FLAGGED);
    }

    /// The summary with the `top` most frequent removed lines.
    pub fn record(&self, top: usize) -> SummaryRecord {
        let mut by_rule: Vec<RuleCount> = self.by_rule.values().cloned().collect();
        by_rule.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.code.cmp(&b.code)));
        let mut top_removed: Vec<FrequentLine> =
            self.lines.iter().map(|(text, &count)| FrequentLine { text: text.clone(), count }).collect();
        top_removed.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        top_removed.truncate(top);
        let mut copy = self.clone();
        copy.keep_most_flagged();
        SummaryRecord {
            documents: self.documents,
            bytes_in: self.bytes_in,
            bytes_out: self.bytes_out,
            chars_in: self.chars_in,
            chars_removed: self.chars_removed,
            removed_share: share(self.chars_removed, self.chars_in),
            lines_removed: self.lines_removed,
            by_rule,
            by_category: self.by_category.clone(),
            top_removed,
            flagged: copy.flagged,
            flagged_total: self.flagged_total,
        }
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

impl Report {
    /// Share of the document's characters removed.
    pub fn removed_share(&self) -> f64 {
        share(self.chars_removed as u64, self.chars_in as u64)
    }
}

/// Most flagged documents shown in the text form.
const SHOWN_FLAGGED: usize = 20;

impl fmt::Display for SummaryRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} document(s), {} bytes in, {} bytes out; {} of {} characters removed ({:.1}%) in {} line(s)",
            self.documents,
            self.bytes_in,
            self.bytes_out,
            self.chars_removed,
            self.chars_in,
            self.removed_share * 100.0,
            self.lines_removed
        )?;
        writeln!(f, "removed lines by category:")?;
        for (c, n) in &self.by_category {
            writeln!(f, "  {:<10} {n:>8}", c.name())?;
        }
        writeln!(f, "removed lines by rule (lines, documents):")?;
        for r in &self.by_rule {
            writeln!(f, "  {:<8} {:<22} {:<10} {:>8} {:>6}", r.code, r.name, r.category.name(), r.lines, r.documents)?;
        }
        writeln!(f, "most frequent removed lines:")?;
        for l in &self.top_removed {
            writeln!(f, "  {:>6}  {}", l.count, l.text)?;
        }
        write!(f, "documents flagged for review: {}", self.flagged_total)?;
        for d in self.flagged.iter().take(SHOWN_FLAGGED) {
            write!(f, "\n  {:>5.1}%  {}  ({})", d.removed_share * 100.0, d.path, d.reasons.join(", "))?;
        }
        if self.flagged_total > SHOWN_FLAGGED.min(self.flagged.len()) {
            write!(f, "\n  … {} more", self.flagged_total - SHOWN_FLAGGED.min(self.flagged.len()))?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Removal;

    fn report(path: &str, chars_in: usize, removed: &[(&str, &str, Category, &str)]) -> Report {
        let removed: Vec<Removal> = removed
            .iter()
            .enumerate()
            .map(|(i, (code, name, category, text))| Removal {
                line: i + 1,
                code: (*code).into(),
                name: (*name).into(),
                category: *category,
                text: text.to_string(),
            })
            .collect();
        let chars_removed = removed.iter().map(|r| r.text.chars().count()).sum();
        Report {
            path: path.into(),
            encoding: None,
            bytes_in: chars_in * 3,
            bytes_out: (chars_in - chars_removed) * 3,
            lines_in: 10,
            lines_out: 10 - removed.len(),
            chars_in,
            chars_removed,
            conversion: "t2s",
            converted_chars: 0,
            pinyin_removed: 0,
            repairs: Vec::new(),
            mojibake: 0,
            removed,
            warnings: Vec::new(),
            kept_whole: false,
        }
    }

    #[test]
    fn counts_rules_categories_lines_and_flags() {
        let mut s = Summary::new(0.5);
        s.add(&report("a", 100, &[("META001", "source-field", Category::Metadata, "来源:新华网"), ("NOI001", "stray-number", Category::Noise, "1")]));
        s.add(&report("b", 20, &[("META001", "source-field", Category::Metadata, "来源:新华网"), ("META001", "source-field", Category::Metadata, "来源:人民网")]));
        let r = s.record(1);
        assert_eq!(r.documents, 2);
        assert_eq!(r.chars_in, 120);
        assert_eq!(r.chars_removed, 6 + 1 + 12);
        assert_eq!(r.lines_removed, 4);
        assert_eq!(r.by_rule[0], RuleCount { code: "META001".into(), name: "source-field".into(), category: Category::Metadata, lines: 3, documents: 2 });
        assert_eq!(r.by_category[&Category::Metadata], 3);
        assert_eq!(r.by_category[&Category::Footer], 0);
        assert_eq!(r.top_removed, vec![FrequentLine { text: "来源:新华网".into(), count: 2 }]);
        assert_eq!(r.flagged_total, 1);
        assert_eq!(r.flagged[0].path, "b");
        assert_eq!(r.flagged[0].reasons, vec!["heavy-removal"]);
        let text = r.to_string();
        assert!(text.contains("2 document(s)") && text.contains("META001") && text.contains("flagged for review: 1"), "{text}");
    }

    #[test]
    fn distinct_lines_stay_bounded() {
        let mut s = Summary::new(0.5);
        for i in 0..MAX_DISTINCT_LINES + 10 {
            s.count_line(&i.to_string());
        }
        s.count_line("0");
        assert!(s.lines.len() <= MAX_DISTINCT_LINES);
    }
}
