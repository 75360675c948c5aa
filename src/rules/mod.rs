//! Rules: what boilerplate looks like, where it may be removed, and the examples that prove it.
//!
//! Rule files are TOML (`[[rule]]` tables, see `file`); the default set in `rules/` is embedded in
//! the binary. A `RuleSet` is the compiled, selected list that `classify` applies.

pub(crate) mod detect;
mod file;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

pub use detect::{Context, Detector, Facts};
pub use file::RuleError;

/// What kind of boilerplate a rule removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Navigation,
    Metadata,
    Widget,
    Footer,
    Spam,
    Noise,
}

impl Category {
    pub const ALL: [Category; 6] =
        [Category::Navigation, Category::Metadata, Category::Widget, Category::Footer, Category::Spam, Category::Noise];

    pub fn name(self) -> &'static str {
        match self {
            Category::Navigation => "navigation",
            Category::Metadata => "metadata",
            Category::Widget => "widget",
            Category::Footer => "footer",
            Category::Spam => "spam",
            Category::Noise => "noise",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in a document a rule may act. Lines that read as prose anchor the body; the head is what
/// comes before the first anchor, the tail what comes after the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Head,
    Tail,
    /// Head or tail.
    Edges,
    /// Anywhere, prose lines included: only for matchers that cannot mistake prose.
    Anywhere,
}

impl Region {
    pub fn name(self) -> &'static str {
        match self {
            Region::Head => "head",
            Region::Tail => "tail",
            Region::Edges => "edges",
            Region::Anywhere => "anywhere",
        }
    }
}

/// What a rule does with a matching line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Drop the matching line.
    #[default]
    DropLine,
    /// Drop the matching line and every line after it (a footer marker in the tail), unless
    /// prose follows it.
    DropRest,
    /// Drop the matching line and the lines after it up to the next prose line (a list header
    /// and its list).
    DropBlock,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::DropLine => "drop-line",
            Action::DropRest => "drop-rest",
            Action::DropBlock => "drop-block",
        }
    }
}

/// How a rule recognises a line. Patterns and literals see the matching view of a line
/// (`canon::view`).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A regex searched in the view.
    Pattern(Regex),
    /// The whole view equals one of these (folded like the view).
    Literals(HashSet<String>),
    /// Code that looks at the line and its neighbours.
    Detector(Detector),
}

/// One rule example: cleaning `input` with only this rule must give `output`.
#[derive(Debug, Clone)]
pub struct Example {
    pub input: String,
    pub output: String,
    /// Known failure: reported, not counted.
    pub todo: bool,
    /// Line of the example's `input` in its rule file.
    pub line: usize,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared with the report of every line the rule removes.
    pub code: Arc<str>,
    pub name: Arc<str>,
    pub category: Category,
    pub summary: String,
    pub why: String,
    pub region: Region,
    pub action: Action,
    pub matcher: Matcher,
    /// The rule only matches lines of at most this many characters (in the view).
    pub max_chars: Option<usize>,
    pub examples: Vec<Example>,
    /// The rule file (`rules/metadata.toml` for built-in rules) and the line of its code.
    pub file: String,
    pub line: usize,
}

impl Rule {
    /// Whether the rule's detector judges a line by what the other rules dropped around it.
    pub fn is_contextual(&self) -> bool {
        matches!(&self.matcher, Matcher::Detector(d) if d.is_contextual())
    }

    /// Whether the rule judges a line by nothing but the line, so that its answer holds in every
    /// pass of classification.
    pub fn is_line_only(&self) -> bool {
        match &self.matcher {
            Matcher::Pattern(_) | Matcher::Literals(_) => true,
            Matcher::Detector(d) => d.is_line_only(),
        }
    }

    /// Whether the selector (a code such as `META001`, a code prefix such as `META`, or a
    /// category such as `metadata`) names this rule.
    fn is_named_by(&self, selector: &str) -> bool {
        selector.eq_ignore_ascii_case(self.category.name())
            || *self.name == *selector
            || (self.code.len() >= selector.len()
                && self.code.is_char_boundary(selector.len())
                && self.code[..selector.len()].eq_ignore_ascii_case(selector))
    }

    /// Matcher kind and value, for listings.
    pub fn matcher_description(&self) -> String {
        match &self.matcher {
            Matcher::Pattern(re) => format!("pattern {}", re.as_str()),
            Matcher::Literals(set) => {
                let mut v: Vec<&str> = set.iter().map(String::as_str).collect();
                v.sort_unstable();
                format!("literals {}", v.join(" | "))
            }
            Matcher::Detector(d) => format!("detector {}", d.describe()),
        }
    }
}

