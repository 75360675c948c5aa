//! Detectors: matchers that need code rather than a regex. Rule files switch them on and tune them
//! with `detector = "NAME"` and a `[rule.params]` table.

use std::cell::OnceCell;
use foldhash::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::canon::is_list_separator;

/// The gazetteer of Chinese administrative divisions (`rules/places.txt`, CC0).
static PLACES: LazyLock<Gazetteer> = LazyLock::new(|| {
    Gazetteer::new(include_str!("../../rules/places.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')))
});

/// Place names, with what rules out most other strings before they are hashed: the length of the
/// longest name, and one bit per name set in a table by the name's length and first and last
/// bytes (a string whose bit is clear is no name; under a tenth of the bits are set, so few other
/// strings find theirs set and are looked up).
struct Gazetteer {
    names: HashSet<&'static str>,
    longest: usize,
    bits: Vec<u64>,
}

impl Gazetteer {
    fn new(names: impl Iterator<Item = &'static str>) -> Gazetteer {
        let names: HashSet<&str> = names.collect();
        let mut bits = vec![0u64; 1 << 10];
        for name in &names {
            let b = Gazetteer::bit(name);
            bits[b / 64] |= 1 << (b % 64);
        }
        Gazetteer { longest: names.iter().map(|n| n.len()).max().unwrap_or(0), names, bits }
    }

    /// The bit of a non-empty string, from 0 to 2^16.
    fn bit(s: &str) -> usize {
        let b = s.as_bytes();
        let at = |i: usize| u32::from(b[i.min(b.len() - 1)]);
        let (n, last) = (b.len(), b.len() - 1);
        let head = at(0) << 16 | at(1) << 8 | at(2);
        let tail = at(last.saturating_sub(2)) << 16 | at(last.saturating_sub(1)) << 8 | at(last);
        let h = head.wrapping_mul(0x9E37_79B1) ^ tail.wrapping_mul(0x85EB_CA77) ^ (n as u32).wrapping_mul(0xC2B2_AE3D);
        (h >> 16) as usize
    }

    fn contains(&self, s: &str) -> bool {
        if s.is_empty() || s.len() > self.longest {
            return false;
        }
        let b = Gazetteer::bit(s);
        self.bits[b / 64] >> (b % 64) & 1 == 1 && self.names.contains(s)
    }
}

/// What is asked about each line of a document again and again, pass after pass: counted once,
/// or on first use.
pub struct Facts {
    /// Characters in each view.
    chars: Vec<usize>,
    /// Whether each view carries data (see [`is_data_line`]), answered on first use.
    data: Vec<OnceCell<bool>>,
    /// For each view, the number of the first view equal to it: lines with the same view have the
    /// same copy number.
    copies: Vec<usize>,
    /// Each line's list items and place names among them, given or counted on first use.
    places: Vec<OnceCell<PlaceCount>>,
}

impl Facts {
    /// From the views of a document's lines and their numbers of characters.
    pub fn new<S: AsRef<str>>(views: &[S], chars: Vec<usize>) -> Facts {
        Facts::counted(views, chars, views.iter().map(|_| OnceCell::new()).collect())
    }

    /// [`Facts::new`], with each line's place count where the view's walk gave one (see
    /// `canon::view_items`).
    pub(crate) fn counted<S: AsRef<str>>(views: &[S], chars: Vec<usize>, places: Vec<OnceCell<PlaceCount>>) -> Facts {
        let mut first: HashMap<&str, usize> = HashMap::default();
        let copies = views.iter().enumerate().map(|(i, v)| *first.entry(v.as_ref()).or_insert(i)).collect();
        Facts { chars, data: views.iter().map(|_| OnceCell::new()).collect(), copies, places }
    }
}

/// A line's list items (see `canon::is_list_separator`) and how many of them are place names.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaceCount {
    items: usize,
    places: usize,
}

impl PlaceCount {
    /// Counts one more item.
    pub(crate) fn add(&mut self, item: &str) {
        self.items += 1;
        self.places += usize::from(PLACES.contains(item));
    }

    /// For lines whose view did not hand their items on (see `canon::view_items`).
    fn of(line: &str) -> PlaceCount {
        let mut count = PlaceCount::default();
        items(line).for_each(|item| count.add(item));
        count
    }
}

/// The list items of `line`: the non-empty pieces between separators.
fn items(line: &str) -> impl Iterator<Item = &str> {
    line.split(is_list_separator).filter(|item| !item.is_empty())
}

/// What a detector sees of the document: in each pass, the lines not yet dropped.
pub struct Context<'a> {
    /// Canonical lines.
    pub lines: &'a [&'a str],
    /// Matching views of the same lines.
    pub views: &'a [&'a str],
    /// Where each line stands in the document (its index in `facts`).
    ids: &'a [usize],
    facts: &'a Facts,
    /// The code of the rule that dropped each line, if any (seen only by context detectors,
    /// which run after the other rules).
    pub dropped: &'a [Option<&'a str>],
    /// Whether each line reads as prose (and was not dropped as boilerplate anywhere).
    pub prose: &'a [bool],
    /// Whether any line is prose.
    pub has_prose: bool,
    /// For each copy number (see [`Facts`]), how many lines of this pass have it and where the
    /// first of them is; counted on first use.
    copies: OnceCell<Vec<(usize, usize)>>,
}

