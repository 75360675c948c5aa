//! Detectors: matchers that need code rather than a regex. Rule files switch them on and tune them
//! with `detector = "NAME"` and a `[rule.params]` table.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Deserialize;

/// The gazetteer of Chinese administrative divisions (`rules/places.txt`, CC0).
static PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../rules/places.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
});

/// What a detector sees of the document.
pub struct Context<'a> {
    /// Canonical lines.
    pub lines: &'a [&'a str],
    /// Matching views of the same lines.
    pub views: &'a [&'a str],
}

/// A named detector with its parameters.
#[derive(Debug, Clone)]
pub enum Detector {
    /// A line that is a list of place names (`潮州市| 潞城市| 南部县| …`), SEO spam.
    PlaceList(PlaceList),
    /// A line of nothing but numbers (`1 1 1`, a stray page number).
    StrayNumber(StrayNumber),
    /// A line that repeats an earlier non-blank line exactly (a title shown twice).
    RepeatedLine,
    /// A short line among other short lines (a menu rendered one item per line).
    ShortRun(ShortRun),
    /// A line of many short items separated by spaces or bars (a link list on one line).
    LinkList(LinkList),
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
            "repeated-line" => {
                if !params.is_empty() {
                    return Err("repeated-line takes no params".into());
                }
                Ok(Detector::RepeatedLine)
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
            _ => Err(format!(
                "unknown detector `{name}` (known: place-list, stray-number, repeated-line, short-run, link-list)"
            )),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Detector::PlaceList(p) => format!("place-list (min-items {}, min-share {})", p.min_items, p.min_share),
            Detector::StrayNumber(p) => format!("stray-number (max-chars {})", p.max_chars),
            Detector::RepeatedLine => "repeated-line".into(),
            Detector::ShortRun(p) => format!("short-run (max-chars {}, min-run {})", p.max_chars, p.min_run),
            Detector::LinkList(p) => format!("link-list (min-items {}, max-item-chars {})", p.min_items, p.max_item_chars),
        }
    }

    /// Whether line `i` matches.
    pub fn matches(&self, cx: &Context<'_>, i: usize) -> bool {
        match self {
            Detector::PlaceList(p) => is_place_list(cx.lines[i], p),
            Detector::StrayNumber(p) => is_stray_number(cx.views[i], p.max_chars),
            Detector::RepeatedLine => {
                let v = cx.views[i];
                !v.is_empty() && cx.views[..i].contains(&v)
            }
            Detector::ShortRun(p) => in_short_run(cx.views, i, p),
            Detector::LinkList(p) => is_link_list(cx.lines[i], p),
        }
    }
}

/// Sentence punctuation marks a line as text, however short.
fn has_sentence_end(view: &str) -> bool {
    view.contains(['。', '!', '?', ';', '…', ','])
}

fn is_short(view: &str, max_chars: usize) -> bool {
    !view.is_empty() && view.chars().count() <= max_chars && !has_sentence_end(view)
}

/// Whether line `i` is short and lies in a run of at least `min_run` short lines; looks at most
/// `min_run - 1` non-blank lines each way, so the work per line is bounded.
fn in_short_run(views: &[&str], i: usize, p: &ShortRun) -> bool {
    if !is_short(views[i], p.max_chars) {
        return false;
    }
    let side = |iter: &mut dyn Iterator<Item = &&str>| {
        iter.filter(|v| !v.is_empty()).take(p.min_run - 1).take_while(|v| is_short(v, p.max_chars)).count()
    };
    let before = side(&mut views[..i].iter().rev());
    let after = side(&mut views[i + 1..].iter());
    before + after + 1 >= p.min_run
}

fn is_link_list(line: &str, p: &LinkList) -> bool {
    let items: Vec<&str> = line.split(|c: char| matches!(c, '|' | '｜' | '·' | '•' | '/') || c.is_whitespace()).filter(|s| !s.is_empty()).collect();
    items.len() >= p.min_items
        && items.iter().all(|s| s.chars().count() <= p.max_item_chars)
        && !line.contains(['。', '！', '？', '，', '；', '!', '?', ',', ';'])
}

fn is_place_list(line: &str, p: &PlaceList) -> bool {
    let items: Vec<&str> = line
        .split(|c: char| matches!(c, '|' | '｜' | ',' | '，' | '、' | ';' | '；' | '/' | '·') || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() < p.min_items {
        return false;
    }
    let places = items.iter().filter(|s| PLACES.contains(*s)).count();
    places as f64 >= p.min_share * items.len() as f64
}

fn is_stray_number(view: &str, max_chars: usize) -> bool {
    view.chars().count() <= max_chars
        && view.chars().any(|c| c.is_ascii_digit())
        && view.chars().all(|c| c.is_ascii_digit() || " .,/-:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place_list(line: &str) -> bool {
        is_place_list(line, &PlaceList { min_items: 6, min_share: 0.7 })
    }

    #[test]
    fn place_lists() {
        assert!(place_list("潮州市| 潞城市| 南部县| 怀仁县| 如皋市| 平利县| 朝阳市| 宽甸| 黔南"));
        assert!(place_list("北京 上海 广州 深圳 杭州 南京 苏州"));
        assert!(!place_list("我们去了北京、上海和广州，看到了很多新的变化。"));
        assert!(!place_list("北京、上海、广州"));
    }

    #[test]
    fn short_runs() {
        let p = ShortRun { max_chars: 10, min_run: 3 };
        let views = ["首页", "", "新闻", "体育", "这是一段很长的正文内容，超过了十个字符。", "关于我们"];
        assert!(in_short_run(&views, 0, &p));
        assert!(in_short_run(&views, 3, &p));
        assert!(!in_short_run(&views, 4, &p));
        assert!(!in_short_run(&views, 5, &p));
        assert!(!in_short_run(&["谢谢。", "好的。", "再见。"], 1, &p));
    }

    #[test]
    fn link_lists() {
        let p = LinkList { min_items: 4, max_item_chars: 8 };
        assert!(is_link_list("新华每日电讯 经济参考 瞭望 半月谈 中证报 上证报", &p));
        assert!(is_link_list("关于 / RubyConf / Ruby 镜像 / 活跃会员", &p));
        assert!(!is_link_list("李强在新疆调研时强调 彰显特色优势 提高开放水平 在高质量发展中增进民生福祉", &p));
        assert!(!is_link_list("我 爱 北京 天安门，天安门 上 太阳 升。", &p));
    }

    #[test]
    fn stray_numbers() {
        assert!(is_stray_number("1 1 1", 12));
        assert!(is_stray_number("1", 12));
        assert!(!is_stray_number("第1页", 12));
        assert!(!is_stray_number("2023年", 12));
        assert!(!is_stray_number("1234567890123", 12));
    }
}
