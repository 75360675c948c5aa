//! Canonical form: the text zhclean writes out, and the matching view rules see.
//!
//! The canonical form (default profile) is UTF-8 with LF line ends, NFC, full-width ASCII letters and
//! digits folded to ASCII, no control or zero-width characters, injected pinyin annotations removed,
//! the configured OpenCC conversion applied, and each line trimmed of indentation and trailing
//! whitespace. Chinese punctuation is never folded. Blank-line collapsing happens when lines are
//! emitted (see `emit`), because it depends on which lines are dropped.
//!
//! Every step maps one input line to one canonical line, so decisions and reports can name the
//! original line numbers.

use std::borrow::Cow;
use std::sync::LazyLock;

use icu_normalizer::ComposingNormalizerBorrowed;

use crate::convert::{Converter, T2sPass};

/// A document in canonical form, line for line with its input.
#[derive(Debug, Clone, Default)]
pub struct Canonical {
    /// One entry per input line (1-based line `i` is `lines[i - 1]`), trimmed; blank lines are empty.
    pub lines: Lines,
    /// Characters changed by the OpenCC conversion.
    pub converted_chars: usize,
    /// Pinyin annotations removed, e.g. `(jī)` in `手機(jī)版`.
    pub pinyin_removed: usize,
}

/// Lines without line breaks, held one after the other in one string: a document's canonical
/// lines cost two allocations, not one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    /// The lines joined by `\n`.
    text: String,
    /// Where each line ends in `text`; the next begins one byte later.
    ends: Vec<usize>,
}

impl Lines {
    /// Room for lines of `bytes` bytes in all.
    pub fn with_capacity(bytes: usize) -> Lines {
        Lines { text: String::with_capacity(bytes), ends: Vec::new() }
    }

    pub fn push(&mut self, line: &str) {
        if !self.ends.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        Some(&self.text[start..end])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// The lines joined by `\n`.
    pub fn joined(&self) -> &str {
        &self.text
    }
}

impl std::ops::Index<usize> for Lines {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.get(i).unwrap_or_else(|| panic!("line {i} of {}", self.len()))
    }
}

/// Brings `text` into canonical form, line for line.
pub fn canonicalise(text: &str, converter: &Converter) -> Canonical {
    let found = annotations(text);
    let prepared;
    let (source, pinyin_removed, mut converted) = match convert_unprepared(text, &found, converter) {
        Some(converted) => (text, 0, converted),
        None => {
            prepared = prepare(text, found);
            (&*prepared.0, prepared.1, converter.convert(&prepared.0))
        }
    };
    // OpenCC converts by phrase, so its output converted again can change further (`於倫` gives
    // `於伦`, which gives `于伦`): convert until nothing changes, so cleaning stays idempotent.
    for _ in 0..MAX_CONVERSIONS {
        let again = match &converted {
            Cow::Owned(out) => match converter.convert(out) {
                Cow::Owned(next) if next != *out => Some(next),
                _ => None,
            },
            Cow::Borrowed(_) => None,
        };
        match again {
            Some(next) => converted = Cow::Owned(next),
            None => break,
        }
    }
    let converted_chars = match &converted {
        Cow::Borrowed(_) => 0,
        Cow::Owned(out) => changed_chars(source, out),
    };
    let mut lines = Lines::with_capacity(converted.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', converted.as_bytes()).chain([converted.len()]) {
        lines.push(trim(&converted[start..end]));
        start = end + 1;
    }
    Canonical { lines, converted_chars, pinyin_removed }
}

/// What is converted: `text` with its characters normalised, in NFC and without pinyin
/// annotations (`found` are those of `text`), and the number of annotations removed.
fn prepare<'a>(text: &'a str, found: Vec<Annotation<'a>>) -> (Cow<'a, str>, usize) {
    let (text, in_nfc) = match scan_chars(text) {
        Scan::NeedsWork => {
            let text = normalise_chars(text);
            let in_nfc = all_nfc_starters(&text);
            (text, in_nfc)
        }
        Scan::Clean { in_nfc } => (Cow::Borrowed(text), in_nfc),
    };
    let text = if in_nfc {
        text
    } else {
        match ComposingNormalizerBorrowed::new_nfc().normalize(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => Cow::Owned(s),
        }
    };
    // Annotations are looked for again only in a text that the steps above changed.
    let found = match &text {
        Cow::Borrowed(_) => found,
        Cow::Owned(changed) => annotations(changed),
    };
    match strip_pinyin(&text, found) {
        (Cow::Borrowed(_), removed) => (text, removed),
        (Cow::Owned(s), removed) => (Cow::Owned(s), removed),
    }
}