impl<'a> Context<'a> {
    pub fn new(
        lines: &'a [&'a str],
        views: &'a [&'a str],
        ids: &'a [usize],
        facts: &'a Facts,
        dropped: &'a [Option<&'a str>],
        prose: &'a [bool],
    ) -> Context<'a> {
        Context { lines, views, ids, facts, dropped, prose, has_prose: prose.contains(&true), copies: OnceCell::new() }
    }

    /// Characters in the view of line `i`.
    pub fn chars(&self, i: usize) -> usize {
        self.facts.chars[self.ids[i]]
    }

    fn places(&self, i: usize) -> PlaceCount {
        *self.facts.places[self.ids[i]].get_or_init(|| PlaceCount::of(self.lines[i]))
    }

    fn is_data(&self, i: usize) -> bool {
        *self.facts.data[self.ids[i]].get_or_init(|| is_data_line(self.views[i]))
    }

    /// How many lines of this pass have the view of line `i`, and the first of them.
    fn copies(&self, i: usize) -> (usize, usize) {
        let copies = self.copies.get_or_init(|| {
            let mut copies = vec![(0, usize::MAX); self.facts.copies.len()];
            for (j, &id) in self.ids.iter().enumerate() {
                let (count, first) = &mut copies[self.facts.copies[id]];
                if *count == 0 {
                    *first = j;
                }
                *count += 1;
            }
            copies
        });
        copies[self.facts.copies[self.ids[i]]]
    }
}