/// The built-in rule files, embedded so the binary works anywhere. A line is attributed to the
/// first rule that matches it, in this order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("rules/widget.toml", include_str!("../../rules/widget.toml")),
    ("rules/footer.toml", include_str!("../../rules/footer.toml")),
    ("rules/metadata.toml", include_str!("../../rules/metadata.toml")),
    ("rules/noise.toml", include_str!("../../rules/noise.toml")),
    ("rules/spam.toml", include_str!("../../rules/spam.toml")),
    // Last: its detectors are general, so a specific rule names a line first.
    ("rules/navigation.toml", include_str!("../../rules/navigation.toml")),
];

/// A compiled, selected list of rules, in the order they are applied.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Built on first use, and again after the rules change (as `stages`).
    patterns: OnceLock<PatternSet>,
    stages: OnceLock<Stages>,
}

/// The rules by the stage of classification that asks them (see `classify`), as indices into the
/// rules, each list in the order its rules are asked.
#[derive(Debug, Clone)]
pub struct Stages {
    /// `anywhere` rules: asked first, of every line.
    pub anywhere: Vec<usize>,
    /// Head, tail and edge rules but the contextual ones: asked next, of the lines outside the
    /// body. The rules that drop one line come last, so that a list header or footer marker that
    /// is also a short line acts as the marker.
    pub positional: Vec<usize>,
    /// Rules whose detector judges a line by what the other rules dropped around it: asked last.
    pub contextual: Vec<usize>,
}

impl Stages {
    fn new(rules: &[Rule]) -> Stages {
        let contextual = |r: &usize| rules[*r].is_contextual();
        let (anywhere, mut positional): (Vec<usize>, Vec<usize>) =
            (0..rules.len()).filter(|r| !contextual(r)).partition(|&r| rules[r].region == Region::Anywhere);
        positional.sort_by_key(|&r| rules[r].action == Action::DropLine);
        Stages { anywhere, positional, contextual: (0..rules.len()).filter(contextual).collect() }
    }
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN {
            set.add(file::parse(name, text)?, false)?;
        }
        Ok(set)
    }

    /// Adds every `*.toml` file in `dir` (sorted by name). A rule whose code is already present
    /// replaces it; a code defined twice within `dir` is an error.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let mut paths = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| RuleError::io(dir, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| RuleError::io(dir, &e))?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut seen = HashSet::new();
        for path in paths {
            let name = path.display().to_string();
            let size = std::fs::metadata(&path).map_err(|e| RuleError::io(&path, &e))?.len();
            if size > file::MAX_RULE_FILE_BYTES as u64 {
                let message = format!("rule file too large: {size} bytes, at most {}", file::MAX_RULE_FILE_BYTES);
                return Err(RuleError::at(&name, 0, 0, message));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| RuleError::io(&path, &e))?;
            let rules = file::parse(&name, &text)?;
            for rule in &rules {
                if !seen.insert(rule.code.clone()) {
                    return Err(RuleError::at(&name, rule.line, 1, format!("rule code {} is defined twice", rule.code)));
                }
            }
            self.add(rules, true)?;
        }
        Ok(())
    }

    /// Parses rule-file text (as if read from `name`) and adds its rules.
    pub fn add_text(&mut self, name: &str, text: &str) -> Result<(), RuleError> {
        self.add(file::parse(name, text)?, true)
    }

    fn add(&mut self, rules: Vec<Rule>, replace: bool) -> Result<(), RuleError> {
        (self.patterns, self.stages) = (OnceLock::new(), OnceLock::new());
        for rule in rules {
            match self.rules.iter().position(|r| r.code == rule.code) {
                Some(i) if replace => self.rules[i] = rule,
                Some(i) => {
                    let first = &self.rules[i];
                    return Err(RuleError::at(
                        &rule.file,
                        rule.line,
                        1,
                        format!("rule code {} is already defined at {}:{}", rule.code, first.file, first.line),
                    ));
                }
                None => self.rules.push(rule),
            }
        }
        Ok(())
    }

    /// Keeps the rules named by `select` (all when empty) and not named by `ignore`. A selector
    /// that names no rule is an error, so a typo does not silently disable nothing.
    pub fn select(mut self, select: &[String], ignore: &[String]) -> Result<RuleSet, UnknownSelector> {
        for s in select.iter().chain(ignore) {
            if !self.rules.iter().any(|r| r.is_named_by(s)) {
                return Err(UnknownSelector(s.clone()));
            }
        }
        self.rules.retain(|r| {
            (select.is_empty() || select.iter().any(|s| r.is_named_by(s))) && !ignore.iter().any(|s| r.is_named_by(s))
        });
        (self.patterns, self.stages) = (OnceLock::new(), OnceLock::new());
        Ok(self)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, code: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.code.eq_ignore_ascii_case(code) || *r.name == *code)
    }

    /// A set holding only `rule` (for running its examples).
    pub fn only(rule: &Rule) -> RuleSet {
        RuleSet { rules: vec![rule.clone()], ..RuleSet::default() }
    }

    /// The pattern rules gathered into regex sets (see `PatternSet`).
    pub fn pattern_set(&self) -> &PatternSet {
        self.patterns.get_or_init(|| PatternSet::new(&self.rules))
    }

    pub fn stages(&self) -> &Stages {
        self.stages.get_or_init(|| Stages::new(&self.rules))
    }
}

