//! Classify: every canonical line gets keep or drop, and a drop names the rule that decided it.
//!
//! Position matters more than words. Lines that read as prose anchor the body; the head is what
//! lies before the first anchor and the tail what lies after the last. `anywhere` rules run first,
//! and a prose line they drop anchors nothing; then head, tail and edge rules act on the lines
//! outside the anchors, so they never remove prose.

use crate::rules::{Action, Context, Matcher, Region, Rule, RuleSet};

/// The fate of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Keep,
    Blank,
    /// Dropped by the rule at this index of the rule set.
    Drop(usize),
}

/// Most passes over the lines left (see `classify`).
const MAX_PASSES: usize = 8;

/// Decides every line. `lines` are canonical, `views` their matching views.
///
/// Detectors that look at neighbours see new neighbours once lines are dropped, so the lines left
/// are classified again until a pass drops nothing more: what cleaning the output would see is
/// what the last pass saw, and cleaning stays idempotent.
pub fn classify(lines: &[String], views: &[String], rules: &RuleSet) -> Vec<Decision> {
    let mut decisions = vec![Decision::Blank; lines.len()];
    let mut left: Vec<usize> = (0..lines.len()).collect();
    for _ in 0..MAX_PASSES {
        let sub_lines: Vec<&str> = left.iter().map(|&i| lines[i].as_str()).collect();
        let sub_views: Vec<&str> = left.iter().map(|&i| views[i].as_str()).collect();
        let pass = classify_once(&sub_lines, &sub_views, rules);
        let mut dropped_any = false;
        for (&i, d) in left.iter().zip(&pass) {
            dropped_any |= matches!(d, Decision::Drop(_));
            decisions[i] = *d;
        }
        if !dropped_any {
            break;
        }
        left.retain(|&i| !matches!(decisions[i], Decision::Drop(_)));
    }
    decisions
}

fn classify_once(lines: &[&str], views: &[&str], rules: &RuleSet) -> Vec<Decision> {
    let rules = rules.rules();
    let cx = Context { lines, views };
    let mut decisions = undecided(lines);

    let anywhere: Vec<usize> = (0..rules.len()).filter(|&r| rules[r].region == Region::Anywhere).collect();
    for (i, d) in decisions.iter_mut().enumerate() {
        if *d == Decision::Keep {
            if let Some(&r) = anywhere.iter().find(|&&r| matches(&rules[r], &cx, i)) {
                *d = Decision::Drop(r);
            }
        }
    }

    let anchors: Vec<usize> = (0..lines.len()).filter(|&i| decisions[i] == Decision::Keep && is_prose(views[i])).collect();
    // No prose at all: every line is both head and tail.
    let bounds = anchors.first().zip(anchors.last());
    let positional: Vec<usize> = (0..rules.len()).filter(|&r| rules[r].region != Region::Anywhere).collect();
    for i in 0..lines.len() {
        if decisions[i] != Decision::Keep {
            continue;
        }
        let (head, tail) = bounds.map_or((true, true), |(&first, &last)| (i < first, i > last));
        let hit = positional.iter().copied().find(|&r| {
            let in_region = match rules[r].region {
                Region::Head => head,
                Region::Tail => tail,
                Region::Edges => head || tail,
                Region::Anywhere => false,
            };
            in_region && matches(&rules[r], &cx, i)
        });
        if let Some(r) = hit {
            decisions[i] = Decision::Drop(r);
            if rules[r].action == Action::DropRest {
                for d in &mut decisions[i + 1..] {
                    if *d == Decision::Keep {
                        *d = Decision::Drop(r);
                    }
                }
                break;
            }
        }
    }
    decisions
}

/// Every line kept (blank lines as blank): the decisions of a rule set that drops nothing.
pub fn undecided<S: AsRef<str>>(lines: &[S]) -> Vec<Decision> {
    lines.iter().map(|l| if l.as_ref().is_empty() { Decision::Blank } else { Decision::Keep }).collect()
}

fn matches(rule: &Rule, cx: &Context<'_>, i: usize) -> bool {
    let view = cx.views[i];
    if rule.max_chars.is_some_and(|max| view.chars().count() > max) {
        return false;
    }
    match &rule.matcher {
        Matcher::Pattern(re) => re.is_match(view),
        Matcher::Literals(set) => set.contains(view),
        Matcher::Detector(d) => d.matches(cx, i),
    }
}

/// Whether a line reads as prose: long enough, mostly letters, with sentence punctuation.
pub fn is_prose(view: &str) -> bool {
    let (mut chars, mut letters, mut enders, mut commas) = (0usize, 0usize, 0usize, 0usize);
    for c in view.chars() {
        chars += 1;
        if c.is_alphabetic() {
            letters += 1;
        } else if matches!(c, '。' | '!' | '?' | ';' | '…') {
            enders += 1;
        } else if matches!(c, ',' | '、') {
            commas += 1;
        }
    }
    letters * 2 >= chars && ((chars >= 15 && enders >= 1) || (chars >= 50 && commas >= 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the property tests: without prose the first line was head but not tail, so a
    /// tail rule skipped it, and a leading blank line changed what was removed.
    #[test]
    fn without_prose_the_first_line_is_tail_too() {
        let rules = RuleSet::builtin().unwrap();
        let classify_text = |text: &str| {
            let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
            let views: Vec<String> = lines.iter().map(|l| crate::canon::view(l, None)).collect();
            let code = |d: &Decision| match d {
                Decision::Drop(r) => Some(rules.rules()[*r].code.clone()),
                _ => None,
            };
            classify(&lines, &views, &rules).iter().map(code).filter(Option::is_some).collect::<Vec<_>>()
        };
        let sponsor = "主办单位:中共湖南省委组织部\n的的的\n手机版";
        assert_eq!(classify_text(sponsor), vec![Some("FTR001".to_owned()); 3]);
        assert_eq!(classify_text(&format!("\n{sponsor}")), classify_text(sponsor));
    }

    #[test]
    fn prose() {
        assert!(is_prose("党的二十大对坚定不移全面从严治党作出全面部署。大会召开以来,各地认真学习。"));
        assert!(!is_prose("主办单位:中共阜阳市委组织部承办单位:阜阳市党员干部现代远程教育办公室"));
        assert!(!is_prose("根本固者,华实必茂。"));
        assert!(!is_prose("2024-05-09 22:27:02 来源:新华网。。。。。。。。"));
    }
}
