//! Chinese script conversion (OpenCC) for the canonical form.
//!
//! Two backends give the same results as OpenCC's own configurations:
//!
//! * [`Backend::Rust`] (default): the pure-Rust `ferrous-opencc` crate, with the
//!   OpenCC 1.4.2 dictionaries compiled into the binary. No system library needed.
//! * `Backend::System` (cargo feature `opencc-sys`): the system OpenCC C++ library
//!   through `opencc-rust`. Building needs Debian's `libopencc-dev` and `pkg-config`;
//!   running needs `libopencc1.1` and the dictionaries of `libopencc-data`
//!   (`/usr/share/opencc/*.json`, `*.ocd2`).
//!
//! Exactness (measured against PyPI `opencc` 1.4.2): identical on the test document
//! and the phrase list below, but not everywhere. `ferrous-opencc` 0.4.0 carries older
//! dictionaries and no normalization step, so for `t2s` it differs on the 1,002 CJK
//! compatibility ideographs (U+F900..FAFF, U+2F800..2FA1F; 1.4.2 maps them to unified
//! ideographs first), on 19 other single characters (e.g. 劄 幷 扞 拚 擡 甦 逕), and on
//! about 0.4% of dictionary phrases (mostly 覆, e.g. 覆上: 1.4.2 keeps 覆, this gives 复).
//! The system backend (Debian OpenCC 1.1.6) agrees with the Rust one on `t2s` except
//! 尼乾子, but differs more on `s2t` (e.g. 栗, 一齣, 丁噹) and on the Taiwan phrase sets.
//!
//! Converting a whole multi-line text gives the same result as converting each line
//! on its own: no dictionary key of either backend contains `\n` (or `\r`, or NUL),
//! and both backends match dictionary keys greedily from left to right, so no match
//! can span a line break. The tests check this on a real document.
//!
//! Speed: `ferrous-opencc` converts about 25 MB/s. For `t2s` on the Rust backend, zhclean applies
//! the crate's dictionary itself, with the same result (see `Table`): Simplified text, which has
//! almost no keys, costs a bitmap lookup per character, and text without any change is returned
//! borrowed.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use crate::canon::{bmp_bit, char_at, BmpSet};

/// Which OpenCC conversion the canonical form applies.
///
/// The names are OpenCC's configuration names (`t2s` is `t2s.json`, and so on).
/// OpenCC's Japanese configurations (`jp2t`, `t2jp`) are not offered: the Rust
/// backend only has them behind a `ferrous-opencc` feature this crate does not enable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// No conversion: text is returned as it is.
    None,
    /// Traditional Chinese to Simplified Chinese.
    T2s,
    /// Simplified Chinese to Traditional Chinese.
    S2t,
    /// Traditional Chinese (Taiwan standard) to Simplified Chinese.
    Tw2s,
    /// Traditional Chinese (Taiwan standard) to Simplified Chinese, with Taiwan phrases.
    Tw2sp,
    /// Traditional Chinese (Hong Kong variant) to Simplified Chinese.
    Hk2s,
    /// Simplified Chinese to Traditional Chinese (Taiwan standard).
    S2tw,
    /// Simplified Chinese to Traditional Chinese (Taiwan standard), with Taiwan phrases.
    S2twp,
    /// Simplified Chinese to Traditional Chinese (Hong Kong variant).
    S2hk,
    /// Traditional Chinese (OpenCC standard) to Taiwan standard.
    T2tw,
    /// Traditional Chinese (OpenCC standard) to Hong Kong variant.
    T2hk,
    /// Traditional Chinese (Taiwan standard) to Traditional Chinese (OpenCC standard).
    Tw2t,
    /// Traditional Chinese (Hong Kong variant) to Traditional Chinese (OpenCC standard).
    Hk2t,
}