/// The pattern rules compiled into regex sets, so that one search of a line answers several of
/// them: the head and tail patterns in one set, the `anywhere` patterns in another. `anywhere`
/// patterns are asked of every line, prose included, and on a long line their own searches,
/// anchored or led by literals, stop early where a set search reads the whole line (in one set
/// with the others they made cleaning the seed documents 18% slower); on a short line one search
/// costs less than several, so their set answers only for short lines.
#[derive(Debug, Clone)]
pub struct PatternSet {
    groups: Vec<Group>,
    /// For each rule, the group it is in.
    group: Vec<Option<usize>>,
}

#[derive(Debug, Clone)]
struct Group {
    set: RegexSet,
    /// The rules in the set, as indices into the rules.
    members: Vec<usize>,
    /// The set answers for views of at most this many bytes.
    max_view: usize,
}

/// Room for the states of a set's lazy DFA, per thread, allocated as they are needed. The set
/// of the built-in head and tail rules needs 4–8 MB on real pages; at the regex crate's default of
/// 2 MB it runs out of room, and the search falls back to the much slower PikeVM (real pages
/// cleaned 4.4× slower).
const SET_DFA_BYTES: usize = 16 << 20;

/// Views of at most this many bytes (about 40 Chinese characters: menus, links, stamps) are
/// searched with the set of `anywhere` patterns.
const SHORT_VIEW: usize = 120;

impl PatternSet {
    fn new(rules: &[Rule]) -> PatternSet {
        let mut set = PatternSet { groups: Vec::new(), group: vec![None; rules.len()] };
        set.add(rules, |r| r.region != Region::Anywhere, usize::MAX);
        set.add(rules, |r| r.region == Region::Anywhere, SHORT_VIEW);
        set
    }

    /// Adds the pattern rules that `take` picks as one group; none if there are fewer than two, or
    /// if their set would be too large to compile (each pattern is then searched on its own).
    fn add(&mut self, rules: &[Rule], take: impl Fn(&Rule) -> bool, max_view: usize) {
        let (members, patterns): (Vec<usize>, Vec<&str>) = rules
            .iter()
            .enumerate()
            .filter_map(|(r, rule)| match &rule.matcher {
                Matcher::Pattern(re) if take(rule) => Some((r, re.as_str())),
                _ => None,
            })
            .unzip();
        if members.len() < 2 {
            return;
        }
        let set = RegexSetBuilder::new(patterns)
            .size_limit(file::REGEX_SIZE_LIMIT * members.len())
            .dfa_size_limit(SET_DFA_BYTES)
            .build();
        let Ok(set) = set else { return };
        for &r in &members {
            self.group[r] = Some(self.groups.len());
        }
        self.groups.push(Group { set, members, max_view });
    }

    /// Every rule in the set of rule `r` (an index into the rules), with whether its pattern
    /// matches `view`; `None` when `r` is in no set, or its set leaves views this long to each
    /// pattern on its own.
    pub fn search<'a>(&'a self, r: usize, view: &str) -> Option<impl Iterator<Item = (usize, bool)> + 'a> {
        let group = &self.groups[self.group[r]?];
        if view.len() > group.max_view {
            return None;
        }
        // Most lines match no pattern, and a search that may stop at the first match tells so
        // faster than one that reads on for every pattern that matches.
        let hits = group.set.is_match(view).then(|| group.set.matches(view));
        Some(group.members.iter().enumerate().map(move |(k, &r)| (r, hits.as_ref().is_some_and(|h| h.matched(k)))))
    }
}

