//! Emit: the cleaned text from canonical lines and their decisions.
//!
//! Kept lines are written in order; where blank lines stood between two kept lines, one blank line
//! is written (the first of that run); there are no blank lines at the start or end, and a
//! non-empty text ends with one newline.

use crate::classify::Decision;

/// What became of one input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// Dropped by the rule at this index of the rule set.
    Dropped(usize),
    BlankKept,
    /// A blank line removed by collapsing or at an edge.
    BlankDropped,
}

impl Fate {
    pub fn is_written(self) -> bool {
        matches!(self, Fate::Kept | Fate::BlankKept)
    }
}

/// Writes the kept lines; returns the text and each line's fate.
pub fn emit(lines: &[&str], decisions: &[Decision]) -> (String, Vec<Fate>) {
    let mut fates: Vec<Fate> = decisions
        .iter()
        .map(|d| match d {
            Decision::Keep => Fate::Kept,
            Decision::Blank => Fate::BlankDropped,
            Decision::Drop(r) => Fate::Dropped(*r),
        })
        .collect();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    let mut any_kept = false;
    let mut pending_blank = None;
    for (i, d) in decisions.iter().enumerate() {
        match d {
            Decision::Keep => {
                if let Some(b) = pending_blank.take() {
                    fates[b] = Fate::BlankKept;
                    out.push('\n');
                }
                out.push_str(lines[i]);
                out.push('\n');
                any_kept = true;
            }
            Decision::Blank if any_kept && pending_blank.is_none() => pending_blank = Some(i),
            Decision::Blank | Decision::Drop(_) => {}
        }
    }
    (out, fates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn blank_runs_collapse_and_edges_trim() {
        let lines = ["", "a", "", "", "x", "", "b", ""];
        let d = [Blank, Keep, Blank, Blank, Drop(0), Blank, Keep, Blank];
        let (text, fates) = emit(&lines, &d);
        assert_eq!(text, "a\n\nb\n");
        assert_eq!(fates[2], Fate::BlankKept);
        assert_eq!(fates[4], Fate::Dropped(0));
        assert_eq!(fates[5], Fate::BlankDropped);
    }

    #[test]
    fn empty_output() {
        let lines = ["", "x"];
        assert_eq!(emit(&lines, &[Blank, Drop(0)]).0, "");
    }
}