impl Conversion {
    /// Every variant, `None` first.
    pub const ALL: &'static [Conversion] = &[
        Conversion::None,
        Conversion::T2s,
        Conversion::S2t,
        Conversion::Tw2s,
        Conversion::Tw2sp,
        Conversion::Hk2s,
        Conversion::S2tw,
        Conversion::S2twp,
        Conversion::S2hk,
        Conversion::T2tw,
        Conversion::T2hk,
        Conversion::Tw2t,
        Conversion::Hk2t,
    ];

    /// The OpenCC configuration name (`"t2s"`, `"tw2sp"`, ...), or `"none"`.
    pub fn name(self) -> &'static str {
        match self {
            Conversion::None => "none",
            Conversion::T2s => "t2s",
            Conversion::S2t => "s2t",
            Conversion::Tw2s => "tw2s",
            Conversion::Tw2sp => "tw2sp",
            Conversion::Hk2s => "hk2s",
            Conversion::S2tw => "s2tw",
            Conversion::S2twp => "s2twp",
            Conversion::S2hk => "s2hk",
            Conversion::T2tw => "t2tw",
            Conversion::T2hk => "t2hk",
            Conversion::Tw2t => "tw2t",
            Conversion::Hk2t => "hk2t",
        }
    }

    /// The valid names, comma separated (for error messages).
    fn valid_names() -> String {
        Conversion::ALL
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rust_config(self) -> Option<ferrous_opencc::config::BuiltinConfig> {
        use ferrous_opencc::config::BuiltinConfig as B;
        Some(match self {
            Conversion::None => return None,
            Conversion::T2s => B::T2s,
            Conversion::S2t => B::S2t,
            Conversion::Tw2s => B::Tw2s,
            Conversion::Tw2sp => B::Tw2sp,
            Conversion::Hk2s => B::Hk2s,
            Conversion::S2tw => B::S2tw,
            Conversion::S2twp => B::S2twp,
            Conversion::S2hk => B::S2hk,
            Conversion::T2tw => B::T2tw,
            Conversion::T2hk => B::T2hk,
            Conversion::Tw2t => B::Tw2t,
            Conversion::Hk2t => B::Hk2t,
        })
    }

    #[cfg(feature = "opencc-sys")]
    fn system_config(self) -> Option<opencc_rust::DefaultConfig> {
        use opencc_rust::DefaultConfig as D;
        Some(match self {
            Conversion::None => return None,
            Conversion::T2s => D::T2S,
            Conversion::S2t => D::S2T,
            Conversion::Tw2s => D::TW2S,
            Conversion::Tw2sp => D::TW2SP,
            Conversion::Hk2s => D::HK2S,
            Conversion::S2tw => D::S2TW,
            Conversion::S2twp => D::S2TWP,
            Conversion::S2hk => D::S2HK,
            Conversion::T2tw => D::T2TW,
            Conversion::T2hk => D::T2HK,
            Conversion::Tw2t => D::TW2T,
            Conversion::Hk2t => D::HK2T,
        })
    }
}

impl FromStr for Conversion {
    type Err = ConvertError;

    /// Parses an OpenCC configuration name (ASCII case-insensitive), or `none`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Conversion::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ConvertError::UnknownConversion { name: s.to_owned() })
    }
}

impl fmt::Display for Conversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which implementation of OpenCC does the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Pure Rust (`ferrous-opencc`), dictionaries built in. The default.
    Rust,
    /// The system OpenCC C++ library (`opencc-rust`), dictionaries from `libopencc-data`.
    #[cfg(feature = "opencc-sys")]
    System,
}

/// Errors from parsing a conversion name or setting up a converter.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The name is not one of [`Conversion::ALL`]'s names.
    #[error("unknown conversion {name:?}; valid names are: {valid}", valid = Conversion::valid_names())]
    UnknownConversion { name: String },
    /// The backend could not load the conversion.
    #[error("OpenCC backend error: {message}")]
    Backend { message: String },
}

enum Inner {
    /// `Conversion::None`: nothing to load.
    Identity,
    Rust(ferrous_opencc::OpenCC),
    // `opencc_rust::OpenCC` is `Send + Sync` (the crate declares it so). That claim
    // rests on OpenCC's C++ converter being safe to call from several threads at once,
    // which OpenCC's author confirms (BYVoid/OpenCC issue #231: "yes, the unit tests
    // test it"): `opencc_convert_utf8` only reads the loaded dictionaries and allocates
    // a fresh result per call. So no Mutex here (it would serialize the workers), and
    // no `unsafe impl` of our own.
    #[cfg(feature = "opencc-sys")]
    System(opencc_rust::OpenCC),
}

/// A ready converter. `Send + Sync`: share one between worker threads.
pub struct Converter {
    conversion: Conversion,
    backend: Backend,
    inner: Inner,
    /// `t2s` on the Rust backend, applied without the crate (see [`Table`]).
    table: Option<&'static Table>,
}

impl fmt::Debug for Converter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Converter")
            .field("conversion", &self.conversion)
            .field("backend", &self.backend)
            .finish()
    }
}

