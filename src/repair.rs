//! Repair: mojibake found, and undone where the repair is exact.
//!
//! Text that was decoded with the wrong encoding upstream, typically UTF-8 bytes read as GBK
//! (`鏂伴椈` for `新闻`) or as Big5, is turned back into the bytes it came from and decoded as
//! UTF-8. A run of non-ASCII characters is repaired only when
//!
//! - under 80 % of its characters are common Han characters or CJK punctuation (ordinary text is
//!   above 90 % for 97 % of the runs on the dev pages, so most text costs one table lookup per
//!   character and no more);
//! - encoding it back is lossless: every character maps, and decoding the bytes gives the run again;
//! - the bytes are valid UTF-8, and the result is mostly common characters (at least 80 %, and at
//!   least 30 points more than before) with at least two Han characters.
//!
//! "Common" means the 3,755 level-1 characters of GB2312 and the 5,401 common characters of Big5,
//! read from encoding_rs's own tables. Runs of `锟斤拷`, `烫烫烫` or `屯屯屯` — what U+FFFD or
//! uninitialised memory becomes after a wrong round trip — cannot be repaired; they are counted.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{EncoderResult, Encoding, BIG5, GBK};
use memchr::memmem;

use crate::canon::{bmp_bit, char_at, line_breaks, BmpSet};
use serde::Serialize;

/// One repaired run of characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    /// 1-based line in the decoded input.
    pub line: usize,
    /// The encoding the UTF-8 bytes had been read as.
    pub misread_as: &'static str,
    pub before: String,
    pub after: String,
}

/// The outcome of [`repair`].
#[derive(Debug, Clone)]
pub struct Repaired<'a> {
    pub text: Cow<'a, str>,
    pub repairs: Vec<Repair>,
    /// Occurrences of `锟斤拷`, `烫烫烫` and `屯屯屯`.
    pub irreparable: usize,
}

/// Markers of text destroyed by a lossy round trip.
const IRREPARABLE: [&str; 3] = ["锟斤拷", "烫烫烫", "屯屯屯"];

/// Encodings UTF-8 bytes are commonly misread as.
const MISREAD_AS: [&Encoding; 2] = [GBK, BIG5];

/// Common characters, as a bitset over the BMP (8 KB): common Han characters, and CJK
/// punctuation and full-width forms, which are as common in real text as in mojibake.
static COMMON: LazyLock<Box<BmpSet>> = LazyLock::new(|| {
    let mut bits = Box::new([0u64; 0x10000 / 64]);
    let mut set = |cp: u32| bits[cp as usize / 64] |= 1 << (cp % 64);
    let mut mark = |enc: &'static Encoding, leads: std::ops::RangeInclusive<u8>, trails: &[std::ops::RangeInclusive<u8>], last: (u8, u8)| {
        for lead in leads {
            for trail in trails.iter().flat_map(|r| r.clone()) {
                if (lead, trail) > last {
                    return;
                }
                let pair = [lead, trail];
                let (text, errors) = enc.decode_without_bom_handling(&pair);
                if let (false, Some(c)) = (errors, text.chars().next()) {
                    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
                        set(c as u32);
                    }
                }
            }
        }
    };
    // GB2312 level 1: B0A1–D7F9. Big5 common characters: A440–C67E.
    mark(GBK, 0xB0..=0xD7, &[0xA1..=0xFE], (0xD7, 0xF9));
    mark(BIG5, 0xA4..=0xC6, &[0x40..=0x7E, 0xA1..=0xFE], (0xC6, 0x7E));
    for cp in (0x3000..=0x303F).chain(0xFF00..=0xFFEF).chain([0x2014, 0x2026, 0x201C, 0x201D]) {
        set(cp);
    }
    bits
});

fn is_common(c: char) -> bool {
    let cp = c as usize;
    COMMON.get(cp / 64).is_some_and(|w| w >> (cp % 64) & 1 == 1)
}

/// Share of common characters among the non-ASCII characters of `s`.
fn common_share(s: &str) -> f64 {
    let (mut n, mut common) = (0usize, 0usize);
    for c in s.chars().filter(|c| !c.is_ascii()) {
        n += 1;
        common += usize::from(is_common(c));
    }
    if n == 0 { 1.0 } else { common as f64 / n as f64 }
}