/// The conversion of `text` (with the pinyin annotations `found`) when [`prepare`] would leave
/// it as it is (most text), checked in the conversion's own pass; `None` when it would not, or
/// the converter cannot check.
fn convert_unprepared<'a>(text: &'a str, found: &[Annotation<'_>], converter: &Converter) -> Option<Cow<'a, str>> {
    if !found.is_empty() {
        return None;
    }
    let mut starters = true;
    static PASS: LazyLock<T2sPass> = LazyLock::new(|| T2sPass::new(&CLEAN));
    let converted = converter.convert_checked(text, &PASS, |c| {
        starters &= is_nfc_starter(c);
        !needs_work(c)
    })?;
    // Emoji and accented letters are no `is_nfc_starter`, but usually NFC all the same.
    (starters || ComposingNormalizerBorrowed::new_nfc().is_normalized(text)).then_some(converted)
}

/// Further conversions of a converted text while it still changes (see `canonicalise`).
const MAX_CONVERSIONS: usize = 4;

/// Line ends to LF; control (except TAB and LF) and zero-width characters removed; full-width
/// ASCII letters and digits folded.
fn normalise_chars(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else if is_line_separator(c) {
            out.push('\n');
        } else if !is_removed(c) {
            out.push(fold_width(c));
        }
    }
    Cow::Owned(out)
}

/// What one pass over a text found (see [`scan_chars`]).
#[derive(Debug, PartialEq)]
enum Scan {
    /// `normalise_chars` would change the text.
    NeedsWork,
    /// It would not; `in_nfc` when every character is an [`is_nfc_starter`] (so the text is NFC).
    Clean { in_nfc: bool },
}

/// Whether `normalise_chars` changes anything (a CR, a line separator, a removed character or a
/// full-width letter or digit occurs) and, if not, whether the text is trivially NFC; one pass,
/// passing over runs of three-byte characters that need nothing (most Chinese text) whole.
fn scan_chars(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut in_nfc = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7F {
                return Scan::NeedsWork;
            }
            i += 1;
            continue;
        }
        let next = skip_set(bytes, i, &CLEAN);
        if next > i {
            i = next;
            continue;
        }
        let (c, width) = char_at(bytes, i);
        if needs_work(c) {
            return Scan::NeedsWork;
        }
        in_nfc &= is_nfc_starter(c);
        i += width;
    }
    Scan::Clean { in_nfc }
}

/// Three-byte characters that `normalise_chars` leaves as they are and that are NFC whatever
/// surrounds them: most Chinese text.
static CLEAN: LazyLock<Box<BmpSet>> = LazyLock::new(|| bmp_set(|c| !needs_work(c) && is_nfc_starter(c)));

fn needs_work(c: char) -> bool {
    c == '\r' || is_line_separator(c) || is_removed(c) || fold_width(c) != c
}

/// Characters that are their own NFC whatever surrounds them: canonical combining class 0, their
/// own NFC alone, and never the second character of a canonical composition (checked against the
/// normaliser's data in the tests). A text of only these is in NFC, and most Chinese text is:
/// ASCII, Latin-1 and the Latin letters with accents (the tone marks of pinyin annotations),
/// general punctuation (spaces, dashes, quotes, ellipsis), CJK symbols and punctuation, CJK
/// Unified Ideographs and full-width ASCII.
fn is_nfc_starter(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{24F}'
            | '\u{2002}'..='\u{2027}'
            | '\u{2030}'..='\u{205E}'
            | '\u{3000}'..='\u{3029}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{FF01}'..='\u{FF5E}'
    )
}

fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Control characters other than LF and TAB, and zero-width characters.
fn is_removed(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Full-width ASCII letters and digits to ASCII; everything else (punctuation too) unchanged.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Removes leading indentation and trailing whitespace (spaces, tabs, U+3000, NBSP, ...).
fn trim(line: &str) -> &str {
    line.trim_matches(char::is_whitespace)
}

/// The characters of Unicode's Han script (`\p{Han}`), as code point ranges in order: read
/// from the regex crate's own tables, so that they are exactly what its patterns call Han.
static HAN: LazyLock<Vec<(u32, u32)>> = LazyLock::new(|| {
    let hir = regex_syntax::parse(r"\p{Han}").expect("valid class");
    let regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) = hir.kind() else {
        unreachable!("`\\p{{Han}}` is a Unicode class")
    };
    class.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect()
});

fn is_han(c: char) -> bool {
    let cp = c as u32;
    // The CJK Unified Ideographs, nearly every Han character met, without a search.
    (0x4E00..=0x9FFF).contains(&cp) || HAN.get(HAN.partition_point(|&(_, hi)| hi < cp)).is_some_and(|&(lo, _)| lo <= cp)
}

/// How many annotations with tone marks make a document "annotated": then toneless syllables
/// such as `(de)` are removed too. A single `(an)` in ordinary text is left alone.
const TONED_FOR_TONELESS: usize = 3;

/// Removes pinyin annotations injected after Han characters (`手機(jī)版` → `手機版`), but not
/// ordinary parentheses such as `微软(Microsoft)` or `委(黨組)`; `found` are those of `text`.
fn strip_pinyin<'a>(text: &'a str, found: Vec<Annotation<'a>>) -> (Cow<'a, str>, usize) {
    if found.is_empty() {
        return (Cow::Borrowed(text), 0);
    }
    let kinds: Vec<Kind> = found.iter().map(Kind::of).collect();
    let allow_toneless = kinds.iter().map(|k| k.toned_pinyin).sum::<usize>() >= TONED_FOR_TONELESS;
    // One pass leaves nothing to remove: an annotation takes every group of syllables that
    // follows its character, so what follows a removed one starts none, and those kept are kept
    // again (`機(jī)(jī)` is one annotation of two syllables).
    let (mut out, mut copied, mut removed) = (String::with_capacity(text.len()), 0, 0);
    for (a, k) in found.iter().zip(&kinds) {
        if k.pinyin && (allow_toneless || k.toned) {
            removed += k.syllables;
            out.push_str(&text[copied..a.start]);
            out.push_str(a.han);
            copied = a.end;
        }
    }
    if removed == 0 {
        return (Cow::Borrowed(text), 0);
    }
    out.push_str(&text[copied..]);
    (Cow::Owned(out), removed)
}

