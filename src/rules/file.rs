//! Rule files: TOML parsed into rules, every error placed at `path:line:col`.
//!
//! ```toml
//! [[rule]]
//! code = "META001"
//! name = "source-field"
//! category = "metadata"
//! summary = "来源 field in the page header"
//! why = "Site metadata, not article text."
//! region = "edges"            # head | tail | edges | anywhere
//! action = "drop-line"        # drop-line | drop-rest
//! pattern = '^来源:'           # or literals = [...], or detector = "place-list" with [rule.params]
//! max-chars = 80
//!
//! [[rule.example]]
//! input = "来源:共产党员网\n正文第一句，足够长的一句话在这里。"
//! output = "正文第一句，足够长的一句话在这里。"
//! ```

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use super::{Action, Category, Detector, Example, Matcher, Region, Rule};
use crate::canon;

/// Patterns larger than this (compiled) are refused rather than slowing every document.
pub(super) const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Rule files larger than this are refused whole: a rule set is read by people, and parsing (and
/// every document's matching) stays bounded.
pub(crate) const MAX_RULE_FILE_BYTES: usize = 1 << 20;

/// A problem in a rule file, placed at `file:line:col` (1-based; column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl RuleError {
    pub(crate) fn at(file: &str, line: usize, col: usize, message: impl Into<String>) -> RuleError {
        RuleError { file: file.to_owned(), line, col, message: message.into() }
    }

    pub(crate) fn io(path: &Path, err: &std::io::Error) -> RuleError {
        RuleError { file: path.display().to_string(), line: 0, col: 0, message: err.to_string() }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)
        }
    }
}

impl std::error::Error for RuleError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    code: Spanned<String>,
    name: Spanned<String>,
    category: Category,
    summary: String,
    why: String,
    region: Region,
    #[serde(default)]
    action: Action,
    pattern: Option<Spanned<String>>,
    literals: Option<Spanned<Vec<String>>>,
    detector: Option<Spanned<String>>,
    params: Option<Spanned<toml::Table>>,
    max_chars: Option<usize>,
    #[serde(default)]
    example: Vec<RawExample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    input: Spanned<String>,
    output: String,
    #[serde(default)]
    todo: bool,
}

/// Names that say what to do instead of what is matched (`drop-*`), which rule names avoid.
const DISALLOWED_NAME_PREFIXES: &[&str] = &["remove-", "strip-", "delete-", "drop-", "avoid-"];

/// Parses and validates one rule file.
pub(super) fn parse(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    if text.len() > MAX_RULE_FILE_BYTES {
        let message = format!("rule file too large: {} bytes, at most {MAX_RULE_FILE_BYTES}", text.len());
        return Err(RuleError::at(file, 0, 0, message));
    }
    let pos = |span: Range<usize>| line_col(text, span.start);
    let err = |span: Range<usize>, msg: String| {
        let (line, col) = pos(span);
        RuleError::at(file, line, col, msg)
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        RuleError::at(file, line, col, e.message().trim_end().to_owned())
    })?;
    let mut codes = HashSet::new();
    let mut rules = Vec::with_capacity(raw.rule.len());
    for spanned in raw.rule {
        let rule_span = spanned.span();
        let r = spanned.into_inner();
        let code = r.code.get_ref();
        if !is_valid_code(code) {
            return Err(err(r.code.span(), format!("rule code `{code}` must be 2-5 capital letters and 3 digits, e.g. META001")));
        }
        if !codes.insert(code.clone()) {
            return Err(err(r.code.span(), format!("rule code {code} is defined twice")));
        }
        let name = r.name.get_ref();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(err(r.name.span(), format!("rule name `{name}` must be kebab-case ASCII")));
        }
        if let Some(p) = DISALLOWED_NAME_PREFIXES.iter().find(|p| name.starts_with(**p)) {
            return Err(err(r.name.span(), format!("rule name `{name}` should say what is matched, not `{p}…`")));
        }
        let matcher = match (&r.pattern, &r.literals, &r.detector) {
            (Some(p), None, None) => Matcher::Pattern(compile(p.get_ref()).map_err(|m| err(p.span(), m))?),
            (None, Some(l), None) => {
                if l.get_ref().is_empty() {
                    return Err(err(l.span(), "`literals` is empty".into()));
                }
                Matcher::Literals(l.get_ref().iter().map(|s| canon::view(s, None).into_owned()).collect())
            }
            (None, None, Some(d)) => {
                let params = r.params.as_ref().map(|p| (p.get_ref().clone(), p.span()));
                let params_span = params.as_ref().map_or(d.span(), |p| p.1.clone());
                Matcher::Detector(
                    Detector::new(d.get_ref(), params.map(|p| p.0)).map_err(|m| {
                        if m.starts_with("unknown detector") { err(d.span(), m) } else { err(params_span.clone(), m) }
                    })?,
                )
            }
            _ => return Err(err(rule_span, format!("rule {code} needs exactly one of `pattern`, `literals` or `detector`"))),
        };
        if r.action == Action::DropRest && r.region != Region::Tail {
            return Err(err(r.code.span(), format!("rule {code}: action drop-rest needs region = \"tail\"")));
        }
        if r.action == Action::DropBlock && r.region == Region::Anywhere {
            return Err(err(r.code.span(), format!("rule {code}: action drop-block needs a region outside the body")));
        }
        if r.params.is_some() && r.detector.is_none() {
            return Err(err(r.params.as_ref().map_or(rule_span.clone(), |p| p.span()), "`params` only goes with `detector`".into()));
        }
        if r.example.is_empty() {
            return Err(err(r.code.span(), format!("rule {code} has no [[rule.example]]: give one that is dropped and one that is kept")));
        }
        let examples = r
            .example
            .into_iter()
            .map(|e| Example { line: pos(e.input.span()).0, input: e.input.into_inner(), output: e.output, todo: e.todo })
            .collect();
        rules.push(Rule {
            line: pos(r.code.span()).0,
            code: r.code.into_inner().into(),
            name: r.name.into_inner().into(),
            category: r.category,
            summary: r.summary,
            why: r.why,
            region: r.region,
            action: r.action,
            matcher,
            max_chars: r.max_chars,
            examples,
            file: file.to_owned(),
        });
    }
    Ok(rules)
}

