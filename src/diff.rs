//! Unified diffs whose hunks name the rules that removed their lines.
//!
//! The cleaner knows what happened to every line, so the edit script is built from that record
//! rather than recomputed by a diff algorithm: it is exact (a repeated line is shown removed where
//! it really was) and cheap. Hunk headers end with the rule codes and names of the hunk's drops,
//! and `canonical-form` where a kept line was rewritten (conversion, pinyin, width, spaces).

use std::fmt::Write;

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