/// What an annotation's syllables are, each looked at once.
struct Kind {
    /// All of them pinyin.
    pinyin: bool,
    /// All of them with a tone mark.
    toned: bool,
    syllables: usize,
    /// Those that are pinyin with a tone mark.
    toned_pinyin: usize,
}

impl Kind {
    fn of(a: &Annotation<'_>) -> Kind {
        let mut kind = Kind { pinyin: true, toned: true, syllables: 0, toned_pinyin: 0 };
        for s in syllables(a.syllables) {
            let (pinyin, toned) = (is_pinyin(s), has_tone(s));
            kind.pinyin &= pinyin;
            kind.toned &= toned;
            kind.syllables += 1;
            kind.toned_pinyin += usize::from(pinyin && toned);
        }
        kind
    }
}

/// One pinyin annotation in a text (see [`annotations`]).
struct Annotation<'a> {
    start: usize,
    end: usize,
    han: &'a str,
    /// The parenthesised syllables.
    syllables: &'a str,
}

/// The annotations in `text`, leftmost first and not overlapping. An annotation is a Han
/// character followed by one or more parenthesised pinyin syllables, e.g. `機(jī)`: one to seven
/// [`is_pinyin_letter`]s in ASCII or full-width parentheses (a pair of one kind: `（a)` is none).
/// Every annotation starts with the character before an opening parenthesis; only there is one
/// looked for (that character Han, then the groups), so text is not read character by character.
fn annotations(text: &str) -> Vec<Annotation<'_>> {
    let bytes = text.as_bytes();
    let mut found: Vec<Annotation<'_>> = Vec::new();
    // `（` is EF BC 88: its first byte finds it and every other full-width form.
    for open in memchr::memchr2_iter(b'(', 0xEF, bytes) {
        if bytes[open] != b'(' && !bytes[open..].starts_with("（".as_bytes()) {
            continue;
        }
        let Some((start, han)) = text[..open].char_indices().next_back() else { continue };
        if found.last().is_some_and(|a| start < a.end) || !is_han(han) {
            continue;
        }
        let end = parenthesised(text, open);
        if end > open {
            found.push(Annotation { start, end, han: &text[start..open], syllables: &text[open..end] });
        }
    }
    found
}

/// Where the run of parenthesised syllables that starts at `open` ends (`open` if there is none).
fn parenthesised(text: &str, open: usize) -> usize {
    let mut end = open;
    loop {
        let rest = &text[end..];
        let (open_len, close) = match rest.as_bytes().first() {
            Some(b'(') => (1, ')'),
            _ if rest.starts_with('（') => ('（'.len_utf8(), '）'),
            _ => return end,
        };
        let inner = &rest[open_len..];
        // Read no further than an eighth letter, which already rules the group out.
        let (mut count, mut letters) = (0, 0);
        for c in inner.chars().take_while(|&c| is_pinyin_letter(c)).take(8) {
            count += 1;
            letters += c.len_utf8();
        }
        if !(1..=7).contains(&count) || !inner[letters..].starts_with(close) {
            return end;
        }
        end += open_len + letters + close.len_utf8();
    }
}

/// The letters of a pinyin syllable in an annotation: lowercase ASCII and the vowels with tone marks.
fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜêḿńňǹ".contains(c)
}

fn syllables(group: &str) -> impl Iterator<Item = &str> {
    group.split(['(', ')', '（', '）']).filter(|s| !s.is_empty())
}

fn has_tone(s: &str) -> bool {
    s.chars().any(|c| !c.is_ascii() && c != 'ü' && c != 'ê')
}

/// Whether `s` (lowercase, tone marks allowed) is one pinyin syllable: an optional initial
/// (`b` … `w`, `zh`, `ch`, `sh`) and a final.
fn is_pinyin(s: &str) -> bool {
    // Toneless, the letters are ASCII, `ü` or `ê`; no syllable has more than six bytes (`zhuang`).
    let mut buf = [0u8; 8];
    let mut len = 0;
    for c in s.chars().map(toneless) {
        if len + c.len_utf8() > buf.len() {
            return false;
        }
        len += c.encode_utf8(&mut buf[len..]).len();
    }
    let base = &buf[..len];
    is_final(base)
        || matches!(base, [b'b' | b'p' | b'm' | b'f' | b'd' | b't' | b'n' | b'l' | b'g' | b'k' | b'h' | b'j' | b'q' | b'x' | b'r' | b'z' | b'c' | b's' | b'y' | b'w', rest @ ..] if is_final(rest))
        || matches!(base, [b'z' | b'c' | b's', b'h', rest @ ..] if is_final(rest))
}