/// Characters that can be part of a mojibake run: non-ASCII, not a line break, not U+FFFD
/// (a replaced byte means the original bytes are lost).
fn in_run(c: char) -> bool {
    !c.is_ascii() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFD}')
}

/// Finds mojibake in `text` and repairs the runs whose repair is exact.
pub fn repair(text: &str) -> Repaired<'_> {
    static FINDERS: LazyLock<[memmem::Finder<'static>; 3]> = LazyLock::new(|| IRREPARABLE.map(memmem::Finder::new));
    let irreparable = FINDERS.iter().map(|f| f.find_iter(text.as_bytes()).count()).sum();
    let mut repairs = Vec::new();
    let mut out = String::new();
    let mut copied = 0; // bytes of `text` already in `out`
    for (line, start, end) in candidate_runs(text) {
        let run = &text[start..end];
        if let Some((after, misread_as)) = repair_run(run) {
            out.push_str(&text[copied..start]);
            out.push_str(&after);
            copied = end;
            repairs.push(Repair { line, misread_as, before: run.to_owned(), after });
        }
    }
    let text = if repairs.is_empty() {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    };
    Repaired { text, repairs, irreparable }
}

/// Whether [`repair`] would repair anything in `text`.
pub fn repairs_any(text: &str) -> bool {
    candidate_runs(text).any(|(_, start, end)| repair_run(&text[start..end]).is_some())
}

/// The runs of `text` that [`repair_run`] does not refuse at once (at least two characters, under
/// 80 % common): their 1-based line and byte range. Walked byte by byte, decoding only what is
/// neither ASCII nor a three-byte character: most text is one long run of common characters, so
/// this loop is where the time goes. Lines are counted only up to a run that is returned, which
/// few are.
fn candidate_runs(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let common = &*COMMON;
    let (mut line, mut counted) = (1, 0); // the line at byte `counted`
    let mut next = 0;
    std::iter::from_fn(move || {
        // A local copy, which the compiler keeps in a register in the loops below.
        let mut i = next;
        loop {
            i = skip_ascii(bytes, i);
            if i == bytes.len() {
                next = i;
                return None;
            }
            let start = i;
            let (end, n, common_chars) = scan_run(bytes, i, common);
            i = end;
            if i == start {
                // A character that ends runs (U+2028, U+2029, U+FFFD) and starts none.
                i += char_at(bytes, i).1;
                continue;
            }
            // Under `REPAIR_BELOW` (80 %), in integers: runs are many, and a division is slow.
            if n >= 2 && common_chars * 5 < n * 4 {
                line += line_breaks(&text[counted..start]).count();
                counted = start;
                next = i;
                return Some((line, start, i));
            }
        }
    })
}

/// The run of characters that starts at byte `i`: where it ends, its characters, and how many of
/// them are common. Kept apart from the iterator's state, so that the loop runs in registers.
fn scan_run(bytes: &[u8], mut i: usize, common: &BmpSet) -> (usize, usize, usize) {
    let (mut n, mut common_chars) = (0usize, 0usize);
    loop {
        // Three-byte characters (U+0800..U+FFFF, nearly all of Chinese text, punctuation too),
        // looked up without decoding; the three that end a run (U+2028, U+2029, U+FFFD), none
        // of them common, are left to the case below.
        let mut taken = 0;
        for &[b0, b1, b2] in bytes[i..].as_chunks::<3>().0 {
            if b0 & 0xF0 != 0xE0 {
                break;
            }
            if bmp_bit(common, b0, b1, b2) {
                common_chars += 1;
            } else if ends_run(b0, b1, b2) {
                break;
            }
            taken += 1;
        }
        n += taken;
        i += 3 * taken;
        if bytes.get(i).is_none_or(|&b| b < 0x80) {
            break;
        }
        let (c, width) = char_at(bytes, i);
        if !in_run(c) {
            break;
        }
        n += 1;
        common_chars += usize::from(is_common(c));
        i += width;
    }
    (i, n, common_chars)
}

/// Whether `b0 b1 b2` is U+2028 or U+2029 (E2 80 A8/A9) or U+FFFD (EF BF BD): the three-byte
/// characters not [`in_run`].
#[inline(always)]
fn ends_run(b0: u8, b1: u8, b2: u8) -> bool {
    (b0 == 0xE2 && b1 == 0x80 && b2 & 0xFE == 0xA8) || (b0 == 0xEF && b1 == 0xBF && b2 == 0xBD)
}