impl Converter {
    /// A converter on the default backend ([`Backend::Rust`]).
    pub fn new(conversion: Conversion) -> Result<Converter, ConvertError> {
        Converter::with_backend(conversion, Backend::Rust)
    }

    /// A converter on the given backend. Loads the dictionaries now (a few ms);
    /// build one and share it rather than building one per text.
    pub fn with_backend(
        conversion: Conversion,
        backend: Backend,
    ) -> Result<Converter, ConvertError> {
        let inner = match backend {
            Backend::Rust => match conversion.rust_config() {
                None => Inner::Identity,
                Some(config) => {
                    Inner::Rust(ferrous_opencc::OpenCC::from_config(config).map_err(|e| {
                        ConvertError::Backend {
                            message: format!("ferrous-opencc cannot load {conversion}: {e}"),
                        }
                    })?)
                }
            },
            #[cfg(feature = "opencc-sys")]
            Backend::System => match conversion.system_config() {
                None => Inner::Identity,
                Some(config) => Inner::System(opencc_rust::OpenCC::new(config).map_err(|e| {
                    ConvertError::Backend {
                        message: format!(
                            "system OpenCC cannot open {}: {e} (is libopencc-data installed?)",
                            config.get_file_name()
                        ),
                    }
                })?),
            },
        };
        let table = match (&inner, conversion) {
            (Inner::Rust(_), Conversion::T2s) => Some(&*T2S),
            _ => None,
        };
        Ok(Converter {
            conversion,
            backend,
            inner,
            table,
        })
    }

    /// The conversion this converter applies.
    pub fn conversion(&self) -> Conversion {
        self.conversion
    }

    /// The backend doing the work.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Converts text; returns `Borrowed` when nothing changes (`Conversion::None`
    /// always borrows). Whole multi-line documents may be passed at once.
    pub fn convert<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // Exact fast path: no dictionary key of any configuration is pure ASCII
        // (a few Taiwan phrase keys such as "SQL注入" contain ASCII, never only ASCII),
        // so pure-ASCII text can never match. Only the whole text may be skipped this
        // way, not ASCII runs inside it.
        if text.is_ascii() {
            return Cow::Borrowed(text);
        }
        let converted = match &self.inner {
            Inner::Identity => return Cow::Borrowed(text),
            Inner::Rust(cc) => match self.table {
                Some(table) => return table.convert(text),
                None => cc.convert(text),
            },
            #[cfg(feature = "opencc-sys")]
            Inner::System(cc) => convert_system(cc, text),
        };
        if converted == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(converted)
        }
    }

    /// [`convert`](Self::convert) that checks the characters on its way: `check` is called on
    /// every character but those of `pass`, and a `false` stops the conversion with `None`. One
    /// pass over the text instead of a check first and a conversion after. `None` as well when
    /// this converter has no table to scan with (see [`Table`]): then the caller checks on its own.
    pub(crate) fn convert_checked<'a>(&self, text: &'a str, pass: &LazyLock<T2sPass>, check: impl FnMut(char) -> bool) -> Option<Cow<'a, str>> {
        // `t2s` is the one conversion with a table.
        self.table?.scan(text, &pass.0, check)
    }
}

/// Three-byte characters that [`Converter::convert_checked`] passes over: those of a caller's
/// set that start no `t2s` key.
pub(crate) struct T2sPass(Box<BmpSet>);

impl T2sPass {
    /// The characters of `unchecked` that start no `t2s` key.
    pub(crate) fn new(unchecked: &BmpSet) -> T2sPass {
        T2sPass(Box::new(std::array::from_fn(|k| unchecked[k] & T2S.pass[k])))
    }
}