fn is_valid_code(code: &str) -> bool {
    let letters = code.chars().take_while(char::is_ascii_uppercase).count();
    (2..=5).contains(&letters) && code.len() == letters + 3 && code[letters..].chars().all(|c| c.is_ascii_digit())
}

fn compile(pattern: &str) -> Result<Regex, String> {
    let re = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("bad pattern: {}", e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")))?;
    if re.is_match("") {
        return Err("pattern matches the empty line; it would match everything".into());
    }
    Ok(re)
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[rule]]
code = "TST001"
name = "test-field"
category = "metadata"
summary = "s"
why = "w"
region = "head"
pattern = '^来源:'

[[rule.example]]
input = "来源:某网\n正文第一句，这是一段足够长的文字，用来当作正文的锚点。"
output = "正文第一句，这是一段足够长的文字，用来当作正文的锚点。"
"#;

    #[test]
    fn parses_a_rule() {
        let rules = parse("t.toml", GOOD).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(&*rules[0].code, "TST001");
        assert_eq!(rules[0].line, 3);
        assert_eq!(rules[0].examples[0].line, 12);
    }

    #[test]
    fn bad_regex_is_placed_at_the_pattern() {
        let text = GOOD.replace("'^来源:'", "'^来源:('");
        let e = parse("t.toml", &text).unwrap_err();
        assert_eq!((e.line, e.col), (9, 11), "{e}");
        assert!(e.to_string().starts_with("t.toml:9:11: bad pattern"), "{e}");
    }

    #[test]
    fn unknown_key_is_placed() {
        let text = GOOD.replace("region = \"head\"", "region = \"head\"\nregoin = 1");
        let e = parse("t.toml", &text).unwrap_err();
        assert_eq!(e.line, 9, "{e}");
        assert!(e.message.contains("regoin"), "{e}");
    }

    #[test]
    fn bad_enum_value_is_placed() {
        let text = GOOD.replace("region = \"head\"", "region = \"middle\"");
        let e = parse("t.toml", &text).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
    }

    #[test]
    fn empty_matching_pattern_refused() {
        let text = GOOD.replace("'^来源:'", "'x*'");
        assert!(parse("t.toml", &text).unwrap_err().message.contains("empty line"));
    }

    #[test]
    fn duplicate_code_refused() {
        let text = format!("{GOOD}\n{}", GOOD.trim_start());
        let e = parse("t.toml", &text).unwrap_err();
        assert!(e.message.contains("defined twice"), "{e}");
        assert_eq!(e.line, 16, "{e}");
    }

    #[test]
    fn drop_rest_only_in_the_tail() {
        let text = GOOD.replace("region = \"head\"", "region = \"head\"\naction = \"drop-rest\"");
        assert!(parse("t.toml", &text).unwrap_err().message.contains("drop-rest needs region"));
    }

    #[test]
    fn names_say_what_is_matched() {
        let text = GOOD.replace("test-field", "remove-source");
        assert!(parse("t.toml", &text).unwrap_err().message.contains("what is matched"));
    }

    #[test]
    fn huge_rule_file_refused() {
        let text = format!("{GOOD}#{}", "x".repeat(MAX_RULE_FILE_BYTES));
        assert_eq!(parse("t.toml", &text).unwrap_err().to_string(), format!("t.toml: rule file too large: {} bytes, at most 1048576", text.len()));
    }

    #[test]
    fn huge_regex_refused() {
        let text = GOOD.replace("'^来源:'", r"'\w{1000}\w{1000}\w{1000}'");
        assert!(parse("t.toml", &text).unwrap_err().message.contains("bad pattern"));
    }
}