/// Pinyin finals, as [`is_pinyin`] takes them (`v` for `ü`, and the interjections `ê`, `m`, `n`, `ng`).
const FINALS: [&str; 42] = [
    "a", "o", "e", "i", "u", "ü", "v", "ai", "ei", "ui", "ao", "ou", "iu", "ie", "üe", "ue", "ve", "er", "an", "en", "in", "un", "ün",
    "ang", "eng", "ing", "ong", "ia", "iao", "ian", "iang", "iong", "ua", "uo", "uai", "uan", "uang", "io", "ê", "m", "n", "ng",
];

/// Whether `b` is one of [`FINALS`]: each is at most four bytes, so it is looked up as a number
/// among theirs.
fn is_final(b: &[u8]) -> bool {
    static KEYS: LazyLock<Vec<u32>> = LazyLock::new(|| {
        let mut keys: Vec<u32> = FINALS.iter().filter_map(|f| final_key(f.as_bytes())).collect();
        keys.sort_unstable();
        keys
    });
    final_key(b).is_some_and(|k| KEYS.binary_search(&k).is_ok())
}

/// A string of one to four bytes (no NUL) as a number; `None` for any other.
fn final_key(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    let mut key = [0u8; 4];
    key[..b.len()].copy_from_slice(b);
    Some(u32::from_be_bytes(key))
}

fn toneless(c: char) -> char {
    match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'ü',
        'ḿ' => 'm',
        'ń' | 'ň' | 'ǹ' => 'n',
        _ => c,
    }
}

/// Characters that differ between two texts of the same shape (conversion output); when the
/// lengths differ, the count of characters in the longer text not matched position by position.
fn changed_chars(before: &str, after: &str) -> usize {
    let mut a = before.chars();
    let mut b = after.chars();
    let mut n = 0;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => n += usize::from(x != y),
            (None, None) => return n,
            (Some(_), None) | (None, Some(_)) => n += 1,
        }
    }
}

/// The input's lines as they are, split like the canonical form splits them (CRLF, CR, LF, U+2028,
/// U+2029); a text ending with a line break yields a last empty line.
pub fn split_lines(text: &str) -> Vec<&str> {
    raw_lines(text).collect()
}

/// [`split_lines`], one line at a time.
pub(crate) fn raw_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut breaks = line_breaks(text);
    let mut start = Some(0); // of the next line; `None` after the last
    std::iter::from_fn(move || {
        let from = start?;
        let (end, next) = breaks.next().map_or((text.len(), None), |(at, len)| (at, Some(at + len)));
        start = next;
        Some(&text[from..end])
    })
}

impl Canonical {
    /// Lines of `text`, the input this is the canonical form of, without the empty line after a
    /// final line break: as many as the canonical lines, since the form is line for line, so the
    /// text need not be split again.
    pub fn input_lines(&self, text: &str) -> usize {
        self.lines.len() - usize::from(text.is_empty() || text.ends_with(['\n', '\r', '\u{2028}', '\u{2029}']))
    }
}

/// Offset and length of each line break: LF, CRLF, CR, U+2028 or U+2029 (E2 80 A8/A9). Found with
/// memchr rather than character by character.
pub(crate) fn line_breaks(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut next = 0;
    memchr::memchr3_iter(b'\n', b'\r', 0xE2, bytes).filter_map(move |i| {
        if i < next {
            return None; // the LF of a CRLF
        }
        let len = match bytes[i] {
            b'\n' => 1,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\r' => 1,
            _ if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) => 3,
            _ => return None,
        };
        next = i + len;
        Some((i, len))
    })
}

