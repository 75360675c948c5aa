//! The review page: one self-contained HTML file (no network, no external assets) in which a
//! reviewer reads what cleaning removes from a corpus.
//!
//! The page (`review.html`, included at build time) holds the corpus summary, every rule and every
//! document as JSON in a `<script type="application/json">` element, and renders from it in the
//! browser: a bar chart of removals by rule, a document list sortable by removed share and
//! filterable by rule or category (paginated, so 10,000 documents stay usable), and one document at
//! a time with its removed lines struck through in place, coloured by category, the rule's code and
//! summary on hover. Opened with `#selftest` in its address, the page applies a filter, checks what
//! it shows against the data and puts the outcome in its title (`selftest: ok …` or
//! `selftest: FAIL …`), which is how the tests drive it in a headless browser.

use serde::Serialize;
use serde_json::Value;

use crate::emit::Fate;
use crate::rules::{Category, RuleSet};
use crate::summary::SummaryRecord;
use crate::Cleaned;

const TEMPLATE: &str = include_str!("review.html");
/// Where the data goes in the template.
const DATA_MARK: &str = "/*DATA*/";

#[derive(Debug, Serialize)]
struct RuleInfo {
    code: String,
    name: String,
    category: Category,
    summary: String,
}

/// One document on the page. `lines` are the canonical lines in order: a string for a kept line,
/// `[text, rule index]` for a removed one.
#[derive(Debug, Serialize)]
struct Doc {
    path: String,
    encoding: Option<&'static str>,
    /// Removed share of characters.
    share: f64,
    removed: usize,
    /// Indices of the rules that removed lines, each once.
    rules: Vec<usize>,
    warnings: Vec<String>,
    lines: Vec<Value>,
}

/// The review page being built, one document at a time.
#[derive(Debug)]
pub struct Page {
    rules: Vec<RuleInfo>,
    docs: Vec<Doc>,
}

impl Page {
    /// A page for documents cleaned with `rules`.
    pub fn new(rules: &RuleSet) -> Page {
        let rules = rules
            .rules()
            .iter()
            .map(|r| RuleInfo { code: r.code.to_string(), name: r.name.to_string(), category: r.category, summary: r.summary.clone() })
            .collect();
        Page { rules, docs: Vec::new() }
    }

    pub fn add(&mut self, cleaned: &Cleaned) {
        let mut rules = Vec::new();
        let lines = cleaned
            .canonical_lines()
            .filter(|(_, _, fate)| *fate != Fate::BlankDropped)
            .map(|(_, text, fate)| match fate {
                Fate::Dropped(r) => {
                    if !rules.contains(&r) {
                        rules.push(r);
                    }
                    serde_json::json!([text, r])
                }
                _ => Value::String(text.to_owned()),
            })
            .collect();
        let report = &cleaned.report;
        self.docs.push(Doc {
            path: report.path.clone(),
            encoding: report.encoding.as_ref().map(|e| e.encoding),
            share: report.removed_share(),
            removed: report.removed.len(),
            rules,
            warnings: report.warnings.clone(),
            lines,
        });
    }

    /// The HTML page with `summary` and the documents added.
    pub fn render(&self, summary: &SummaryRecord) -> String {
        let data = serde_json::json!({ "summary": summary, "rules": self.rules, "docs": self.docs });
        // `<` escaped so no text can close the script element; JSON.parse reads it back.
        let json = data.to_string().replace('<', "\\u003c");
        TEMPLATE.replacen(DATA_MARK, &json, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Summary;

    #[test]
    fn page_embeds_documents_and_cannot_be_broken_out_of() {
        let cleaner = crate::Cleaner::new(RuleSet::builtin().unwrap(), &crate::Options::default()).unwrap();
        let doc = "来源:新华网</script><script>alert(1)</script>\n党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。\n";
        let cleaned = cleaner.clean_bytes(doc.as_bytes(), "a.txt").unwrap();
        let mut page = Page::new(cleaner.rules());
        page.add(&cleaned);
        let mut summary = Summary::new(0.5);
        summary.add(&cleaned.report);
        let html = page.render(&summary.record(10));
        assert_eq!(html.matches("</script>").count(), TEMPLATE.matches("</script>").count());
        assert!(!html.contains(DATA_MARK));
        let start = html.find("<script id=\"data\" type=\"application/json\">").unwrap();
        let json = &html[start..];
        let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
        let v: Value = serde_json::from_str(json).unwrap();
        let d = &v["docs"][0];
        assert_eq!(d["path"], "a.txt");
        assert_eq!(d["lines"][0][0], "来源:新华网</script><script>alert(1)</script>");
        let rule = d["lines"][0][1].as_u64().unwrap() as usize;
        assert_eq!(v["rules"][rule]["code"], "META001");
        assert_eq!(d["lines"][1], "党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。");
        // Nothing is fetched from elsewhere.
        for needle in ["http://", "https://", "src=", "@import", "url("] {
            assert!(!TEMPLATE.contains(needle), "the page must be self-contained: {needle}");
        }
    }
}