/// The dictionary of one conversion, applied here rather than by the crate: its keys, what each
/// becomes, and bitmaps to pass over text no key starts in.
///
/// `ferrous-opencc` applies a conversion with one dictionary group (t2s: `TSPhrases`, then
/// `TSCharacters`) by scanning a text from left to right and, at each position it visits,
/// replacing the longest key that starts there by the first value of the first dictionary that
/// has it; where no key starts, it copies one character. A key converted alone therefore comes out
/// as exactly that value, so converting each key once with the crate gives the table, and the same
/// scan over the table gives the crate's result. The crate builds a `Vec<String>` for every key it
/// meets; the table answers with a lookup, and characters that start no key (most of a Simplified
/// text, and many of a Traditional one) cost one bitmap test. The tests compare the result with
/// the crate's own on every code point, every key in context and random texts.
struct Table {
    /// First characters of keys.
    start: Box<[u64]>,
    /// Second characters of longer keys: where the next character is none of them, no longer key
    /// starts, and the phrases of a common first character (`一` starts dozens) are not tried.
    second: Box<[u64]>,
    /// Single-character keys and what they become.
    single: foldhash::HashMap<char, Box<str>>,
    /// Longer keys by first character, with what they become.
    phrases: foldhash::HashMap<char, Vec<(&'static str, Box<str>)>>,
    /// Whether every key starts at U+0800 or above (t2s's do): then characters of one or two
    /// bytes are passed over by their lead byte.
    from_u0800: bool,
    /// Three-byte characters that start no key.
    pass: Box<BmpSet>,
}

/// Keys of `t2s` (`TSPhrases` and `TSCharacters` as compiled into `ferrous-opencc` 0.4.0).
const T2S_KEYS_TXT: &str = include_str!("t2s_keys.txt");

/// Built once, with the crate's own converter (which [`Converter::with_backend`] has loaded
/// before it asks for the table).
static T2S: LazyLock<Table> = LazyLock::new(|| {
    let cc = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s)
        .expect("the built-in t2s configuration loads");
    Table::new(T2S_KEYS_TXT, |key| cc.convert(key))
});

const CODE_POINTS: usize = 0x11_0000;

fn has_bit(set: &[u64], c: char) -> bool {
    let cp = c as usize;
    set[cp >> 6] >> (cp & 63) & 1 == 1
}

fn set_bit(set: &mut [u64], c: char) {
    let cp = c as usize;
    set[cp >> 6] |= 1 << (cp & 63);
}

impl Table {
    /// From a list of keys, one per line (`#` lines are comments), and the conversion of a key.
    fn new(list: &'static str, convert: impl Fn(&str) -> String) -> Table {
        let mut start = vec![0u64; CODE_POINTS / 64].into_boxed_slice();
        let mut second = start.clone();
        let mut single = foldhash::HashMap::default();
        let mut phrases: foldhash::HashMap<char, Vec<(&'static str, Box<str>)>> = foldhash::HashMap::default();
        let mut from_u0800 = true;
        for key in list.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let mut chars = key.chars();
            let Some(first) = chars.next() else { continue };
            set_bit(&mut start, first);
            from_u0800 &= first >= '\u{800}';
            let value = convert(key).into_boxed_str();
            match chars.next() {
                None => {
                    single.insert(first, value);
                }
                Some(next) => {
                    set_bit(&mut second, next);
                    phrases.entry(first).or_default().push((key, value));
                }
            }
        }
        let pass = Box::new(std::array::from_fn(|k| !start[k]));
        Table { start, second, single, phrases, from_u0800, pass }
    }

    /// The longest key at `i`, where `c` is: its end (a byte offset) and what it becomes.
    fn longest_key(&self, text: &str, i: usize, c: char) -> Option<(usize, &str)> {
        if !has_bit(&self.start, c) {
            return None;
        }
        let mut found = self.single.get(&c).map(|v| (i + c.len_utf8(), &**v));
        if !text[i + c.len_utf8()..].chars().next().is_some_and(|next| has_bit(&self.second, next)) {
            return found;
        }
        for (key, value) in self.phrases.get(&c).into_iter().flatten() {
            if text[i..].starts_with(key) && found.is_none_or(|(end, _)| i + key.len() > end) {
                found = Some((i + key.len(), &**value));
            }
        }
        found
    }

    /// Converts `text`; borrowed when nothing changes.
    fn convert<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.scan(text, &self.pass, |_| true).expect("nothing is refused unchecked")
    }

    /// Converts `text`, calling `check` on every character but those of `pass` (three-byte
    /// characters that start no key); `None` at the first `false`.
    #[inline(always)]
    fn scan<'a>(&self, text: &'a str, pass: &BmpSet, mut check: impl FnMut(char) -> bool) -> Option<Cow<'a, str>> {
        let mut out: Option<String> = None;
        // `text[..copied]` is in `out` (when it exists).
        let mut copied = 0;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Most characters of Chinese text take three bytes and start no key, which the bitmap
            // tells without decoding them; they are passed over three bytes at a time.
            let chars = bytes[i..].as_chunks::<3>().0;
            i += 3 * chars.iter().take_while(|&&[b0, b1, b2]| b0 & 0xF0 == 0xE0 && bmp_bit(pass, b0, b1, b2)).count();
            let Some(&b0) = bytes.get(i) else { break };
            let (c, width) = char_at(bytes, i);
            if !check(c) {
                return None;
            }
            if b0 < 0xE0 && self.from_u0800 {
                i += width;
                continue;
            }
            let Some((end, value)) = self.longest_key(text, i, c) else {
                i += width;
                continue;
            };
            if !text[i + width..end].chars().all(&mut check) {
                return None;
            }
            if value != &text[i..end] {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len() + text.len() / 8));
                o.push_str(&text[copied..i]);
                o.push_str(value);
                copied = end;
            }
            i = end;
        }
        Some(match out {
            Some(mut o) => {
                o.push_str(&text[copied..]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(text),
        })
    }
}