/// The character starting at byte `i` of valid UTF-8, and its length in bytes: for the loops
/// that walk bytes and decode only what they look at.
#[inline(always)]
pub(crate) fn char_at(bytes: &[u8], i: usize) -> (char, usize) {
    let b = bytes[i];
    let width = match b {
        0x00..=0x7F => return (char::from(b), 1),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let cont = |k: usize| u32::from(bytes[i + k] & 0x3F);
    let cp = match width {
        2 => (u32::from(b & 0x1F) << 6) | cont(1),
        3 => (u32::from(b & 0x0F) << 12) | (cont(1) << 6) | cont(2),
        _ => (u32::from(b & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
    };
    (char::from_u32(cp).unwrap_or('\u{FFFD}'), width)
}

/// The bit of the three-byte character `b0 b1 b2` (lead byte E0–EF) in a bitset over the BMP,
/// taken straight from its bytes: the word is `cp >> 6` (the low bits of `b0` and `b1`), the bit
/// `cp & 63` (those of `b2`), so nothing is decoded.
#[inline(always)]
pub(crate) fn bmp_bit(set: &BmpSet, b0: u8, b1: u8, b2: u8) -> bool {
    set[usize::from(b0 & 0x0F) << 6 | usize::from(b1 & 0x3F)] >> (b2 & 0x3F) & 1 == 1
}

/// A set of three-byte characters (U+0800..U+FFFF): a bitset over the BMP, tested with
/// [`bmp_bit`] straight from the bytes.
pub(crate) type BmpSet = [u64; 1024];

/// The three-byte characters for which `keep` holds.
pub(crate) fn bmp_set(keep: impl Fn(char) -> bool) -> Box<BmpSet> {
    let mut set = Box::new([0u64; 1024]);
    for c in ('\u{800}'..='\u{FFFF}').filter(|&c| keep(c)) {
        set[c as usize >> 6] |= 1 << (c as usize & 63);
    }
    set
}

/// The first byte from `i` on that does not start a three-byte character of `set`, or the length:
/// the characters are passed over three bytes at a time, without decoding them.
#[inline(always)]
pub(crate) fn skip_set(bytes: &[u8], i: usize, set: &BmpSet) -> usize {
    i + 3 * bytes[i..].as_chunks::<3>().0.iter().take_while(|&&[b0, b1, b2]| b0 & 0xF0 == 0xE0 && bmp_bit(set, b0, b1, b2)).count()
}

/// Whether every character of `text` is one of [`is_nfc_starter`] (so the text is in NFC).
fn all_nfc_starters(text: &str) -> bool {
    static STARTERS: LazyLock<Box<BmpSet>> = LazyLock::new(|| bmp_set(is_nfc_starter));
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let next = skip_set(bytes, i, &STARTERS);
        if next > i {
            i = next;
            continue;
        }
        let (c, width) = char_at(bytes, i);
        if !is_nfc_starter(c) {
            return false;
        }
        i += width;
    }
    true
}

/// The matching view of a canonical line: NFKC (so `：` matches `:`), whitespace removed except a
/// single space between two ASCII letters or digits, and Simplified when `t2s` is given.
pub fn view<'a>(line: &'a str, t2s: Option<&Converter>) -> Cow<'a, str> {
    view_items(line, t2s, |_| ()).0
}

/// [`view`], handing each list item of `line` (the non-empty pieces between
/// [`is_list_separator`]s) to `item` on the way: the walk that folds the line stops at every
/// separator anyway, and a second walk over every line to split it costs as much as the view.
/// The `bool` says whether every item was handed on: not when the line needed the normaliser.
pub(crate) fn view_items<'a>(line: &'a str, t2s: Option<&Converter>, mut item: impl FnMut(&'a str)) -> (Cow<'a, str>, bool) {
    // A line of characters that are their own view (many a menu item or link title) is its own
    // view, borrowed rather than copied.
    let run = skip_set(line.as_bytes(), 0, &OWN_VIEW);
    let (folded, walked) = if run == line.len() {
        if !line.is_empty() {
            item(line);
        }
        (Cow::Borrowed(line), true)
    } else {
        let mut out = String::with_capacity(line.len());
        // Most lines fold character by character without the normaliser (see `nfkc_simple_char`).
        let walked = fold_simple(line, run, &mut out, &mut item);
        if !walked {
            out.clear();
            let folded = ComposingNormalizerBorrowed::new_nfkc().normalize(line);
            let mut fold = Fold::default();
            folded.chars().for_each(|c| fold.push(&mut out, c));
        }
        (Cow::Owned(out), walked)
    };
    let view = match t2s.map(|conv| conv.convert(&folded)) {
        Some(Cow::Owned(s)) => Cow::Owned(s),
        _ => folded,
    };
    (view, walked)
}

/// What separates the items of a list line (`潮州市| 潞城市| 南部县`): bars, commas and semicolons,
/// ASCII or full-width, the enumeration comma, the slash, the middle dot and whitespace.
pub(crate) fn is_list_separator(c: char) -> bool {
    matches!(c, '|' | '｜' | ',' | '，' | '、' | ';' | '；' | '/' | '·') || c.is_whitespace()
}

/// Three-byte characters that are their own view: folded by [`nfkc_simple_char`] to themselves,
/// and neither whitespace nor a list separator (so that the view's walk stops at each, see
/// [`view_items`]).
static OWN_VIEW: LazyLock<Box<BmpSet>> = LazyLock::new(|| bmp_set(|c| nfkc_simple_char(c) == Some(c) && !is_list_separator(c)));

/// Appends the view of `line` to `out` when every character of it folds without the normaliser,
/// handing its list items to `item`; `false` (and `out` and the items unfinished) otherwise. Runs
/// of three-byte characters that are their own view (CJK ideographs and most Chinese
/// punctuation: most of the text) are copied as they are; `line[..run]` is known to be one.
fn fold_simple<'a>(line: &'a str, run: usize, out: &mut String, item: &mut impl FnMut(&'a str)) -> bool {
    let bytes = line.as_bytes();
    let mut fold = Fold::default();
    // `line[copied..i]` is a run of such characters not yet copied; the item under way starts at
    // `start`.
    let (mut i, mut copied, mut start) = (run, 0, 0);
    loop {
        i = skip_set(bytes, i, &OWN_VIEW);
        if i == bytes.len() {
            break;
        }
        fold.push_run(out, &line[copied..i]);
        let (c, width) = char_at(bytes, i);
        let Some(folded) = nfkc_simple_char(c) else { return false };
        if is_list_separator(c) {
            if start < i {
                item(&line[start..i]);
            }
            start = i + width;
        }
        fold.push(out, folded);
        i += width;
        copied = i;
    }
    fold.push_run(out, &line[copied..]);
    if start < line.len() {
        item(&line[start..]);
    }
    true
}