/// The first byte of `bytes` from `i` on that is not ASCII, or the length: eight bytes at a time.
fn skip_ascii(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..i + 8) {
        let high = u64::from_le_bytes(word.try_into().expect("eight bytes")) & 0x8080_8080_8080_8080;
        if high != 0 {
            return i + high.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b >= 0x80).map_or(bytes.len(), |k| i + k)
}

/// A run whose share of common characters is this or more is left alone.
const REPAIR_BELOW: f64 = 0.8;

fn repair_run(run: &str) -> Option<(String, &'static str)> {
    run.chars().nth(1)?;
    let before = common_share(run);
    if before >= REPAIR_BELOW {
        return None;
    }
    let first = run.chars().next().map_or(0, char::len_utf8);
    MISREAD_AS.iter().find_map(|enc| {
        // The bytes of the first character must begin UTF-8, or nothing is repaired: known
        // without encoding a long run that is rare characters, not mojibake.
        let mut head = [0u8; 8];
        let (result, _, written) = enc.new_encoder().encode_from_utf8_without_replacement(&run[..first], &mut head, true);
        if result != EncoderResult::InputEmpty || std::str::from_utf8(&head[..written]).is_err_and(|e| e.error_len().is_some()) {
            return None;
        }
        let (bytes, _, unmappable) = enc.encode(run);
        if unmappable || enc.decode_without_bom_handling(&bytes).0 != run {
            return None;
        }
        let (fixed, rest) = utf8_prefix(run, &bytes, enc)?;
        // A repair never adds a line break or a control character: lines stay line for line.
        if fixed.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) {
            return None;
        }
        let han = fixed.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).count();
        let share = common_share(fixed);
        (han >= 2 && share >= 0.8 && share >= before + 0.3).then(|| (format!("{fixed}{rest}"), enc.name()))
    })
}