/// A named detector with its parameters.
#[derive(Debug, Clone)]
pub enum Detector {
    /// A line that is a list of place names (`潮州市| 潞城市| 南部县| …`), SEO spam.
    PlaceList(PlaceList),
    /// A line of nothing but numbers (`1 1 1`, a stray page number).
    StrayNumber(StrayNumber),
    /// A short line that repeats an earlier line exactly (a title or menu shown twice).
    RepeatedLine(RepeatedLine),
    /// A line that occurs again and again in the document (a widget caption under every item).
    RecurringLine(RecurringLine),
    /// A short line among other short lines (a menu rendered one item per line).
    ShortRun(ShortRun),
    /// A line of many short items separated by spaces or bars (a link list on one line).
    LinkList(LinkList),
    /// A headline among other headlines: a run of medium-length lines without a full stop (a list
    /// of article links).
    HeadlineRun(HeadlineRun),
    /// A line with no prose near it: outside the article, text comes in paragraphs, and what
    /// stands far from any is menus, lists and widgets.
    FarFromProse(FarFromProse),
    /// A title-like line between two dropped lines (a link title in a list of dropped stamps and
    /// counters). Runs after the other rules, on what they dropped.
    Sandwiched(Sandwiched),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Sandwiched {
    /// Longest line (characters of the view) taken.
    pub max_chars: usize,
    /// Codes of the rules that must have dropped the line above (any rule when empty).
    pub above: Vec<String>,
    /// Codes of the rules that must have dropped the line below (any rule when empty).
    pub below: Vec<String>,
}

impl Default for Sandwiched {
    fn default() -> Sandwiched {
        Sandwiched { max_chars: 40, above: Vec::new(), below: Vec::new() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FarFromProse {
    /// Non-blank lines looked at on each side.
    pub distance: usize,
}

impl Default for FarFromProse {
    fn default() -> FarFromProse {
        FarFromProse { distance: 3 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepeatedLine {
    /// Longest line (characters of the view) taken for a repeat; longer repeats are left alone.
    pub max_chars: usize,
}

impl Default for RepeatedLine {
    fn default() -> RepeatedLine {
        RepeatedLine { max_chars: 12 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecurringLine {
    /// Fewest occurrences in the document.
    pub min_count: usize,
    /// Longest line (characters of the view) taken.
    pub max_chars: usize,
}

impl Default for RecurringLine {
    fn default() -> RecurringLine {
        RecurringLine { min_count: 3, max_chars: 60 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShortRun {
    /// Longest line (characters of the view) counted as short.
    pub max_chars: usize,
    /// Fewest short lines in a row (blank lines do not break a run).
    pub min_run: usize,
}

impl Default for ShortRun {
    fn default() -> ShortRun {
        ShortRun { max_chars: 10, min_run: 3 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct HeadlineRun {
    /// Shortest headline (characters of the view).
    pub min_chars: usize,
    /// Longest headline.
    pub max_chars: usize,
    /// Fewest headlines in a row (blank lines do not break a run).
    pub min_run: usize,
}

impl Default for HeadlineRun {
    fn default() -> HeadlineRun {
        HeadlineRun { min_chars: 8, max_chars: 40, min_run: 4 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LinkList {
    /// Fewest items.
    pub min_items: usize,
    /// Longest item (characters).
    pub max_item_chars: usize,
}

impl Default for LinkList {
    fn default() -> LinkList {
        LinkList { min_items: 4, max_item_chars: 8 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PlaceList {
    /// At least this many list items.
    pub min_items: usize,
    /// At least this share of the items are place names.
    pub min_share: f64,
}

impl Default for PlaceList {
    fn default() -> PlaceList {
        PlaceList { min_items: 6, min_share: 0.7 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct StrayNumber {
    /// Longest line (characters) taken for a stray number.
    pub max_chars: usize,
}

impl Default for StrayNumber {
    fn default() -> StrayNumber {
        StrayNumber { max_chars: 12 }
    }
}

impl Detector {
    /// Builds a detector from its name and `[rule.params]`.
    pub(super) fn new(name: &str, params: Option<toml::Table>) -> Result<Detector, String> {
        let params = params.unwrap_or_default();
        let bad = |e: toml::de::Error| format!("bad params for detector {name}: {}", e.message().trim_end());
        match name {
            "place-list" => {
                let p: PlaceList = params.try_into().map_err(bad)?;
                if p.min_items < 2 || !(0.0..=1.0).contains(&p.min_share) {
                    return Err("place-list needs min-items >= 2 and min-share in 0..=1".into());
                }
                Ok(Detector::PlaceList(p))
            }
            "stray-number" => Ok(Detector::StrayNumber(params.try_into().map_err(bad)?)),
            "repeated-line" => Ok(Detector::RepeatedLine(params.try_into().map_err(bad)?)),
            "recurring-line" => {
                let p: RecurringLine = params.try_into().map_err(bad)?;
                if p.min_count < 2 {
                    return Err("recurring-line needs min-count >= 2".into());
                }
                Ok(Detector::RecurringLine(p))
            }
            "short-run" => {
                let p: ShortRun = params.try_into().map_err(bad)?;
                if p.min_run < 2 {
                    return Err("short-run needs min-run >= 2".into());
                }
                Ok(Detector::ShortRun(p))
            }
            "link-list" => {
                let p: LinkList = params.try_into().map_err(bad)?;
                if p.min_items < 2 {
                    return Err("link-list needs min-items >= 2".into());
                }
                Ok(Detector::LinkList(p))
            }
            "headline-run" => {
                let p: HeadlineRun = params.try_into().map_err(bad)?;
                if p.min_run < 2 || p.min_chars > p.max_chars {
                    return Err("headline-run needs min-run >= 2 and min-chars <= max-chars".into());
                }
                Ok(Detector::HeadlineRun(p))
            }
            "sandwiched" => Ok(Detector::Sandwiched(params.try_into().map_err(bad)?)),
            "far-from-prose" => Ok(Detector::FarFromProse(params.try_into().map_err(bad)?)),
            _ => Err(format!(
                "unknown detector `{name}` (known: place-list, stray-number, repeated-line, recurring-line, short-run, link-list, headline-run, far-from-prose, sandwiched)"
            )),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Detector::PlaceList(p) => format!("place-list (min-items {}, min-share {})", p.min_items, p.min_share),
            Detector::StrayNumber(p) => format!("stray-number (max-chars {})", p.max_chars),
            Detector::RepeatedLine(p) => format!("repeated-line (max-chars {})", p.max_chars),
            Detector::RecurringLine(p) => format!("recurring-line (min-count {}, max-chars {})", p.min_count, p.max_chars),
            Detector::ShortRun(p) => format!("short-run (max-chars {}, min-run {})", p.max_chars, p.min_run),
            Detector::LinkList(p) => format!("link-list (min-items {}, max-item-chars {})", p.min_items, p.max_item_chars),
            Detector::HeadlineRun(p) => {
                format!("headline-run (min-chars {}, max-chars {}, min-run {})", p.min_chars, p.max_chars, p.min_run)
            }
            Detector::FarFromProse(p) => format!("far-from-prose (distance {})", p.distance),
            Detector::Sandwiched(p) => {
                format!("sandwiched (max-chars {}, above {:?}, below {:?})", p.max_chars, p.above, p.below)
            }
        }
    }

    /// Whether the detector judges a line by what the other rules dropped around it.
    pub fn is_contextual(&self) -> bool {
        matches!(self, Detector::Sandwiched(_))
    }

    /// Whether the detector looks at nothing but the line.
    pub fn is_line_only(&self) -> bool {
        matches!(self, Detector::PlaceList(_) | Detector::StrayNumber(_) | Detector::LinkList(_))
    }

    /// Whether line `i` matches.
    pub fn matches(&self, cx: &Context<'_>, i: usize) -> bool {
        match self {
            Detector::PlaceList(p) => is_place_list(cx.places(i), p),
            Detector::StrayNumber(p) => is_stray_number(cx.views[i], cx.chars(i), p.max_chars),
            Detector::RepeatedLine(p) => {
                let v = cx.views[i];
                !v.is_empty() && cx.chars(i) <= p.max_chars && !cx.is_data(i) && cx.copies(i).1 < i
            }
            Detector::RecurringLine(p) => {
                let v = cx.views[i];
                !v.is_empty() && cx.chars(i) <= p.max_chars && !cx.is_data(i) && cx.copies(i).0 >= p.min_count
            }
            Detector::ShortRun(p) => in_run(cx, i, p.min_run, |j| is_short(cx, j, p.max_chars)),
            Detector::HeadlineRun(p) => in_run(cx, i, p.min_run, |j| {
                (p.min_chars..=p.max_chars).contains(&cx.chars(j)) && !cx.views[j].contains('。') && !cx.is_data(j)
            }),
            Detector::LinkList(p) => is_link_list(cx.lines[i], p),
            Detector::FarFromProse(p) => {
                let near = |iter: &mut dyn Iterator<Item = usize>| {
                    iter.filter(|&j| !cx.views[j].is_empty()).take(p.distance).any(|j| cx.prose[j])
                };
                // Without prose anywhere, nothing is far from it: the document is all list.
                cx.has_prose
                    && !cx.views[i].is_empty()
                    && !cx.prose[i]
                    && !near(&mut (0..i).rev())
                    && !near(&mut (i + 1..cx.views.len()))
            }
            Detector::Sandwiched(p) => {
                let v = cx.views[i];
                let dropped_by = |j: Option<usize>, codes: &[String]| {
                    j.and_then(|j| cx.dropped[j]).is_some_and(|code| codes.is_empty() || codes.iter().any(|c| c == code))
                };
                let above = (0..i).rev().find(|&j| !cx.views[j].is_empty());
                let below = (i + 1..cx.views.len()).find(|&j| !cx.views[j].is_empty());
                // Titles may carry commas and question marks; a full stop makes a sentence.
                cx.chars(i) <= p.max_chars
                    && !v.ends_with('。')
                    && !cx.is_data(i)
                    && dropped_by(above, &p.above)
                    && dropped_by(below, &p.below)
            }
        }
    }
}

/// Sentence punctuation marks a line as text, however short.
fn has_sentence_end(view: &str) -> bool {
    view.contains(['。', '!', '?', ';', '…', ','])
}

fn is_short(cx: &Context<'_>, i: usize, max_chars: usize) -> bool {
    !cx.views[i].is_empty() && cx.chars(i) <= max_chars && !has_sentence_end(cx.views[i]) && !cx.is_data(i)
}

/// A line that carries data rather than a link text: a field with a number (`成人票原价：120元`)
/// or a numbered list item (`7、上海海洋水族馆`, `(3) …`, `二、…`). Menus have neither.
fn is_data_line(view: &str) -> bool {
    static DATA: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d+[、.)]|\([\d一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)|[^\d\s:]:[^:]*\d").expect("valid regex")
    });
    DATA.is_match(view)
}

/// Whether line `i` is of a kind (`is`, asked by line) and lies in a run of at least `min_run`
/// such lines; looks at most `min_run - 1` non-blank lines each way, so the work per line is
/// bounded.
fn in_run(cx: &Context<'_>, i: usize, min_run: usize, is: impl Fn(usize) -> bool) -> bool {
    if !is(i) {
        return false;
    }
    let side = |iter: &mut dyn Iterator<Item = usize>| {
        iter.filter(|&j| !cx.views[j].is_empty()).take(min_run - 1).take_while(|&j| is(j)).count()
    };
    let before = side(&mut (0..i).rev());
    let after = side(&mut (i + 1..cx.views.len()));
    before + after + 1 >= min_run
}

fn is_link_list(line: &str, p: &LinkList) -> bool {
    // Stops as soon as an item grows too long: prose is one long item.
    let (mut items, mut item_chars) = (0, 0);
    for c in line.chars() {
        if matches!(c, '|' | '｜' | '·' | '•' | '/') || c.is_whitespace() {
            items += usize::from(item_chars > 0);
            item_chars = 0;
        } else if item_chars == p.max_item_chars {
            return false;
        } else {
            item_chars += 1;
        }
    }
    items += usize::from(item_chars > 0);
    items >= p.min_items && !line.contains(['。', '！', '？', '，', '；', '!', '?', ',', ';'])
}

fn is_place_list(count: PlaceCount, p: &PlaceList) -> bool {
    count.items >= p.min_items && count.places as f64 >= p.min_share * count.items as f64
}

/// A view of `chars` characters that is digits with at most spacing and punctuation between.
fn is_stray_number(view: &str, chars: usize, max_chars: usize) -> bool {
    chars <= max_chars
        && view.chars().any(|c| c.is_ascii_digit())
        && view.chars().all(|c| c.is_ascii_digit() || " .,/-:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place_list(line: &str) -> bool {
        is_place_list(PlaceCount::of(line), &PlaceList { min_items: 6, min_share: 0.7 })
    }

    #[test]
    fn place_lists() {
        assert!(place_list("潮州市| 潞城市| 南部县| 怀仁县| 如皋市| 平利县| 朝阳市| 宽甸| 黔南"));
        assert!(place_list("北京 上海 广州 深圳 杭州 南京 苏州"));
        assert!(!place_list("我们去了北京、上海和广州，看到了很多新的变化。"));
        assert!(!place_list("北京、上海、广州"));
    }

    #[test]
    fn gazetteer_filter_passes_every_name() {
        assert!(PLACES.names.len() > 5000);
        assert!(PLACES.names.iter().all(|n| PLACES.contains(n)));
        let set = PLACES.bits.iter().map(|w| w.count_ones()).sum::<u32>();
        assert!(set < (1 << 16) / 10, "{set} bits of 65536 set: the filter rules out too little");
        assert!(!PLACES.contains("") && !PLACES.contains("北京市市") && !PLACES.contains(&"市".repeat(40)));
    }

    #[test]
    fn short_runs() {
        let p = ShortRun { max_chars: 10, min_run: 3 };
        let in_short_run = |views: &[&str], i: usize| {
            let (ids, facts): (Vec<usize>, _) = ((0..views.len()).collect(), Facts::new(views, views.iter().map(|v| v.chars().count()).collect()));
            let (dropped, prose) = (vec![None; views.len()], vec![false; views.len()]);
            let cx = Context::new(views, views, &ids, &facts, &dropped, &prose);
            in_run(&cx, i, p.min_run, |j| is_short(&cx, j, p.max_chars))
        };
        let views = ["首页", "", "新闻", "体育", "这是一段很长的正文内容，超过了十个字符。", "关于我们"];
        assert!(in_short_run(&views, 0));
        assert!(in_short_run(&views, 3));
        assert!(!in_short_run(&views, 4));
        assert!(!in_short_run(&views, 5));
        assert!(!in_short_run(&["谢谢。", "好的。", "再见。"], 1));
    }

    #[test]
    fn link_lists() {
        let p = LinkList { min_items: 4, max_item_chars: 8 };
        assert!(is_link_list("新华每日电讯 经济参考 瞭望 半月谈 中证报 上证报", &p));
        assert!(is_link_list("关于 / RubyConf / Ruby 镜像 / 活跃会员", &p));
        assert!(!is_link_list("李强在新疆调研时强调 彰显特色优势 提高开放水平 在高质量发展中增进民生福祉", &p));
        assert!(!is_link_list("我 爱 北京 天安门，天安门 上 太阳 升。", &p));
    }

    /// The view's walk hands on the same items as the split, for every line it walks: the seeds'
    /// lines, and lines made of each separator and other characters that stop the walk.
    #[test]
    fn the_view_hands_on_the_items() {
        let seeds = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seeds")).unwrap();
        let texts: Vec<String> = seeds.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok()).collect();
        let mut lines: Vec<String> = texts.iter().flat_map(|t| t.lines()).map(str::to_owned).collect();
        lines.extend(["", "|", "a|b", "|a||b|", "北京，上海 广州\u{3000}深圳·", "中文|", "  x  ", "黨·政", "“北京”，上海。", "甲、乙；丙/丁｜戊,己;庚\u{A0}辛", "甲、乙；丙/丁｜戊,己;庚 辛"].map(str::to_owned));
        for sep in ['|', '｜', ',', '，', '、', ';', '；', '/', '·', ' ', '\u{3000}', '\u{2003}', '\u{A0}', '。', 'Ａ', '\t'] {
            lines.push(format!("{sep}北京{sep}{sep}上海 广州{sep}A{sep}"));
            lines.push(format!("潮州市{sep}潞城市{sep}南部县{sep}怀仁县{sep}如皋市{sep}平利县"));
        }
        let (mut walked, mut total) = (0, 0);
        for line in &lines {
            let mut handed = Vec::new();
            let (view, all) = crate::canon::view_items(line, None, |item| handed.push(item));
            assert_eq!(view, crate::canon::view(line, None));
            total += 1;
            if all {
                walked += 1;
                assert_eq!(handed, items(line).collect::<Vec<_>>(), "{line:?}");
            }
        }
        assert!(walked * 10 > total * 9, "{walked} of {total} lines walked");
    }

    #[test]
    fn stray_numbers() {
        let stray = |view: &str| is_stray_number(view, view.chars().count(), 12);
        assert!(stray("1 1 1"));
        assert!(stray("1"));
        assert!(!stray("第1页"));
        assert!(!stray("2023年"));
        assert!(!stray("1234567890123"));
    }
}
