//! Classify: every canonical line gets keep or drop, and a drop names the rule that decided it.
//!
//! Position matters more than words. Lines that read as prose form blocks, and the main block is
//! the body (see `main_block`); the head is what lies before it and the tail what lies after.
//! `anywhere` rules run first, and a prose line they drop counts for no block; then head, tail
//! and edge rules act on the lines outside the body, and never remove prose.

use std::cell::OnceCell;
use std::sync::LazyLock;

use memchr::memmem;

use crate::rules::detect::PlaceCount;
use crate::rules::{Action, Context, Facts, Matcher, PatternSet, Region, Rule, RuleSet};

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
pub fn classify<L: AsRef<str>, V: AsRef<str>>(lines: &[L], views: &[V], rules: &RuleSet) -> Vec<Decision> {
    classify_counted(lines, views, views.iter().map(|_| OnceCell::new()).collect(), rules)
}

/// [`classify`], with the place counts that the views' walk found (see `canon::view_items`),
/// by line; lines without one are counted when a rule asks.
pub(crate) fn classify_counted<L: AsRef<str>, V: AsRef<str>>(lines: &[L], views: &[V], places: Vec<OnceCell<PlaceCount>>, rules: &RuleSet) -> Vec<Decision> {
    let mut decisions = vec![Decision::Blank; lines.len()];
    let mut left: Vec<usize> = (0..lines.len()).collect();
    let (prose, chars): (Vec<bool>, Vec<usize>) = views.iter().map(|v| read(v.as_ref())).unzip();
    let mut memo = Memo::new(rules, prose);
    let facts = Facts::counted(views, chars, places);
    for _ in 0..MAX_PASSES {
        let sub_lines: Vec<&str> = left.iter().map(|&i| lines[i].as_ref()).collect();
        let sub_views: Vec<&str> = left.iter().map(|&i| views[i].as_ref()).collect();
        let pass = classify_once(&sub_lines, &sub_views, &left, rules, &mut memo, &facts);
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

/// What the passes share: whether each line is prose, and the answers of the rules that look at
/// the line alone (patterns, literals and the detectors that ignore neighbours), which do not
/// change from pass to pass. The first pattern rule of a set asked of a line answers the others
/// of its set too, from one search (see `PatternSet`).
struct Memo<'a> {
    prose: Vec<bool>,
    /// `answers[i * rules.len() + r]`: rule `r` on line `i`, once asked (a line's answers side
    /// by side, as they are asked).
    answers: Vec<Option<bool>>,
    rules: &'a [Rule],
    patterns: &'a PatternSet,
}

impl<'a> Memo<'a> {
    fn new(rules: &'a RuleSet, prose: Vec<bool>) -> Memo<'a> {
        Memo {
            answers: vec![None; rules.rules().len() * prose.len()],
            prose,
            rules: rules.rules(),
            patterns: rules.pattern_set(),
        }
    }

    /// Rule `r` on line `i` of the pass, which is line `id` of the document.
    fn matches(&mut self, r: usize, cx: &Context<'_>, i: usize, id: usize) -> bool {
        let rule = &self.rules[r];
        if !rule.is_line_only() {
            return matches(rule, cx, i);
        }
        let row = id * self.rules.len();
        if let Some(answer) = self.answers[row + r] {
            return answer;
        }
        if let Some(hits) = self.patterns.search(r, cx.views[i]) {
            let chars = cx.chars(i);
            for (other, hit) in hits {
                self.answers[row + other] = Some(hit && fits(&self.rules[other], chars));
            }
            return self.answers[row + r] == Some(true);
        }
        let answer = matches(rule, cx, i);
        self.answers[row + r] = Some(answer);
        answer
    }
}

fn classify_once(lines: &[&str], views: &[&str], ids: &[usize], set: &RuleSet, memo: &mut Memo, facts: &Facts) -> Vec<Decision> {
    let (rules, stages) = (set.rules(), set.stages());
    let mut decisions = undecided(lines);
    let no_drops = vec![None; lines.len()];
    let prose: Vec<bool> = ids.iter().map(|&id| memo.prose[id]).collect();
    let cx = Context::new(lines, views, ids, facts, &no_drops, &prose);

    for (i, d) in decisions.iter_mut().enumerate() {
        if *d == Decision::Keep {
            if let Some(&r) = stages.anywhere.iter().find(|&&r| memo.matches(r, &cx, i, ids[i])) {
                *d = Decision::Drop(r);
            }
        }
    }

    let prose: Vec<bool> = (0..lines.len()).map(|i| decisions[i] == Decision::Keep && prose[i]).collect();
    let cx = Context::new(lines, views, ids, facts, &no_drops, &prose);
    // No prose at all: every line is both head and tail.
    let body = main_block(&prose, &decisions, |i| cx.chars(i));
    let in_region = |r: usize, i: usize| {
        let (head, tail) = body.map_or((true, true), |(first, last)| (i < first, i > last));
        match rules[r].region {
            Region::Head => head,
            Region::Tail => tail,
            Region::Edges => head || tail,
            Region::Anywhere => true,
        }
    };
    for i in 0..lines.len() {
        // Positional rules never remove prose, wherever it stands.
        if decisions[i] != Decision::Keep || prose[i] {
            continue;
        }
        let hit = stages.positional.iter().copied().find(|&r| in_region(r, i) && memo.matches(r, &cx, i, ids[i]));
        if let Some(r) = hit {
            decisions[i] = Decision::Drop(r);
            match rules[r].action {
                Action::DropLine => {}
                // A footer marker takes the rest of the document with it, unless prose follows.
                Action::DropRest if !prose[i + 1..].contains(&true) => {
                    for d in &mut decisions[i + 1..] {
                        if *d == Decision::Keep {
                            *d = Decision::Drop(r);
                        }
                    }
                    break;
                }
                Action::DropRest => {}
                // A list header takes its list. The list ends where the body begins, at a
                // paragraph (two prose lines in a row) and at prose right under the header; a
                // teaser's lone sentence between its title and date does not end it.
                Action::DropBlock => {
                    let end = body.map_or(lines.len(), |(first, _)| if i < first { first } else { lines.len() });
                    let mut items = 0;
                    for j in i + 1..end {
                        if decisions[j] != Decision::Keep {
                            continue;
                        }
                        let next_is_prose =
                            (j + 1..lines.len()).find(|&k| decisions[k] == Decision::Keep).is_some_and(|k| prose[k]);
                        if prose[j] && (items == 0 || next_is_prose) {
                            break;
                        }
                        items += 1;
                        decisions[j] = Decision::Drop(r);
                    }
                }
            }
        }
    }

    // Context rules last, on what the others dropped.
    let dropped: Vec<Option<&str>> =
        decisions.iter().map(|d| if let Decision::Drop(r) = d { Some(&*rules[*r].code) } else { None }).collect();
    let cx = Context::new(lines, views, ids, facts, &dropped, &prose);
    for i in 0..lines.len() {
        if decisions[i] == Decision::Keep && !prose[i] {
            if let Some(r) = stages.contextual.iter().copied().find(|&r| in_region(r, i) && matches(&rules[r], &cx, i)) {
                decisions[i] = Decision::Drop(r);
            }
        }
    }
    decisions
}

/// Most non-prose lines between two prose lines of one block.
const MAX_GAP: usize = 6;

/// The main block of a document: prose lines with at most `MAX_GAP` other lines between
/// neighbours form a block, and the block with the most prose characters is the body. A prose
/// line next to another counts twice: an article is paragraphs in a row, while the prose of a
/// teaser list or a comment thread stands alone between titles, names and dates. `chars` gives a
/// line's characters. Returns the block's first and last line; `None` when there is no prose.
fn main_block(prose: &[bool], decisions: &[Decision], chars: impl Fn(usize) -> usize) -> Option<(usize, usize)> {
    let kept: Vec<usize> = (0..prose.len()).filter(|&i| decisions[i] == Decision::Keep).collect();
    let mut best: Option<(usize, usize, usize)> = None; // (first, last, weight)
    let mut current: Option<(usize, usize, usize)> = None;
    let mut gap = 0;
    for (k, &i) in kept.iter().enumerate() {
        if !prose[i] {
            gap += 1;
            continue;
        }
        let paired = (k > 0 && prose[kept[k - 1]]) || kept.get(k + 1).is_some_and(|&j| prose[j]);
        let weight = chars(i) * if paired { 2 } else { 1 };
        current = match current {
            Some((f, _, w)) if gap <= MAX_GAP => Some((f, i, w + weight)),
            _ => Some((i, i, weight)),
        };
        gap = 0;
        if best.is_none_or(|b| current.is_some_and(|c| c.2 > b.2)) {
            best = current;
        }
    }
    best.map(|(f, l, _)| (f, l))
}

/// Every line kept (blank lines as blank): the decisions of a rule set that drops nothing.
pub fn undecided<S: AsRef<str>>(lines: &[S]) -> Vec<Decision> {
    lines.iter().map(|l| if l.as_ref().is_empty() { Decision::Blank } else { Decision::Keep }).collect()
}

fn matches(rule: &Rule, cx: &Context<'_>, i: usize) -> bool {
    let view = cx.views[i];
    if !fits(rule, cx.chars(i)) {
        return false;
    }
    match &rule.matcher {
        Matcher::Pattern(re) => re.is_match(view),
        Matcher::Literals(set) => set.contains(view),
        Matcher::Detector(d) => d.matches(cx, i),
    }
}

/// Whether a line of `chars` characters is short enough for `rule`: too long is no match.
fn fits(rule: &Rule, chars: usize) -> bool {
    rule.max_chars.is_none_or(|max| chars <= max)
}

/// Whether a line reads as prose: long enough, mostly letters, with sentence punctuation.
pub fn is_prose(view: &str) -> bool {
    read(view).0
}

/// [`is_prose`], and the number of characters.
///
/// Most lines are decided by counts that run over bytes without branching on the text (and so
/// fast): the characters; a lower bound on the letters, the lead bytes E4..E9 of U+4000..U+9FFF,
/// all letters but the Yijing hexagrams (E4 B7 xx); and whether the punctuation occurs. Where the
/// bound is too low to decide, the line is read character by character.
fn read(view: &str) -> (bool, usize) {
    let bytes = view.as_bytes();
    let chars = view.chars().count();
    if chars < 15 {
        // Too short for prose, as `read_chars` decides.
        return (false, chars);
    }
    // Counted in byte-wide sums of at most 255, which the compiler keeps in vector lanes.
    let han: usize = bytes.chunks(255).map(|c| usize::from(c.iter().fold(0u8, |n, &b| n.wrapping_add(u8::from(b.wrapping_sub(0xE4) < 6))))).sum();
    // Built once: building a finder costs more than searching a line with it. E4 B7 starts the
    // Yijing hexagrams (U+4DC0..U+4DFF), which the count above takes for letters.
    static FIND: LazyLock<[memmem::Finder<'static>; 4]> =
        LazyLock::new(|| [&b"\xE4\xB7"[..], "。".as_bytes(), "…".as_bytes(), "、".as_bytes()].map(memmem::Finder::new));
    let [hexagram, full_stop, ellipsis, enumeration_comma] = &*FIND;
    let hexagrams = hexagram.find(bytes).is_some();
    if han * 2 >= chars && !hexagrams {
        let stop = memchr::memchr(b';', bytes).is_some() || full_stop.find(bytes).is_some();
        let mark = memchr::memchr2(b'!', b'?', bytes).is_some() || ellipsis.find(bytes).is_some();
        let commas = memchr::memchr_iter(b',', bytes).take(2).count() + enumeration_comma.find_iter(bytes).take(2).count();
        let prose = stop || (mark && commas >= 2) || (chars >= 50 && commas >= 2);
        return (prose, chars);
    }
    read_chars(view)
}

/// [`read`], a character at a time.
fn read_chars(view: &str) -> (bool, usize) {
    let (mut chars, mut letters, mut stops, mut marks, mut commas) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let bytes = view.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        chars += 1;
        let (c, width) = crate::canon::char_at(bytes, i);
        i += width;
        if is_letter(c) {
            letters += 1;
        } else if matches!(c, '。' | ';') {
            stops += 1;
        } else if matches!(c, '!' | '?' | '…') {
            marks += 1;
        } else if matches!(c, ',' | '、') {
            commas += 1;
        }
    }
    // A headline may end in ! or ?, and has few commas; a sentence has a full stop, or a
    // clause before its ! or ?.
    let prose = letters * 2 >= chars
        && ((chars >= 15 && (stops >= 1 || (marks >= 1 && commas >= 2))) || (chars >= 50 && commas >= 2));
    (prose, chars)
}

/// `char::is_alphabetic`, answered without a table lookup for ASCII, the CJK Unified Ideographs
/// block (all alphabetic) and the punctuation of Chinese text (none alphabetic).
fn is_letter(c: char) -> bool {
    match c {
        '\0'..='\u{7F}' => c.is_ascii_alphabetic(),
        '\u{4E00}'..='\u{9FFF}' => true,
        '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}' => false,
        _ => c.is_alphabetic(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts that decide most lines agree with reading character by character: code points
    /// in lines that are prose or nearly so, and every line of the seed documents.
    #[test]
    fn read_equals_read_chars() {
        let check = |s: &str| assert_eq!(read(s), read_chars(s), "{s:?}");
        let han = "党的二十大对坚定不移全面从严治党";
        // The BMP whole; beyond it every lead byte is F0..F4, which the counts treat alike.
        for c in (0..=0xFFFFu32).chain((0x10000..=0x10FFFF).step_by(97)).filter_map(char::from_u32) {
            let (c20, c40) = (c.to_string().repeat(20), c.to_string().repeat(40));
            for s in [
                format!("{han}{c}"),
                format!("{c}{han}。"),
                format!("{han}{c20}。"),
                format!("{c20}{han},,"),
                format!("{c40}{han}、!,"),
            ] {
                check(&s);
            }
        }
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
        for entry in std::fs::read_dir(seeds).unwrap() {
            let Ok(text) = std::fs::read_to_string(entry.unwrap().path()) else { continue };
            text.lines().for_each(check);
        }
        for k in 10..60 {
            check(&format!("{}。", "字".repeat(k)));
            check(&format!("{},、", "字".repeat(k)));
        }
        for s in ["这是一个很长的标题但是没有任何标点符号在这里面", "短句。", "这是一个很长的句子,有逗号、顿号!还有感叹号", "abc def ghi jkl mno。"] {
            check(s);
        }
    }

    /// Found by the property tests: without prose the first line was head but not tail, so a
    /// tail rule skipped it, and a leading blank line changed what was removed.
    #[test]
    fn without_prose_the_first_line_is_tail_too() {
        let rules = RuleSet::builtin().unwrap();
        let classify_text = |text: &str| {
            let lines: Vec<&str> = text.split('\n').collect();
            let views: Vec<_> = lines.iter().map(|l| crate::canon::view(l, None)).collect();
            let code = |d: &Decision| match d {
                Decision::Drop(r) => Some(rules.rules()[*r].code.to_string()),
                _ => None,
            };
            classify(&lines, &views, &rules).iter().map(code).filter(Option::is_some).collect::<Vec<_>>()
        };
        let sponsor = "主办单位:中共湖南省委组织部\n的的的\n手机版";
        assert_eq!(classify_text(sponsor), vec![Some("FTR001".to_owned()); 3]);
        assert_eq!(classify_text(&format!("\n{sponsor}")), classify_text(sponsor));
    }

    #[test]
    fn letters_as_alphabetic() {
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn prose() {
        assert!(is_prose("党的二十大对坚定不移全面从严治党作出全面部署。大会召开以来,各地认真学习。"));
        assert!(!is_prose("主办单位:中共阜阳市委组织部承办单位:阜阳市党员干部现代远程教育办公室"));
        assert!(!is_prose("根本固者,华实必茂。"));
        assert!(!is_prose("2024-05-09 22:27:02 来源:新华网。。。。。。。。"));
    }
}