/// Whitespace folding of the view: removed, except a single space between two ASCII letters or
/// digits.
#[derive(Default)]
struct Fold {
    pending_space: bool,
    last_alnum: bool,
}

impl Fold {
    /// Appends a run of characters none of which is whitespace or alphanumeric ASCII.
    fn push_run(&mut self, out: &mut String, run: &str) {
        if !run.is_empty() {
            out.push_str(run);
            self.pending_space = false;
            self.last_alnum = false;
        }
    }

    #[inline(always)]
    fn push(&mut self, out: &mut String, c: char) {
        if c.is_whitespace() {
            self.pending_space = true;
            return;
        }
        let alnum = c.is_ascii_alphanumeric();
        if self.pending_space && alnum && self.last_alnum {
            out.push(' ');
        }
        self.pending_space = false;
        self.last_alnum = alnum;
        out.push(c);
    }
}

/// NFKC of a character that is ASCII, a CJK Unified Ideograph (U+4E00..U+9FFF), CJK symbols and
/// punctuation (U+3001..U+3035), the middle dot, dashes and quotes (U+2010, U+2012..U+2016,
/// U+2018..U+2023), a space (U+2000..U+200A, U+3000) or full-width ASCII (U+FF01..U+FF5E), which
/// is most Chinese text: none of these composes with another, spaces map to U+0020, full-width
/// ASCII to ASCII and the others to themselves. `None` for any other character (the normaliser
/// does those lines).
fn nfkc_simple_char(c: char) -> Option<char> {
    match c {
        '\0'..='\u{7F}'
        | '\u{B7}'
        | '\u{2010}'
        | '\u{2012}'..='\u{2016}'
        | '\u{2018}'..='\u{2023}'
        | '\u{3001}'..='\u{3035}'
        | '\u{4E00}'..='\u{9FFF}' => Some(c),
        '\u{2000}'..='\u{200A}' | '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

/// NFKC of a line made only of the characters `nfkc_simple_char` folds.
#[cfg(test)]
fn nfkc_simple(line: &str) -> Option<String> {
    line.chars().map(nfkc_simple_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn bmp_bit_is_the_code_points_bit() {
        let mut set = [0u64; 1024];
        for (k, w) in set.iter_mut().enumerate() {
            *w = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        for c in ('\u{800}'..='\u{FFFF}').filter(|c| c.len_utf8() == 3) {
            let mut b = [0; 3];
            c.encode_utf8(&mut b);
            let cp = c as usize;
            assert_eq!(bmp_bit(&set, b[0], b[1], b[2]), set[cp >> 6] >> (cp & 63) & 1 == 1, "U+{cp:04X}");
        }
    }
    use crate::convert::Conversion;

    fn canon(text: &str) -> Vec<String> {
        canonicalise(text, &Converter::new(Conversion::None).unwrap()).lines.iter().map(str::to_owned).collect()
    }

    #[test]
    fn lines_hold_each_line_apart() {
        let texts = ["", "a", "", "", "漢字 b", ""];
        let mut lines = Lines::default();
        texts.iter().for_each(|t| lines.push(t));
        assert_eq!(lines.len(), texts.len());
        assert!(lines.iter().eq(texts));
        assert_eq!(lines.joined(), texts.join("\n"));
        assert_eq!((&lines[4], lines.get(5), lines.get(6)), ("漢字 b", Some(""), None));
        lines.push("c");
        assert_eq!((lines.len(), &lines[6]), (7, "c"));
        assert!(Lines::default().is_empty() && Lines::default().iter().next().is_none());
    }

    #[test]
    fn line_ends_and_trimming() {
        assert_eq!(canon("  a \r\n\u{3000}\u{3000}b\t\rc\u{a0}\n"), ["a", "b", "c", ""]);
    }

    #[test]
    fn width_folding_keeps_chinese_punctuation() {
        assert_eq!(canon("Ａ１：，。！？（）「」“”、ｚ"), ["A1：，。！？（）「」“”、z"]);
    }

    #[test]
    fn control_and_zero_width_removed() {
        assert_eq!(canon("a\u{200B}b\u{FEFF}c\u{7}d\te"), ["abcd\te"]);
    }

    #[test]
    fn pinyin_annotations_removed() {
        let c = canonicalise("手機(jī)版 歡迎使用手機(jī)瀏覽", &Converter::new(Conversion::None).unwrap());
        assert!(c.lines.iter().eq(["手機版 歡迎使用手機瀏覽"]));
        assert_eq!(c.pinyin_removed, 2);
    }

    #[test]
    fn ordinary_parentheses_kept() {
        for s in ["微软(Microsoft)发布", "委(黨組)書記", "中国(an)", "見(附件)", "价格(元)"] {
            assert_eq!(canon(s), [s], "{s}");
        }
    }

    #[test]
    fn toneless_pinyin_only_in_annotated_documents() {
        assert_eq!(canon("我的(de)書(shū)和(hé)筆(bǐ)"), ["我的書和筆"]);
        assert_eq!(canon("我的(de)書"), ["我的(de)書"]);
    }

    /// `is_pinyin` takes what the syllable grammar written as a regex takes: every string of up
    /// to three annotation letters, and every initial and final with a letter before or after.
    #[test]
    fn syllables_as_the_grammar_gives_them() {
        let grammar = Regex::new(
            r"^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:a|o|e|i|u|ü|v|ai|ei|ui|ao|ou|iu|ie|üe|ue|ve|er|an|en|in|un|ün|ang|eng|ing|ong|ia|iao|ian|iang|iong|ua|uo|uai|uan|uang|io|ê|m|n|ng)$",
        )
        .unwrap();
        let takes = |s: &str| grammar.is_match(&s.chars().map(toneless).collect::<String>());
        let letters: Vec<char> = ('a'..='z').chain("āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜêḿńňǹ".chars()).collect();
        let mut words = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = words.iter().flat_map(|w| letters.iter().map(move |c| format!("{w}{c}"))).collect();
            words.extend(longer);
        }
        for initial in ["", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w", "zh", "ch", "sh"] {
            for f in FINALS {
                words.extend(letters.iter().flat_map(|c| [format!("{c}{initial}{f}"), format!("{initial}{f}{c}"), format!("{initial}{f}")]));
            }
        }
        words.push("zhuangzhuang".into());
        for w in &words {
            assert_eq!(is_pinyin(w), takes(w), "{w}");
        }
    }

    #[test]
    fn annotations_need_a_pair_of_one_kind() {
        assert_eq!(canon("我的(de)書(shū)和（hé）筆(bǐ)"), ["我的書和筆"]);
        assert_eq!(canon("我的(de)書(shū)和(hé)筆(bǐ)𠀀（a)"), ["我的書和筆𠀀（a)"]);
    }

    #[test]
    fn conversion_is_repeated_until_stable() {
        let t2s = Converter::new(Conversion::T2s).unwrap();
        let once = canonicalise("於倫", &t2s).lines;
        assert!(once.iter().eq(["于伦"]));
        assert_eq!(canonicalise(&once[0], &t2s).lines, once);
    }

    /// The one pass that checks and converts gives what preparing and then converting give,
    /// whenever it answers; and it answers for text that needs no preparing.
    #[test]
    fn one_pass_converts_as_the_stages_do() {
        let t2s = Converter::new(Conversion::T2s).unwrap();
        let clean: Vec<char> = "的一是在不了有和人这中大为国们来說時對會為學體經發現書長乾隆於倫鬱，。！？：；“”、《》…—·abc 123\n\t".chars().collect();
        let mut pool = clean.clone();
        // Characters that need preparing, or are no NFC starter (NFC or not), and an annotation.
        pool.extend("\r\u{200B}\u{1}\u{2028}１Ａ\u{301}é★😀\u{F900}\u{3099}か(".chars());
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut one_pass, mut staged) = (0, 0);
        for round in 0..20_000 {
            let chars = if round % 2 == 0 { &clean } else { &pool };
            let mut text: String = (0..1 + next(60)).map(|_| chars[next(chars.len())]).collect();
            if round % 7 == 0 {
                text.push_str("機(jī)");
            }
            let found = annotations(&text);
            let unprepared = convert_unprepared(&text, &found, &t2s);
            let (prepared, removed) = prepare(&text, found);
            match unprepared {
                Some(converted) => {
                    one_pass += 1;
                    assert_eq!((&*prepared, removed), (&*text, 0), "{text:?}");
                    assert_eq!(converted, t2s.convert(&prepared), "{text:?}");
                }
                None => {
                    staged += 1;
                    assert!(chars.len() > clean.len() || text.contains("(jī)"), "{text:?} needs no preparing");
                }
            }
        }
        assert!(one_pass > 5_000 && staged > 5_000, "{one_pass} in one pass, {staged} staged");
        // Converters without a table always take the stages.
        assert!(convert_unprepared("的", &[], &Converter::new(Conversion::None).unwrap()).is_none());
    }

    /// The annotations found are the matches an unanchored search of the grammar written as a
    /// regex finds, on text made of the pieces that matter: Han characters (BMP, supplementary,
    /// `〇`), other characters, both kinds of parentheses, pinyin and other letters; and one pass
    /// of stripping them leaves none to strip.
    #[test]
    fn annotations_are_the_matches_of_their_grammar() {
        let grammar = Regex::new(
            r"(\p{Han})((?:\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜêḿńňǹ]{1,7}\)|（[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜêḿńňǹ]{1,7}）)+)",
        )
        .unwrap();
        let pieces = ["機", "𠀀", "〇", "ア", "，", "(", ")", "（", "）", "j", "ī", "Q", "1", " ", "(jī)", "(mā)", "（hé）", "(de)", "(zhuang)", "(abcdefgh)", "（a)"];
        proptest::proptest!(|(picks in proptest::collection::vec(0..pieces.len(), 0..40))| {
            let text: String = picks.iter().map(|&i| pieces[i]).collect();
            let ours: Vec<(usize, usize, &str, &str)> = annotations(&text).iter().map(|a| (a.start, a.end, a.han, a.syllables)).collect();
            let theirs: Vec<(usize, usize, &str, &str)> = grammar
                .captures_iter(&text)
                .map(|c| (c.get(0).unwrap().start(), c.get(0).unwrap().end(), c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()))
                .collect();
            proptest::prop_assert_eq!(ours, theirs, "{:?}", text);
            // Stripped once, nothing is left to strip.
            let (stripped, _) = strip_pinyin(&text, annotations(&text));
            proptest::prop_assert_eq!(strip_pinyin(&stripped, annotations(&stripped)).1, 0, "{:?}", text);
        });
    }

    #[test]
    fn han_is_the_han_script() {
        let han = Regex::new(r"^\p{Han}$").unwrap();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_han(c), han.is_match(c.encode_utf8(&mut [0; 4])), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn repeated_annotations_removed_in_one_pass() {
        assert_eq!(canon("機(jī)(jī)器"), ["機器"]);
    }

    #[test]
    fn annotations_removed_from_text_the_steps_changed() {
        assert_eq!(canon("ａ\r\n機(jī)器"), ["a", "機器"]);
    }

    #[test]
    fn split_lines_matches_canonical_lines() {
        let text = "a\r\nb\rc\u{2028}d\n\ne\n";
        assert_eq!(split_lines(text), ["a", "b", "c", "d", "", "e", ""]);
        assert_eq!(canon(text).len(), split_lines(text).len());
    }

    #[test]
    fn simple_nfkc_is_nfkc() {
        let nfkc = ComposingNormalizerBorrowed::new_nfkc();
        let mut simple = 0;
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            let s = c.to_string();
            if let Some(ours) = nfkc_simple(&s) {
                simple += 1;
                assert_eq!(ours, nfkc.normalize(&s), "U+{:04X}", c as u32);
            }
        }
        let spaces_dashes_quotes = 11 + 1 + 1 + 5 + 12 + 1;
        assert_eq!(simple, 0x80 + (0x9FFF - 0x4E00 + 1) + (0x3035 - 0x3001 + 1) + (0xFF5E - 0xFF01 + 1) + spaces_dashes_quotes);
        let text = include_str!("../fixtures/seeds/003_ef535a5139a792e3.txt");
        for line in text.lines() {
            if let Some(ours) = nfkc_simple(line) {
                assert_eq!(ours, nfkc.normalize(line));
            }
        }
    }

    #[test]
    fn nfc_starters_need_no_normaliser() {
        use icu_normalizer::properties::{CanonicalCombiningClassMapBorrowed, CanonicalDecompositionBorrowed, Decomposed};
        let ccc = CanonicalCombiningClassMapBorrowed::new();
        let decomposition = CanonicalDecompositionBorrowed::new();
        let nfc = ComposingNormalizerBorrowed::new_nfc();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let d = decomposition.decompose(c);
            if is_nfc_starter(c) {
                assert_eq!(ccc.get32_u8(c as u32), 0, "U+{:04X}", c as u32);
                assert_eq!(nfc.normalize(c.encode_utf8(&mut [0; 4])), c.to_string(), "U+{:04X}", c as u32);
            }
            if let Decomposed::Expansion(_, second) = d {
                assert!(!is_nfc_starter(second), "U+{:04X} composes", second as u32);
            }
        }
    }

    #[test]
    fn char_work_found_byte_by_byte() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let expected = if needs_work(c) { Scan::NeedsWork } else { Scan::Clean { in_nfc: is_nfc_starter(c) } };
            assert_eq!(scan_chars(&format!("中{c}a")), expected, "U+{:04X}", c as u32);
        }
        assert_eq!(scan_chars("党的二十大，“报告”…\t\n"), Scan::Clean { in_nfc: true });
    }

    #[test]
    fn nfc_starters_found_byte_by_byte() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(all_nfc_starters(&format!("中{c}a")), is_nfc_starter(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn input_lines_count_like_split_lines() {
        let none = Converter::new(Conversion::None).unwrap();
        for text in ["", "x", "\n", "\r", "\r\n", "a\r\nb", "a\rb\r", "a\u{2028}b\u{2029}", "a\n\n", "中\u{2026}\r\r\n\u{2028}", "a\n \u{3000}"] {
            let lines = split_lines(text);
            assert_eq!(canonicalise(text, &none).input_lines(text), lines.len() - usize::from(lines.last() == Some(&"")), "{text:?}");
        }
    }

    #[test]
    fn runs_fold_like_single_characters() {
        let by_chars = |line: &str| {
            let (mut out, mut fold) = (String::new(), Fold::default());
            for c in line.chars() {
                fold.push(&mut out, nfkc_simple_char(c)?);
            }
            Some(out)
        };
        for c in (0..=0xFFFFu32).filter_map(char::from_u32) {
            for line in [format!("中{c}a {c}1"), format!("{c}{c} 中"), format!("1 {c}")] {
                let mut out = String::new();
                let runs = fold_simple(&line, 0, &mut out, &mut |_| ()).then_some(out);
                assert_eq!(runs, by_chars(&line), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn view_folds_punctuation_and_spaces() {
        assert_eq!(view("來源 ： 共产党员网", None), "來源:共产党员网");
        assert_eq!(view("Copyright  2023  www", None), "Copyright 2023 www");
        assert_eq!(view("1 1 1", None), "1 1 1");
    }
}