#[cfg(test)]
impl Converter {
    /// The backend's own answer, without the table.
    fn convert_unfiltered(&self, text: &str) -> String {
        match &self.inner {
            Inner::Identity => text.to_owned(),
            Inner::Rust(cc) => cc.convert(text),
            #[cfg(feature = "opencc-sys")]
            Inner::System(cc) => convert_system(cc, text),
        }
    }
}

/// `opencc_rust::OpenCC::convert` panics on a NUL byte (it builds a `CString`), and the
/// C API returns a NUL-terminated string. No dictionary key contains NUL, so converting
/// the pieces between NULs and joining them again gives the same result.
#[cfg(feature = "opencc-sys")]
fn convert_system(cc: &opencc_rust::OpenCC, text: &str) -> String {
    if !text.contains('\0') {
        return cc.convert(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('\0').enumerate() {
        if i > 0 {
            out.push('\0');
        }
        if !piece.is_empty() {
            out.push_str(&cc.convert(piece));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Traditional phrases and their `t2s` from the reference, PyPI `opencc` 1.4.2
    /// (`opencc.OpenCC('t2s').convert(...)`). Note 著 stays 著 in 1.4.2.
    const T2S_CASES: &[(&str, &str)] = &[
        ("乾隆皇帝下江南", "乾隆皇帝下江南"),
        ("房間很乾淨", "房间很干净"),
        ("他是黨的幹部", "他是党的干部"),
        ("關於這件事", "关于这件事"),
        ("你在說甚麼", "你在说甚么"),
        ("我們黨著眼新形勢", "我们党著眼新形势"),
        ("著作權", "著作权"),
        ("他穿著大衣", "他穿著大衣"),
        ("一目瞭然", "一目了然"),
        ("我不瞭解他", "我不了解他"),
        ("頭髮很長", "头发很长"),
        ("發展經濟", "发展经济"),
        ("理髮店", "理发店"),
        ("以後再說", "以后再说"),
        ("皇后娘娘", "皇后娘娘"),
        ("其餘的人", "其余的人"),
        ("業餘愛好", "业余爱好"),
        ("徵求意見", "征求意见"),
        ("特徵明顯", "特征明显"),
        ("藉口太多", "借口太多"),
        ("憑藉實力", "凭借实力"),
        ("慰藉", "慰藉"),
        ("這套傢俱很貴", "这套家具很贵"),
        ("臺灣的颱風", "台湾的台风"),
        ("講臺上的人", "讲台上的人"),
        ("櫃檯", "柜台"),
        ("裡面", "里面"),
        ("這裏很好", "这里很好"),
        ("一隻貓", "一只猫"),
        ("隻身一人", "只身一人"),
        ("只有一個", "只有一个"),
        ("鐘錶", "钟表"),
        ("鍾情於她", "钟情于她"),
        ("鍾先生", "钟先生"),
        ("乾燥的天氣", "干燥的天气"),
        ("幹活兒", "干活儿"),
        ("乾杯", "干杯"),
        ("樹幹", "树干"),
        ("瞭望塔", "瞭望塔"),
        ("著急", "著急"),
        ("沉著冷靜", "沉著冷静"),
        ("後來發生了什麼", "后来发生了什么"),
        ("製造業", "制造业"),
        ("複雜的問題", "复杂的问题"),
        ("重複", "重复"),
        ("麵條", "面条"),
        ("表面", "表面"),
        ("週末", "周末"),
        ("一週", "一周"),
        ("鬥爭", "斗争"),
        ("答覆", "答复"),
        ("範圍", "范围"),
        ("瞭若指掌", "了若指掌"),
        ("餘下", "余下"),
        ("乾坤", "乾坤"),
    ];

    /// `s2t` from the same reference.
    const S2T_CASES: &[(&str, &str)] = &[
        ("头发很长", "頭髮很長"),
        ("我们的干部", "我們的幹部"),
        ("皇后娘娘", "皇后娘娘"),
        ("里面有一只猫", "裏面有一隻貓"),
        ("发展经济要面对复杂问题", "發展經濟要面對複雜問題"),
    ];

    /// One case per other configuration, from the same reference.
    const OTHER_CASES: &[(Conversion, &str, &str)] = &[
        (Conversion::Tw2s, "滑鼠軟體裡面", "滑鼠软体里面"),
        (Conversion::Tw2sp, "滑鼠軟體裡面", "鼠标软件里面"),
        (Conversion::Hk2s, "香港著名的滙豐銀行", "香港著名的汇丰银行"),
        (Conversion::S2tw, "鼠标软件里面", "鼠標軟件裡面"),
        (Conversion::S2twp, "鼠标软件里面", "滑鼠軟體裡面"),
        (Conversion::S2hk, "汇丰银行著名", "滙豐銀行著名"),
        (Conversion::T2tw, "裏面的線索", "裡面的線索"),
        (Conversion::T2hk, "裏面的線索", "裏面的線索"),
        (Conversion::Tw2t, "裡面的綫索", "裏面的綫索"),
        (Conversion::Hk2t, "一口吃個", "一口喫個"),
    ];

    /// A real Traditional web page (seed 003, pinyin annotations removed), 3,922 chars.
    const LONG_TRAD: &str = include_str!("../fixtures/convert/seed003-deannotated.txt");
    /// Its `t2s` by the reference (PyPI `opencc` 1.4.2), converted as one string.
    const LONG_T2S: &str = include_str!("../fixtures/convert/seed003-deannotated.t2s.txt");

    fn is_borrowed(c: Cow<'_, str>) -> bool {
        matches!(c, Cow::Borrowed(_))
    }

    #[test]
    fn converter_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Converter>();
    }

    #[test]
    fn t2s_known_phrases() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        for (trad, simp) in T2S_CASES {
            assert_eq!(cc.convert(trad), *simp, "t2s of {trad}");
        }
    }

    #[test]
    fn s2t_known_phrases() {
        let cc = Converter::new(Conversion::S2t).unwrap();
        for (simp, trad) in S2T_CASES {
            assert_eq!(cc.convert(simp), *trad, "s2t of {simp}");
        }
    }

    #[test]
    fn other_conversions() {
        for (conv, input, expected) in OTHER_CASES {
            let cc = Converter::new(*conv).unwrap();
            assert_eq!(cc.conversion(), *conv);
            assert_eq!(cc.convert(input), *expected, "{conv} of {input}");
        }
    }

    #[test]
    fn every_conversion_builds() {
        for &conv in Conversion::ALL {
            let cc = Converter::new(conv).unwrap();
            assert_eq!(cc.conversion(), conv);
            assert_eq!(cc.backend(), Backend::Rust);
        }
    }

    #[test]
    fn long_text_matches_reference() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        assert_eq!(cc.convert(LONG_TRAD), LONG_T2S);
    }

    #[test]
    fn whole_text_equals_line_by_line() {
        let multi = T2S_CASES
            .iter()
            .map(|(t, _)| *t)
            .collect::<Vec<_>>()
            .join("\n");
        let crlf = multi.replace('\n', "\r\n");
        for &conv in &[
            Conversion::T2s,
            Conversion::S2t,
            Conversion::Tw2sp,
            Conversion::S2twp,
        ] {
            let cc = Converter::new(conv).unwrap();
            for text in [LONG_TRAD, LONG_T2S, multi.as_str(), crlf.as_str()] {
                let whole = cc.convert(text);
                let lines: Vec<String> = text
                    .split('\n')
                    .map(|l| cc.convert(l).into_owned())
                    .collect();
                assert_eq!(whole, lines.join("\n"), "{conv}");
            }
        }
    }

    #[test]
    fn borrows_when_unchanged() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        for text in [
            "",
            "plain ASCII text\nwith lines",
            "SQL",
            "房间很干净",
            LONG_T2S,
        ] {
            assert!(is_borrowed(cc.convert(text)), "{text:?} should borrow");
        }
        assert!(!is_borrowed(cc.convert("房間")));
        let none = Converter::new(Conversion::None).unwrap();
        for text in ["", "ascii", LONG_TRAD, "房間很乾淨"] {
            assert!(is_borrowed(none.convert(text)));
        }
    }

    #[test]
    fn nul_and_astral_chars_pass_through() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        assert_eq!(cc.convert("頭\0髮\u{20000}😀"), "头\0发\u{20000}😀");
    }

    #[test]
    fn names_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &conv in Conversion::ALL {
            assert!(seen.insert(conv.name()), "duplicate name {}", conv.name());
            assert_eq!(conv.name().parse::<Conversion>().unwrap(), conv);
            assert_eq!(conv.to_string(), conv.name());
            assert_eq!(
                conv.name().to_uppercase().parse::<Conversion>().unwrap(),
                conv
            );
        }
        assert_eq!(Conversion::ALL.len(), 13);
    }

    #[test]
    fn unknown_name_errors() {
        for bad in ["t2x", "", "t2s.json", "jp2t"] {
            let err = bad.parse::<Conversion>().unwrap_err();
            assert!(matches!(&err, ConvertError::UnknownConversion { name } if name == bad));
            let msg = err.to_string();
            for &conv in Conversion::ALL {
                assert!(msg.contains(conv.name()), "{msg}");
            }
        }
    }

    #[test]
    fn shared_across_threads() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| assert_eq!(cc.convert(LONG_TRAD), LONG_T2S));
            }
        });
    }

    #[cfg(feature = "opencc-sys")]
    mod system {
        use super::*;

        fn both(conv: Conversion) -> (Converter, Converter) {
            (
                Converter::with_backend(conv, Backend::Rust).unwrap(),
                Converter::with_backend(conv, Backend::System).unwrap(),
            )
        }

        #[test]
        fn every_conversion_builds() {
            for &conv in Conversion::ALL {
                let cc = Converter::with_backend(conv, Backend::System).unwrap();
                assert_eq!(cc.conversion(), conv);
                assert_eq!(cc.backend(), Backend::System);
            }
        }

        #[test]
        fn backends_agree_on_known_phrases() {
            let (rust, sys) = both(Conversion::T2s);
            for (trad, simp) in T2S_CASES {
                assert_eq!(sys.convert(trad), *simp, "system t2s of {trad}");
                assert_eq!(rust.convert(trad), sys.convert(trad));
            }
            let (rust, sys) = both(Conversion::S2t);
            for (simp, trad) in S2T_CASES {
                assert_eq!(sys.convert(simp), *trad, "system s2t of {simp}");
                assert_eq!(rust.convert(simp), sys.convert(simp));
            }
        }

        #[test]
        fn backends_agree_on_other_conversions() {
            for (conv, input, expected) in OTHER_CASES {
                let (rust, sys) = both(*conv);
                assert_eq!(sys.convert(input), *expected, "system {conv} of {input}");
                assert_eq!(rust.convert(input), sys.convert(input));
            }
        }

        #[test]
        fn backends_agree_on_long_text() {
            let (rust_t2s, sys_t2s) = both(Conversion::T2s);
            let (rust_s2t, sys_s2t) = both(Conversion::S2t);
            let simp = sys_t2s.convert(LONG_TRAD);
            assert_eq!(simp, LONG_T2S);
            assert_eq!(rust_t2s.convert(LONG_TRAD), simp);
            let trad = sys_s2t.convert(&simp);
            assert_eq!(rust_s2t.convert(&simp), trad);
            assert_eq!(rust_t2s.convert(&trad), sys_t2s.convert(&trad));
        }

        #[test]
        fn system_borrows_and_handles_nul() {
            let sys = Converter::with_backend(Conversion::T2s, Backend::System).unwrap();
            assert!(is_borrowed(sys.convert("房间很干净")));
            assert!(is_borrowed(sys.convert("ascii\0with nul")));
            assert_eq!(sys.convert("\0頭\0\0髮\0"), "\0头\0\0发\0");
        }

        #[test]
        fn system_shared_across_threads() {
            let sys = Converter::with_backend(Conversion::T2s, Backend::System).unwrap();
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        for _ in 0..20 {
                            assert_eq!(sys.convert(LONG_TRAD), LONG_T2S);
                        }
                    });
                }
            });
        }
    }

    /// The dictionary files of the `ferrous-opencc` 0.4.0 sources in cargo's registry, if present.
    fn crate_dictionaries() -> Option<std::path::PathBuf> {
        let home = std::env::var_os("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))?;
        std::fs::read_dir(home.join("registry/src"))
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("ferrous-opencc-0.4.0/assets/dictionaries"))
            .find(|p| p.is_dir())
    }

    /// The keys of a dictionary file, read as `ferrous-opencc-compiler` 0.4.0 reads them.
    fn dictionary_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            if parts.len() == 2 && !parts[0].is_empty() && !parts[1].split(' ').any(str::is_empty) {
                keys.push(parts[0].to_owned());
            }
        }
        keys
    }

    #[test]
    fn t2s_keys_match_the_crate() {
        let Some(dir) = crate_dictionaries() else {
            eprintln!("ferrous-opencc 0.4.0 sources not found: key list not compared");
            return;
        };
        let mut keys = Vec::new();
        for file in ["TSPhrases.txt", "TSCharacters.txt"] {
            keys.extend(dictionary_keys(&std::fs::read_to_string(dir.join(file)).unwrap()));
        }
        keys.sort();
        keys.dedup();
        let ours: Vec<&str> = T2S_KEYS_TXT.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(ours, keys);
    }

    /// Every code point alone, every key alone and between other characters: the table converts
    /// them as the crate does.
    #[test]
    fn table_is_exact_on_every_character_and_key() {
        assert!(T2S.from_u0800, "one- and two-byte characters are passed over");
        let cc = Converter::new(Conversion::T2s).unwrap();
        let mut buf = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            buf.clear();
            buf.push(c);
            assert_eq!(cc.convert(&buf), cc.convert_unfiltered(&buf), "U+{:04X}", c as u32);
        }
        for key in T2S_KEYS_TXT.lines().filter(|l| !l.starts_with('#')) {
            for text in [key.to_owned(), format!("的{key}了"), format!("a\n{key}\n"), format!("{key}{key}")] {
                assert_eq!(cc.convert(&text), cc.convert_unfiltered(&text), "{text:?}");
            }
        }
    }

    /// Random texts mixing dictionary characters, common Simplified characters, ASCII and line
    /// breaks: the table's result equals the crate's own.
    #[test]
    fn table_is_exact_on_random_texts() {
        let cc = Converter::new(Conversion::T2s).unwrap();
        let mut pool: Vec<char> = T2S_KEYS_TXT.lines().filter(|l| !l.starts_with('#')).flat_map(str::chars).collect();
        pool.extend(LONG_T2S.chars().take(2000));
        pool.extend("abc 123\n\n,。的了是在不一上".chars());
        pool.sort_unstable();
        pool.dedup();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut skipped = 0;
        for _ in 0..30_000 {
            let len = 1 + next(120);
            let text: String = (0..len).map(|_| pool[next(pool.len())]).collect();
            let fast = cc.convert(&text);
            skipped += usize::from(matches!(fast, Cow::Borrowed(_)));
            assert_eq!(fast, cc.convert_unfiltered(&text), "{text:?}");
        }
        assert!(skipped > 0);
        for text in [LONG_TRAD, LONG_T2S] {
            assert_eq!(cc.convert(text), cc.convert_unfiltered(text));
        }
    }

    /// Rough throughput and start-up cost. Run with
    /// `cargo test --release -- --ignored --nocapture measure`.
    #[test]
    #[ignore]
    fn measure() {
        use std::time::Instant;
        let t = Instant::now();
        let cc = Converter::new(Conversion::T2s).unwrap();
        let built = t.elapsed();
        let first = cc.convert("頭髮").into_owned();
        let first_total = t.elapsed();
        println!(
            "Converter::new(T2s): {built:?}; + first convert of a short string: {first_total:?} ({first})"
        );

        let reps = (20_000_000 / LONG_TRAD.len()) + 1;
        let big = LONG_TRAD.repeat(reps);
        let mb = big.len() as f64 / 1e6;
        #[allow(unused_mut)]
        let mut backends = vec![("rust", cc)];
        #[cfg(feature = "opencc-sys")]
        {
            let t = Instant::now();
            let sys = Converter::with_backend(Conversion::T2s, Backend::System).unwrap();
            let built = t.elapsed();
            let _ = sys.convert("頭髮");
            println!(
                "System T2s new: {built:?}; + first convert: {:?}",
                t.elapsed()
            );
            backends.push(("system", sys));
        }
        for (name, cc) in &backends {
            let t = Instant::now();
            let out = cc.convert(&big);
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{name}: {mb:.1} MB in {secs:.2} s = {:.1} MB/s (out {} bytes)",
                mb / secs,
                out.len()
            );
        }
    }
}
