//! Suggest: rule skeletons for the boilerplate of sites the rules do not know yet.
//!
//! Menus and footers repeat across the pages of a site; article text does not. After cleaning a
//! sample of a corpus, the short lines that are still there and recur in many documents are
//! listed with their counts and example documents, as TOML rules a person can review, edit and
//! adopt with `--rules`.

use std::collections::HashMap;
use std::fmt::Write;

use crate::classify::is_prose;
use crate::emit::Fate;
use crate::{canon, Cleaned};

/// Longest line (characters) considered.
pub const MAX_CHARS: usize = 40;

/// A line that recurs across documents and no rule removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The line's matching view (what a literal rule matches).
    pub view: String,
    /// The line as it was written out (canonical form).
    pub text: String,
    /// Documents it was kept in.
    pub documents: usize,
    /// Up to three of them.
    pub examples: Vec<String>,
}

/// Collects recurring kept lines from cleaned documents.
#[derive(Debug, Default)]
pub struct Collector {
    documents: usize,
    lines: HashMap<String, Suggestion>,
}

impl Collector {
    /// Counts the kept short lines of one cleaned document (each at most once per document).
    pub fn add(&mut self, cleaned: &Cleaned, name: &str) {
        self.documents += 1;
        let mut seen = std::collections::HashSet::new();
        for (line, fate) in cleaned.canonical.lines.iter().zip(&cleaned.fates) {
            if *fate != Fate::Kept || line.chars().count() > MAX_CHARS {
                continue;
            }
            let view = canon::view(line, None).into_owned();
            if is_prose(&view) || !seen.insert(view.clone()) {
                continue;
            }
            let entry = self.lines.entry(view.clone()).or_insert_with(|| Suggestion {
                view,
                text: line.to_owned(),
                documents: 0,
                examples: Vec::new(),
            });
            entry.documents += 1;
            if entry.examples.len() < 3 {
                entry.examples.push(name.to_owned());
            }
        }
    }

    /// Documents seen.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// Lines kept in at least `min_documents` documents, most frequent first.
    pub fn suggestions(self, min_documents: usize) -> Vec<Suggestion> {
        let mut v: Vec<Suggestion> = self.lines.into_values().filter(|s| s.documents >= min_documents.max(2)).collect();
        v.sort_by(|a, b| b.documents.cmp(&a.documents).then_with(|| a.view.cmp(&b.view)));
        v
    }
}

/// A prose line for the generated examples: it anchors the body, so the suggested line stands in
/// the head where the rule acts.
const EXAMPLE_PROSE: &str = "这是一段用来检验规则的正文，它足够长，并且以句号结尾。";

/// Renders suggestions as TOML rules with codes `PREFIX001`, … Each gets an example that removes
/// the line before a paragraph and one that keeps a sentence quoting it.
pub fn to_toml(suggestions: &[Suggestion], documents: usize, prefix: &str) -> String {
    let mut out = format!(
        "# Lines that recur in many of {documents} documents and that no rule removes.\n\
         # Review each: keep the ones that are boilerplate, set their category, and adopt the file with --rules.\n"
    );
    for (i, s) in suggestions.iter().enumerate() {
        let code = format!("{prefix}{:03}", i + 1);
        let quoted = toml_string(&s.text);
        let _ = write!(
            out,
            "\n# in {} of {documents} documents, e.g. {}\n[[rule]]\ncode = \"{code}\"\nname = \"recurring-line-{}\"\n\
             category = \"navigation\"\nsummary = {}\nwhy = \"Recurs in {} of {documents} sampled documents.\"\n\
             region = \"edges\"\nliterals = [{quoted}]\n\n\
             [[rule.example]]\ninput = {}\noutput = {}\n\n\
             [[rule.example]]\ninput = {}\noutput = {}\n",
            s.documents,
            s.examples.join(", "),
            i + 1,
            toml_string(&format!("Recurring line: {}", s.text)),
            s.documents,
            toml_string(&format!("{}\n{EXAMPLE_PROSE}", s.text)),
            toml_string(EXAMPLE_PROSE),
            toml_string(&format!("文中引用了“{}”这几个字，它在这里是正文的一部分。", s.text)),
            toml_string(&format!("文中引用了“{}”这几个字，它在这里是正文的一部分。", s.text)),
        );
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;
    use crate::{Cleaner, Options};

    #[test]
    fn recurring_lines_become_rules_that_pass_their_examples() {
        let cleaner = Cleaner::new(RuleSet::builtin().unwrap(), &Options::default()).unwrap();
        let mut c = Collector::default();
        for (i, body) in ["今天天气很好，我们去公园散步。", "明天会下雨，大家记得带伞出门。", "后天是周末，可以在家好好休息。"].iter().enumerate() {
            let doc = format!("某某日报 数字版\n{body}\n本站由某某公司运营\n");
            let name = format!("doc{i}.txt");
            c.add(&cleaner.clean_text(doc, &name), &name);
        }
        let docs = c.documents();
        let s = c.suggestions(3);
        let views: Vec<&str> = s.iter().map(|s| s.view.as_str()).collect();
        assert_eq!(views, ["本站由某某公司运营", "某某日报 数字版"].map(|v| crate::canon::view(v, None).into_owned()).iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(s[0].examples, ["doc0.txt", "doc1.txt", "doc2.txt"]);
        let toml = to_toml(&s, docs, "SITE");
        let mut set = RuleSet::default();
        set.add_text("suggested.toml", &toml).unwrap();
        let outcomes = crate::rules::run_examples(&set).unwrap();
        assert!(outcomes.iter().all(|o| o.passed()), "{toml}");
    }
}