/// The result of one rule example.
#[derive(Debug, Clone)]
pub struct ExampleOutcome<'a> {
    pub rule: &'a Rule,
    pub example: &'a Example,
    /// What cleaning the input with only this rule gave.
    pub got: String,
    /// The expected output in canonical form.
    pub expected: String,
    /// Lines this rule removed from the input.
    pub removed: usize,
}

impl ExampleOutcome<'_> {
    pub fn passed(&self) -> bool {
        self.got == self.expected
    }
}

/// Runs every example of every rule in `set`: the input cleaned with only its rule (and the default
/// conversion) must give the output. A context rule, which acts on what the others dropped, runs
/// with the whole set.
pub fn run_examples(set: &RuleSet) -> Result<Vec<ExampleOutcome<'_>>, crate::convert::ConvertError> {
    let options = crate::Options::default();
    let canonical = crate::Cleaner::new(RuleSet::default(), &options)?;
    let mut outcomes = Vec::new();
    for rule in set.rules() {
        let rules = if rule.is_contextual() { set.clone() } else { RuleSet::only(rule) };
        let cleaner = crate::Cleaner::new(rules, &options)?;
        for example in &rule.examples {
            let cleaned = cleaner.clean_text(example.input.clone(), "example");
            outcomes.push(ExampleOutcome {
                rule,
                example,
                got: cleaned.text,
                expected: canonical.clean_text(example.output.clone(), "example").text,
                removed: cleaned.report.removed.iter().filter(|r| r.code == rule.code).count(),
            });
        }
    }
    Ok(outcomes)
}

/// A `--select`/`--ignore` value that names no rule, category or code prefix.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` names no rule, code prefix or category")]
pub struct UnknownSelector(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules().len() >= 10);
        for rule in set.rules() {
            assert!(rule.file.starts_with("rules/"), "{}", rule.file);
        }
    }

    /// One search of a pattern set answers as each pattern would on its own, for every line of
    /// the seed documents and of the rule examples; and the sets follow a change of selection.
    #[test]
    fn pattern_set_answers_as_each_pattern() {
        let set = RuleSet::builtin().unwrap();
        let patterns = set.pattern_set();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
        let mut texts: Vec<String> = std::fs::read_dir(seeds).unwrap().filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok()).collect();
        texts.extend(set.rules().iter().flat_map(|r| &r.examples).map(|e| e.input.clone()));
        let mut searched = [0, 0];
        for line in texts.iter().flat_map(|t| t.lines()) {
            let view = crate::canon::view(line, None);
            for r in 0..set.rules().len() {
                let Some(hits) = patterns.search(r, &view) else { continue };
                for (other, hit) in hits {
                    let Matcher::Pattern(re) = &set.rules()[other].matcher else { panic!("{} is no pattern rule", set.rules()[other].code) };
                    assert_eq!(hit, re.is_match(&view), "{} on {view:?}", set.rules()[other].code);
                    searched[usize::from(set.rules()[other].region == Region::Anywhere)] += 1;
                }
            }
        }
        assert!(searched[0] > 10_000 && searched[1] > 1_000, "{searched:?}");
        let in_sets = |set: &RuleSet| (0..set.rules().len()).filter(|&r| set.pattern_set().search(r, "").is_some()).count();
        assert!(in_sets(&set) > 20);
        // A long view is left to each `anywhere` pattern.
        let anywhere = (0..set.rules().len()).find(|&r| set.rules()[r].region == Region::Anywhere && patterns.search(r, "").is_some()).unwrap();
        assert!(patterns.search(anywhere, &"字".repeat(SHORT_VIEW)).is_none());
        assert_eq!(in_sets(&set.select(&["navigation".into()], &[]).unwrap()), 5);
    }

    #[test]
    fn selection_by_code_prefix_and_category() {
        let set = RuleSet::builtin().unwrap();
        let meta = set.clone().select(&["metadata".into()], &[]).unwrap();
        assert!(meta.rules().iter().all(|r| r.category == Category::Metadata));
        let no_meta = set.clone().select(&[], &["META".into()]).unwrap();
        assert!(no_meta.rules().iter().all(|r| !r.code.starts_with("META")));
        assert!(set.select(&["NOPE999".into()], &[]).is_err());
    }
}
