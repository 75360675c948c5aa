//! Unified diffs whose hunks name the rules that removed their lines.
//!
//! The cleaner knows what happened to every line, so the edit script is built from that record
//! rather than recomputed by a diff algorithm: it is exact (a repeated line is shown removed where
//! it really was) and cheap. Hunk headers end with the rule codes and names of the hunk's drops,
//! and `canonical-form` where a kept line was rewritten (conversion, pinyin, width, spaces).

use std::fmt::Write;
use std::time::Duration;

use similar::{ChangeTag, TextDiff};

/// One step of an edit script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op<'a> {
    Equal(&'a str),
    /// A removed line and the label of what removed it (`META001 source-field`).
    Delete(&'a str, Option<&'a str>),
    Insert(&'a str),
}

/// Label for kept lines whose text changed.
pub const CANONICAL_FORM: &str = "canonical-form";

const CONTEXT: usize = 3;

/// Renders `ops` as a unified diff with `---`/`+++` headers; empty when nothing changed.
/// `new_ends_with_newline` is false only for an empty new side; the old side's final newline is
/// given by `old_ends_with_newline`.
pub fn unified(old_name: &str, new_name: &str, ops: &[Op<'_>], old_ends_with_newline: bool) -> String {
    let changed: Vec<usize> = (0..ops.len()).filter(|&i| !matches!(ops[i], Op::Equal(_))).collect();
    if changed.is_empty() && old_ends_with_newline {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    if changed.is_empty() {
        out.push_str("@@ final newline added @@\n");
        return out;
    }
    // Group changes whose context windows touch into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(h) if start <= h.1 => h.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    // Line numbers (1-based) of each op on the old and new sides.
    let mut old_no = Vec::with_capacity(ops.len() + 1);
    let mut new_no = Vec::with_capacity(ops.len() + 1);
    let (mut o, mut n) = (1, 1);
    for op in ops {
        old_no.push(o);
        new_no.push(n);
        match op {
            Op::Equal(_) => (o, n) = (o + 1, n + 1),
            Op::Delete(..) => o += 1,
            Op::Insert(_) => n += 1,
        }
    }
    old_no.push(o);
    new_no.push(n);
    let last_old = ops.iter().rposition(|op| !matches!(op, Op::Insert(_)));
    for (start, end) in hunks {
        let window = &ops[start..end];
        let old_len = window.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
        let new_len = window.iter().filter(|op| !matches!(op, Op::Delete(..))).count();
        // An empty side is numbered by the line before it, as diff(1) does.
        let old_start = if old_len == 0 { old_no[start] - 1 } else { old_no[start] };
        let new_start = if new_len == 0 { new_no[start] - 1 } else { new_no[start] };
        let mut labels: Vec<&str> = Vec::new();
        for op in window {
            let label = match op {
                Op::Delete(_, Some(l)) => Some(*l),
                Op::Insert(_) | Op::Delete(_, None) => Some(CANONICAL_FORM),
                Op::Equal(_) => None,
            };
            if let Some(l) = label.filter(|l| !labels.contains(l)) {
                labels.push(l);
            }
        }
        let _ = writeln!(out, "@@ -{old_start},{old_len} +{new_start},{new_len} @@ {}", labels.join(", "));
        for (k, op) in window.iter().enumerate() {
            let (sign, text) = match op {
                Op::Equal(t) => (' ', t),
                Op::Delete(t, _) => ('-', t),
                Op::Insert(t) => ('+', t),
            };
            let _ = writeln!(out, "{sign}{text}");
            if !old_ends_with_newline && sign != '+' && Some(start + k) == last_old {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// ANSI styles of the painted diff.
const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
/// Changed characters inside a rewritten line: reverse video on the line's colour.
const EMPHASIS: &str = "\x1b[7m";
/// An invisible character made visible.
const INVISIBLE: &str = "\x1b[35;7m";

/// Lines longer than this (in bytes) are not diffed character by character.
const MAX_INLINE_BYTES: usize = 10_000;

/// Colours a diff made by [`unified`] (or several, with `#` comment lines between them) for a
/// terminal: headers bold, hunk headers cyan with their rule labels yellow, removed lines red, added
/// lines green; where a removed line is followed by its rewritten form, the characters that changed
/// are emphasised (Traditional → Simplified, pinyin, width); invisible characters (U+3000, NBSP,
/// zero-width, controls) are shown as `<U+3000>`. The result is for reading, not for `patch`.
pub fn paint(diff: &str) -> String {
    let lines: Vec<&str> = diff.split_inclusive('\n').collect();
    let mut out = String::with_capacity(diff.len() * 2);
    // Lines still to come in the current hunk, on the old and new sides.
    let (mut old_left, mut new_left) = (0usize, 0usize);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].strip_suffix('\n').unwrap_or(lines[i]);
        i += 1;
        if old_left == 0 && new_left == 0 {
            if let Some((o, n, labels)) = hunk_header(line) {
                (old_left, new_left) = (o, n);
                let head = &line[..line.len() - labels.len()];
                let _ = writeln!(out, "{CYAN}{head}{RESET}{YELLOW}{labels}{RESET}");
            } else if line.starts_with("--- ") || line.starts_with("+++ ") {
                let _ = writeln!(out, "{BOLD}{}{RESET}", visible(line, BOLD));
            } else if line.starts_with('#') {
                let _ = writeln!(out, "{YELLOW}{line}{RESET}");
            } else {
                let _ = writeln!(out, "{DIM}{line}{RESET}");
            }
            continue;
        }
        match line.as_bytes().first() {
            Some(b'-') => {
                old_left = old_left.saturating_sub(1);
                let next = lines.get(i).map(|l| l.strip_suffix('\n').unwrap_or(l));
                match next.filter(|n| n.starts_with('+') && new_left > 0) {
                    Some(new) => {
                        new_left -= 1;
                        i += 1;
                        let (o, n) = inline(&line[1..], &new[1..]);
                        let _ = writeln!(out, "{RED}-{o}{RESET}\n{GREEN}+{n}{RESET}");
                    }
                    None => {
                        let _ = writeln!(out, "{RED}-{}{RESET}", visible(&line[1..], RED));
                    }
                }
            }
            Some(b'+') => {
                new_left = new_left.saturating_sub(1);
                let _ = writeln!(out, "{GREEN}+{}{RESET}", visible(&line[1..], GREEN));
            }
            Some(b'\\') => {
                let _ = writeln!(out, "{DIM}{line}{RESET}");
            }
            _ => {
                old_left = old_left.saturating_sub(1);
                new_left = new_left.saturating_sub(1);
                let _ = writeln!(out, "{}", visible(line, ""));
            }
        }
    }
    out
}

/// `@@ -a,b +c,d @@ labels`: the two lengths and the labels (with their leading space).
fn hunk_header(line: &str) -> Option<(usize, usize, &str)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (ranges, labels) = (&rest[..end], &rest[end + 3..]);
    let (old, new) = ranges.split_once(" +")?;
    let len = |r: &str| r.split_once(',').map_or(Some(1), |(_, n)| n.parse().ok());
    Some((len(old)?, len(new)?, labels))
}

/// The two sides of a rewritten line with their changed characters emphasised.
fn inline(old: &str, new: &str) -> (String, String) {
    if old.len() + new.len() > MAX_INLINE_BYTES {
        return (visible(old, RED), visible(new, GREEN));
    }
    let diff = TextDiff::configure().timeout(Duration::from_millis(50)).diff_chars(old, new);
    let (mut o, mut n) = (String::new(), String::new());
    // Consecutive changes of one kind are emphasised as one run.
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    for c in diff.iter_all_changes() {
        match runs.last_mut() {
            Some((tag, text)) if *tag == c.tag() => text.push_str(c.value()),
            _ => runs.push((c.tag(), c.value().to_owned())),
        }
    }
    for (tag, text) in runs {
        match tag {
            ChangeTag::Equal => {
                o.push_str(&visible(&text, RED));
                n.push_str(&visible(&text, GREEN));
            }
            ChangeTag::Delete => {
                let _ = write!(o, "{EMPHASIS}{}{RESET}{RED}", visible(&text, RED));
            }
            ChangeTag::Insert => {
                let _ = write!(n, "{EMPHASIS}{}{RESET}{GREEN}", visible(&text, GREEN));
            }
        }
    }
    (o, n)
}

/// `text` with invisible characters shown as `<U+XXXX>`; `style` is restored after each.
fn visible(text: &str, style: &str) -> String {
    if !text.chars().any(is_invisible) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_invisible(c) {
            let _ = write!(out, "{INVISIBLE}<U+{:04X}>{RESET}{style}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters a reader cannot see or tell from a space: ideographic and no-break spaces,
/// zero-width characters, the byte-order mark, and controls other than the tab.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{a0}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{2028}' | '\u{2029}')
        || (c.is_control() && c != '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_name_their_rules() {
        let ops = vec![
            Op::Delete("来源:某网", Some("META001 source-field")),
            Op::Equal(""),
            Op::Equal("a"),
            Op::Equal("b"),
            Op::Equal("c"),
            Op::Equal("d"),
            Op::Equal("e"),
            Op::Equal("f"),
            Op::Equal("g"),
            Op::Delete("主办单位:x", Some("FTR001 sponsor-footer")),
        ];
        let d = unified("a/x", "b/x", &ops, true);
        assert_eq!(
            d,
            "--- a/x\n+++ b/x\n@@ -1,4 +1,3 @@ META001 source-field\n-来源:某网\n \n a\n b\n\
             @@ -7,4 +6,3 @@ FTR001 sponsor-footer\n e\n f\n g\n-主办单位:x\n"
        );
    }

    #[test]
    fn paint_colours_lines_and_emphasises_changed_characters() {
        let ops = vec![
            Op::Delete("來源:某网", Some("META001 source-field")),
            Op::Delete("加強(qiáng)干部", None),
            Op::Insert("加强干部"),
            Op::Equal("\u{3000}正文"),
        ];
        let d = unified("a/x", "b/x", &ops, true);
        let p = paint(&d);
        assert!(p.contains(&format!("{BOLD}--- a/x{RESET}")), "{p:?}");
        assert!(p.contains(&format!("{CYAN}@@ -1,3 +1,2 @@{RESET}{YELLOW} META001 source-field, canonical-form{RESET}")), "{p:?}");
        assert!(p.contains(&format!("{RED}-來源:某网{RESET}")), "{p:?}");
        // 強(qiáng) became 强: only those characters are emphasised, on both sides.
        assert!(p.contains(&format!("{RED}-加{EMPHASIS}強(qiáng){RESET}{RED}干部{RESET}")), "{p:?}");
        assert!(p.contains(&format!("{GREEN}+加{EMPHASIS}强{RESET}{GREEN}干部{RESET}")), "{p:?}");
        assert!(p.contains(&format!(" {INVISIBLE}<U+3000>{RESET}正文")), "{p:?}");
        // Without the escapes, the painted diff reads like the plain one but for shown invisibles.
        let plain: String = strip_ansi(&p);
        assert_eq!(plain, d.replace('\u{3000}', "<U+3000>"));
    }

    #[test]
    fn paint_is_not_fooled_by_lines_that_look_like_headers() {
        let ops = vec![Op::Delete("-- 1 --", Some("R")), Op::Delete("+++", Some("R")), Op::Equal("@@ -1 +1 @@ x")];
        let p = strip_ansi(&paint(&unified("a", "b", &ops, true)));
        assert_eq!(p, unified("a", "b", &ops, true));
        let raw = paint(&unified("a", "b", &ops, true));
        assert!(raw.contains(&format!("{RED}--- 1 --{RESET}")) && raw.contains(&format!("{RED}-+++{RESET}")), "{raw:?}");
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn nothing_changed_is_empty() {
        assert_eq!(unified("a", "b", &[Op::Equal("x")], true), "");
    }

    #[test]
    fn matches_similar_on_unique_lines() {
        let old = ["t", "来源:x", "a", "b", "c", "d", "e", "f", "g", "h", "1", "主办"];
        let keep = [true, false, true, true, true, true, true, true, true, true, false, false];
        let ops: Vec<Op<'_>> =
            old.iter().zip(keep).map(|(l, k)| if k { Op::Equal(l) } else { Op::Delete(l, Some("R")) }).collect();
        let ours = unified("a", "b", &ops, true);
        let old_text: String = old.iter().map(|l| format!("{l}\n")).collect();
        let new_text: String = old.iter().zip(keep).filter(|(_, k)| *k).map(|(l, _)| format!("{l}\n")).collect();
        let theirs = similar::TextDiff::from_lines(&old_text, &new_text).unified_diff().header("a", "b").to_string();
        // Same hunks and lines; only our hunk headers carry rule labels.
        let strip = |s: &str| s.lines().map(|l| if l.starts_with("@@") { l.split(" @@").next().unwrap_or(l).to_owned() } else { l.to_owned() }).collect::<Vec<_>>();
        assert_eq!(strip(&ours), strip(&theirs));
    }
}