/// The longest prefix of `run` whose bytes are complete UTF-8, decoded, and the rest of `run`.
/// A run usually ends in the middle of a UTF-8 character whose last byte the misreading lost
/// (it became U+FFFD, outside the run): the prefix is still exact, the rest is left as it is.
fn utf8_prefix<'r, 'b>(run: &'r str, bytes: &'b [u8], enc: &'static Encoding) -> Option<(&'b str, &'r str)> {
    let valid = match std::str::from_utf8(bytes) {
        Ok(all) => return Some((all, "")),
        Err(e) => e.valid_up_to(),
    };
    // Encodings of single characters concatenate (GBK and Big5 are stateless), so walk the run.
    let (mut at, mut end) = (0, 0);
    for (i, c) in run.char_indices() {
        let next = at + enc.encode(&run[i..i + c.len_utf8()]).0.len();
        if next > valid {
            break;
        }
        at = next;
        if std::str::from_utf8(&bytes[..at]).is_ok() {
            end = i + c.len_utf8();
        }
    }
    let fixed = std::str::from_utf8(&bytes[..enc.encode(&run[..end]).0.len()]).ok()?;
    (!fixed.is_empty()).then_some((fixed, &run[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an upstream tool produced by reading UTF-8 bytes as `enc`.
    fn misread(text: &str, enc: &'static Encoding) -> String {
        enc.decode_without_bom_handling(text.as_bytes()).0.into_owned()
    }

    /// Every run of `text` with its characters and common characters, as `scan_run` finds them.
    fn scanned_runs(text: &str) -> Vec<(usize, usize, usize, usize)> {
        let (bytes, mut runs, mut i) = (text.as_bytes(), Vec::new(), 0);
        while i < bytes.len() {
            i = skip_ascii(bytes, i);
            if i == bytes.len() {
                break;
            }
            let (end, n, common) = scan_run(bytes, i, &COMMON);
            if end == i {
                i += char_at(bytes, i).1;
            } else {
                runs.push((i, end, n, common));
                i = end;
            }
        }
        runs
    }

    /// The same, a character at a time.
    fn runs_by_chars(text: &str) -> Vec<(usize, usize, usize, usize)> {
        let mut runs: Vec<(usize, usize, usize, usize)> = Vec::new();
        let mut open = false;
        for (i, c) in text.char_indices() {
            if !in_run(c) {
                open = false;
            } else if open {
                let run = runs.last_mut().expect("an open run");
                *run = (run.0, i + c.len_utf8(), run.2 + 1, run.3 + usize::from(is_common(c)));
            } else {
                runs.push((i, i + c.len_utf8(), 1, usize::from(is_common(c))));
                open = true;
            }
        }
        runs
    }

    #[test]
    fn runs_scanned_byte_by_byte() {
        for c in (0x80..=0xFFFFu32).chain((0x10000..=0x10FFFF).step_by(251)).filter_map(char::from_u32) {
            let text = format!("中{c}文a{c}{c}，“{c}”\n");
            assert_eq!(scanned_runs(&text), runs_by_chars(&text), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn utf8_read_as_gbk_is_repaired_exactly() {
        // Every run has an even number of UTF-8 bytes, so no byte was lost in the misreading.
        let original = "新闻中心\n深入推进党的建设新的伟大工程\nABC 新华社北京电\n";
        let broken = misread(original, GBK);
        assert!(broken.starts_with("鏂伴椈"), "{broken}");
        let r = repair(&broken);
        assert_eq!(r.text, original);
        assert_eq!(r.repairs.len(), 3);
        assert_eq!((r.repairs[0].line, r.repairs[0].misread_as), (1, "GBK"));
        assert_eq!(r.repairs[2].line, 3);
    }

    #[test]
    fn runs_are_found_on_the_line_they_are_on() {
        // Every kind of line break before a run, and runs after ASCII words of any length.
        let run = misread("新闻", GBK);
        let text = format!("a\r\nbb\rccc\u{2028}dddd\u{2029}\n{run}\nééé\u{FFFD}{run} 123456789{run}\n\n{run}");
        let lines: Vec<usize> = candidate_runs(&text).map(|(line, ..)| line).collect();
        assert_eq!(lines, [6, 7, 7, 7, 9]);
        let ranges: Vec<&str> = candidate_runs(&text).map(|(_, s, e)| &text[s..e]).collect();
        assert_eq!(ranges, [run.as_str(), "ééé", &run, &run, &run]);
    }

    #[test]
    fn utf8_read_as_big5_is_repaired_when_nothing_was_lost() {
        // 中文 is E4 B8 AD E6 96 87: every byte pair is a valid Big5 character.
        let broken = misread("中文", BIG5);
        if !broken.contains('\u{FFFD}') {
            assert_eq!(repair(&broken).text, "中文");
        }
    }

    #[test]
    fn correct_text_is_never_touched() {
        for text in [
            "党的二十大报告提出建设高素质干部队伍。",
            "黨的二十大報告提出建設高素質幹部隊伍。",
            "鑫森淼焱垚",
            "瀚海阑干百丈冰",
            "Ｔｈｅ　ｑｕｉｃｋ",
            "こんにちは、世界",
            "안녕하세요",
        ] {
            let r = repair(text);
            assert_eq!(r.text, text, "{text}");
            assert!(r.repairs.is_empty());
        }
    }

    #[test]
    fn lost_bytes_are_not_guessed() {
        // 新闻网 is 9 bytes: read as GBK the last byte has no partner and becomes U+FFFD, so 网 is
        // lost; 新闻 is repaired, the character holding 网's first two bytes is left as it was.
        let broken = misread("新闻网\n", GBK);
        let r = repair(&broken);
        assert!(r.text.starts_with("新闻") && r.text.ends_with("\u{FFFD}\n"), "{:?}", r.text);
        assert_eq!(r.text.chars().count(), broken.chars().count() - 1);
    }

    #[test]
    fn irreparable_markers_are_counted() {
        let r = repair("标题锟斤拷锟斤拷\n烫烫烫烫烫烫");
        assert_eq!(r.irreparable, 4);
        assert!(r.repairs.is_empty());
    }

    #[test]
    fn integer_threshold_is_the_share_threshold() {
        for n in 2..3000usize {
            for c in 0..=n {
                assert_eq!(c * 5 < n * 4, (c as f64 / n as f64) < REPAIR_BELOW, "{c}/{n}");
            }
        }
    }

    #[test]
    fn common_table_sizes() {
        let n: u32 = COMMON[0x4E00 / 64..=0x9FFF / 64].iter().map(|w| w.count_ones()).sum();
        // GB2312 level 1 and Big5 common overlap in characters shared by both scripts.
        assert!((6000..9156).contains(&n), "{n}");
    }
}
