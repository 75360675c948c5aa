//! Turning the raw bytes of a scraped document into text.
//!
//! [`decode`] decides the encoding of a document and decodes it, reporting
//! how the encoding was decided ([`Method`]), whether a byte-order mark was
//! present and how many malformed byte sequences were replaced by U+FFFD.
//!
//! # Order of detection
//!
//! 1. **Override** — if the caller gives a [`Label`] (`--encoding LABEL`), the
//!    input is decoded with it. A byte-order mark matching that encoding is
//!    stripped (for the byte-order-less labels `utf-16` and `utf-32` a BOM of
//!    either byte order is honoured; without one they mean little-endian).
//!    Method [`Method::Override`].
//! 2. **BOM** — UTF-32LE (`FF FE 00 00`, checked before UTF-16LE because
//!    `FF FE` is its prefix), UTF-32BE (`00 00 FE FF`), UTF-8 (`EF BB BF`),
//!    UTF-16LE (`FF FE`), UTF-16BE (`FE FF`). Method [`Method::Bom`].
//! 3. **NUL bytes** — a BOM-less UTF-32 or UTF-16 text of ASCII-heavy content
//!    is valid UTF-8 (NUL is valid UTF-8), so if the input contains any NUL
//!    byte, the UTF-32 sniff (4) and then the UTF-16 sniff (5) are run first.
//!    If neither matches, the input is refused as [`DecodeError::Binary`] when
//!    the first 8 KiB contain NUL bytes and either the input is not valid
//!    UTF-8 or more than 1 % of those bytes are NUL. (A few stray NULs in
//!    otherwise valid UTF-8, or NULs only after the first 8 KiB, are let
//!    through; the canonicaliser removes control characters.)
//! 4. **Strict UTF-8** — `std::str::from_utf8` on the whole input (empty
//!    input is UTF-8). Method [`Method::Utf8`]. HZ-GB-2312 (7-bit, `~{ … ~}`
//!    escapes around GB2312 byte pairs) is valid UTF-8 and is refused here as
//!    [`DecodeError::Undecodable`]. Input that is *almost* UTF-8 — in the first
//!    64 KiB at least 20 valid multi-byte sequences per malformed one, e.g. a document
//!    truncated in the middle of a character or with a stray bad byte — is
//!    also decoded as UTF-8 (malformed sequences replaced and counted),
//!    method [`Method::Utf8`]; legacy CJK text never comes close to that ratio.
//! 5. **BOM-less UTF-32 sniff** (only reached with NUL bytes, see 3): in the
//!    first 4 KiB at least 90 % of the complete 4-byte units are Unicode scalar
//!    values (≤ U+10FFFF, not surrogates) that are not control characters
//!    (tab, LF, FF, CR allowed), for one byte order and more than for the
//!    other. A trailing partial unit is ignored by the sniff and counted as
//!    one malformed sequence when decoding. Method [`Method::Utf32Sniff`].
//! 6. **BOM-less UTF-16 sniff** on the first 4 KiB: the bytes are read as
//!    UTF-16LE and as UTF-16BE code units and each byte order is scored by the
//!    share of "plausible text" units (ASCII printable and tab/LF/CR,
//!    U+00A0–024F, U+0370–04FF, U+2000–206F, U+3000–30FF, U+3400–4DBF,
//!    U+4E00–9FFF, U+FF00–FFEF, and valid surrogate pairs; an unpaired
//!    surrogate makes that byte order score 0). The byte order with score ≥ 0.9 that beats the
//!    other by more than 0.3 wins. ASCII-heavy UTF-16 scores high both ways
//!    (its letters read in the wrong order are CJK ideographs); then a byte
//!    order with score ≥ 0.9 wins if at least 10 % of the units have a NUL
//!    high byte for it and the other order has at most a quarter as many.
//!    Method [`Method::Utf16Sniff`]. The sniff is run only when the input
//!    contains NUL bytes (step 3) or is not valid UTF-8, and in both cases only
//!    if its first 4 KiB contain a C0 control byte other than tab/LF/CR
//!    (NUL included). Real UTF-16 Chinese nearly always has one (ASCII, `，` U+FF0C,
//!    `、` U+3001, `。` U+3002, …) while legacy multi-byte text never does —
//!    and without this guard Shift_JIS or GBK text whose lead bytes are
//!    0x81–0x9F reads as big-endian CJK ideographs and scores ≈ 1.0.
//! 7. **Legacy detection** — `chardetng` (about 5 MB/s) is fed the first 2 KiB, asked for a
//!    guess after 128, 256, 512, 1024 and 2048 bytes, and stopped early when two guesses in a row
//!    name the same CJK multi-byte encoding. That guess stands if it is a CJK multi-byte
//!    encoding in which the *whole* input decodes without a malformed sequence (on the
//!    shared encoding test set this changes no answer on text). Otherwise it is fed at most
//!    the first 64 KiB (with `last = true` only if that is the whole input),
//!    guessing with no TLD hint (a `cn` hint turns Big5 into GBK), and the
//!    *whole* input is decoded with the guessed encoding. GBK/GB2312 use encoding_rs's GBK
//!    decoder, which is the full gb18030 decoder. Should the detector ever
//!    answer an encoding that cannot be used here (`replacement`, UTF-16,
//!    `x-user-defined`), GBK is used instead; the malformed count then shows
//!    how well that went. Method [`Method::Detector`]. Before it, EUC-TW —
//!    byte pairs like GB2312's, but with lead bytes 0xC4–0xFD and almost none in
//!    0xB0–0xC3, where GB2312, EUC-KR and EUC-JP text has its most common
//!    characters — is refused as [`DecodeError::Undecodable`], not decoded as GBK.
//!
//! [`Decoding::confidence`] says how sure the decision is: `certain` for an
//! override, a BOM or clean UTF-8; `high` for a sniff or a detector guess on at
//! least 30 non-ASCII characters, decoded without errors; `low` otherwise.
//!
//! Malformed sequences are replaced by one U+FFFD each and counted
//! ([`Decoding::malformed`]). UTF-32, which is not a WHATWG encoding, is
//! decoded by a small decoder here: every invalid unit, and a trailing partial
//! unit, becomes one U+FFFD.
//!
//! Nothing here prints, exits or panics on any input.

use encoding_rs::{
    DecoderResult, Encoding, BIG5, EUC_JP, EUC_KR, GBK, REPLACEMENT, SHIFT_JIS, UTF_16BE, UTF_16LE,
    UTF_8, X_USER_DEFINED,
};

/// How the encoding of a document was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Override,
    Bom,
    Utf8,
    Utf16Sniff,
    Utf32Sniff,
    Detector,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decoding {
    /// WHATWG name of the encoding used, e.g. "UTF-8", "GBK", "Big5", "UTF-16LE"; "UTF-32LE"/"UTF-32BE" for UTF-32.
    pub encoding: &'static str,
    pub method: Method,
    /// Whether the input began with a byte-order mark (it is not part of `text`).
    pub bom: bool,
    /// Number of malformed byte sequences replaced by U+FFFD.
    pub malformed: usize,
    /// How sure the decision is.
    pub confidence: Confidence,
}

/// How sure an encoding decision is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Given by the user, by a byte-order mark, or valid UTF-8 throughout.
    Certain,
    /// A sniff or the detector on enough text, decoding without errors.
    High,
    /// The detector on little text, or decoding with errors: check the output.
    Low,
}

/// Fewest non-ASCII characters for a detector guess to count as sure.
const SURE_NON_ASCII: usize = 30;

fn confidence(d: &Decoded) -> Confidence {
    let clean = d.decoding.malformed == 0;
    match d.decoding.method {
        Method::Override | Method::Bom => Confidence::Certain,
        Method::Utf8 if clean => Confidence::Certain,
        Method::Utf16Sniff | Method::Utf32Sniff if clean => Confidence::High,
        Method::Detector if clean && d.text.chars().filter(|c| !c.is_ascii()).take(SURE_NON_ASCII).count() == SURE_NON_ASCII => {
            Confidence::High
        }
        _ => Confidence::Low,
    }
}

pub struct Decoded {
    pub text: String,
    pub decoding: Decoding,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("unknown encoding label `{label}`")]
    UnknownEncoding { label: String },
    #[error("binary data (NUL bytes at offset {offset}), not text")]
    Binary { offset: usize },
    #[error("encoding {name} cannot be decoded")]
    Unsupported { name: String },
    /// Detected, but not decodable here: better an error than garbage.
    #[error("looks like {name}, which zhclean cannot decode; convert it to UTF-8 first")]
    Undecodable { name: &'static str },
    /// Malformed input refused because the caller asked for strictness (`--strict`).
    #[error("{count} malformed byte sequence(s) in {encoding} (refused by --strict)")]
    Malformed { encoding: &'static str, count: usize },
}

const UTF32LE_NAME: &str = "UTF-32LE";
const UTF32BE_NAME: &str = "UTF-32BE";

/// Bytes examined by the UTF-16 / UTF-32 sniffs.
const SNIFF_LEN: usize = 4 * 1024;
/// Bytes examined for NUL bytes when deciding whether the input is binary.
const BINARY_LEN: usize = 8 * 1024;
/// Bytes fed to chardetng.
const DETECTOR_LEN: usize = 64 * 1024;
/// Bytes fed to chardetng first, at most (see [`decode`]).
const QUICK_LEN: usize = 2 * 1024;
/// Where [`quick_guess`] asks for a guess; the last is `QUICK_LEN`.
const QUICK_STEPS: [usize; 5] = [128, 256, 512, 1024, QUICK_LEN];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Whatwg(&'static Encoding),
    Utf32(Endian),
}

/// A user-given encoding override (`--encoding LABEL`). Accepts WHATWG labels (gbk, gb2312, gb18030, big5, utf-8, utf-16le, shift_jis, ...) plus utf-32le / utf-32be / utf-32. Rejects labels that map to the WHATWG `replacement` encoding (e.g. hz-gb-2312, iso-2022-cn) with Unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    kind: Kind,
    /// `utf-16` / `utf-32` without a byte order: a BOM of either order decides.
    any_order: bool,
}

impl Label {
    /// Parses an encoding label (ASCII case and surrounding whitespace are ignored).
    pub fn parse(label: &str) -> Result<Label, DecodeError> {
        let trimmed = label.trim();
        let norm = trimmed.to_ascii_lowercase().replace('_', "-");
        let utf32 = match norm.as_str() {
            "utf-32" | "utf32" => Some((Endian::Little, true)),
            "utf-32le" | "utf32le" => Some((Endian::Little, false)),
            "utf-32be" | "utf32be" => Some((Endian::Big, false)),
            _ => None,
        };
        if let Some((endian, any_order)) = utf32 {
            return Ok(Label {
                kind: Kind::Utf32(endian),
                any_order,
            });
        }
        let encoding = Encoding::for_label(trimmed.as_bytes())
            .or_else(|| {
                if norm == "utf16" {
                    Some(UTF_16LE)
                } else {
                    None
                }
            })
            .ok_or_else(|| DecodeError::UnknownEncoding {
                label: label.to_string(),
            })?;
        if encoding == REPLACEMENT {
            return Err(DecodeError::Unsupported {
                name: trimmed.to_string(),
            });
        }
        let any_order = matches!(norm.as_str(), "utf-16" | "utf16");
        Ok(Label {
            kind: Kind::Whatwg(encoding),
            any_order,
        })
    }

    /// The name of the encoding: its WHATWG name, or "UTF-32LE"/"UTF-32BE".
    /// (`utf-16`/`utf-32` without byte order give the little-endian name.)
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Whatwg(e) => e.name(),
            Kind::Utf32(Endian::Little) => UTF32LE_NAME,
            Kind::Utf32(Endian::Big) => UTF32BE_NAME,
        }
    }
}

/// Decodes a document, deciding its encoding as described in the module docs.
pub fn decode(bytes: &[u8], over: Option<Label>) -> Result<Decoded, DecodeError> {
    let mut decoded = decide(bytes, over)?;
    decoded.decoding.confidence = confidence(&decoded);
    Ok(decoded)
}

fn decide(bytes: &[u8], over: Option<Label>) -> Result<Decoded, DecodeError> {
    if let Some(label) = over {
        return Ok(decode_override(bytes, label));
    }

    if let Some((kind, bom_len)) = sniff_bom(bytes) {
        return Ok(decode_kind(&bytes[bom_len..], kind, Method::Bom, true));
    }

    let first_nul = memchr::memchr(0, bytes);
    if let Some(offset) = first_nul {
        if let Some(endian) = sniff_utf32(bytes) {
            return Ok(decode_kind(
                bytes,
                Kind::Utf32(endian),
                Method::Utf32Sniff,
                false,
            ));
        }
        if let Some(enc) = sniff_utf16(bytes) {
            return Ok(decode_kind(
                bytes,
                Kind::Whatwg(enc),
                Method::Utf16Sniff,
                false,
            ));
        }
        if offset < BINARY_LEN {
            let window = &bytes[..bytes.len().min(BINARY_LEN)];
            let nuls = window.iter().filter(|&&b| b == 0).count();
            if nuls * 100 > window.len() || std::str::from_utf8(bytes).is_err() {
                return Err(DecodeError::Binary { offset });
            }
        }
    }

    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        if looks_like_hz(&bytes[..bytes.len().min(DETECTOR_LEN)]) {
            return Err(DecodeError::Undecodable { name: "HZ-GB-2312" });
        }
        return Ok(Decoded {
            text: s.to_owned(),
            decoding: Decoding {
                encoding: UTF_8.name(),
                method: Method::Utf8,
                bom: false,
                malformed: 0,
                confidence: Confidence::Low,
            },
        });
    }

    if mostly_utf8(bytes) {
        return Ok(decode_kind(bytes, Kind::Whatwg(UTF_8), Method::Utf8, false));
    }

    let utf16 = if first_nul.is_none() {
        sniff_utf16(bytes)
    } else {
        None
    };
    if let Some(enc) = utf16 {
        return Ok(decode_kind(
            bytes,
            Kind::Whatwg(enc),
            Method::Utf16Sniff,
            false,
        ));
    }

    if looks_like_euc_tw(&bytes[..bytes.len().min(DETECTOR_LEN)]) {
        return Err(DecodeError::Undecodable { name: "EUC-TW" });
    }
    // The detector is slow: its answer on a short prefix stands when it names a CJK encoding
    // in which the whole input decodes cleanly (step 7).
    if bytes.len() > QUICK_LEN {
        let quick = quick_guess(&bytes[..QUICK_LEN]);
        if CJK.contains(&quick) {
            let d = decode_kind(bytes, Kind::Whatwg(quick), Method::Detector, false);
            if d.decoding.malformed == 0 {
                return Ok(d);
            }
        }
    }
    let encoding = detect_legacy(bytes);
    Ok(decode_kind(
        bytes,
        Kind::Whatwg(encoding),
        Method::Detector,
        false,
    ))
}

/// HZ-GB-2312 (RFC 1843) is 7-bit ASCII in which `~{` … `~}` enclose GB2312 byte pairs, each
/// byte 0x21–0x7E. It is valid UTF-8, so it must be recognised before UTF-8 is accepted:
/// at least two such pairs inside escapes, and the input all ASCII.
fn looks_like_hz(prefix: &[u8]) -> bool {
    if !prefix.is_ascii() {
        return false;
    }
    let mut pairs = 0;
    let mut rest = prefix;
    while let Some(start) = rest.windows(2).position(|w| w == b"~{") {
        rest = &rest[start + 2..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let Some(close) = rest[..end].windows(2).position(|w| w == b"~}") else {
            return false;
        };
        let inner = &rest[..close];
        if !inner.len().is_multiple_of(2) || !inner.iter().all(|b| (0x21..=0x7E).contains(b)) {
            return false;
        }
        pairs += inner.len() / 2;
        rest = &rest[close + 2..];
    }
    pairs >= 2
}

/// EUC-TW (CNS 11643) looks like GB2312 byte for byte (pairs of 0xA1–0xFE), and chardetng takes it
/// for GBK. Its plane-1 Han characters use lead bytes 0xC4–0xFD only, while GB2312 text has about
/// 40 % of its pairs with lead bytes 0xB0–0xC3 (its most common characters); EUC-KR and EUC-JP
/// also use that range heavily. So: at least 16 pairs, no trail byte below 0xA1 (no GBK or Big5
/// extension), under 3 % of lead bytes in 0xB0–0xC3 and over 60 % in 0xC4–0xFD.
fn looks_like_euc_tw(prefix: &[u8]) -> bool {
    let (mut pairs, mut common_gb, mut cns) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < prefix.len() {
        let lead = prefix[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        // SS2: a character of another CNS plane, `8E A1..B0 xx xx`.
        if lead == 0x8E && prefix.get(i + 1).is_some_and(|b| (0xA1..=0xB0).contains(b)) {
            i += 4;
            continue;
        }
        let Some(&trail) = prefix.get(i + 1) else { break };
        if !(0xA1..=0xFE).contains(&lead) || trail < 0xA1 {
            return false;
        }
        pairs += 1;
        common_gb += usize::from((0xB0..=0xC3).contains(&lead));
        cns += usize::from((0xC4..=0xFD).contains(&lead));
        i += 2;
        // Even if every byte left made a pair outside 0xB0–0xC3, the share would stay too high:
        // GB2312 text is ruled out within its first few hundred pairs.
        if common_gb * 100 >= (pairs + (prefix.len() - i) / 2) * 3 {
            return false;
        }
    }
    pairs >= 16 && common_gb * 100 < pairs * 3 && cns * 10 > pairs * 6
}

fn decode_override(bytes: &[u8], label: Label) -> Decoded {
    let (kind, bom_len) = match (sniff_bom(bytes), label.kind) {
        (Some((found, len)), wanted) if found == wanted => (wanted, len),
        // `utf-16` / `utf-32` without byte order: honour a BOM of either order.
        (Some((found @ Kind::Whatwg(e), len)), Kind::Whatwg(w))
            if label.any_order
                && (e == UTF_16BE || e == UTF_16LE)
                && (w == UTF_16LE || w == UTF_16BE) =>
        {
            (found, len)
        }
        (Some((found @ Kind::Utf32(_), len)), Kind::Utf32(_)) if label.any_order => (found, len),
        (_, wanted) => (wanted, 0),
    };
    decode_kind(&bytes[bom_len..], kind, Method::Override, bom_len > 0)
}

/// Recognises a byte-order mark; returns the encoding and the BOM's length.
fn sniff_bom(bytes: &[u8]) -> Option<(Kind, usize)> {
    if bytes.starts_with(&[0xFF, 0xFE, 0x00, 0x00]) {
        Some((Kind::Utf32(Endian::Little), 4))
    } else if bytes.starts_with(&[0x00, 0x00, 0xFE, 0xFF]) {
        Some((Kind::Utf32(Endian::Big), 4))
    } else if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Kind::Whatwg(UTF_8), 3))
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        Some((Kind::Whatwg(UTF_16LE), 2))
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Some((Kind::Whatwg(UTF_16BE), 2))
    } else {
        None
    }
}

fn decode_kind(bytes: &[u8], kind: Kind, method: Method, bom: bool) -> Decoded {
    let (text, malformed, encoding) = match kind {
        Kind::Whatwg(e) => {
            let (text, malformed) = decode_whatwg(bytes, e);
            (text, malformed, e.name())
        }
        Kind::Utf32(endian) => {
            let (text, malformed) = decode_utf32(bytes, endian);
            let name = match endian {
                Endian::Little => UTF32LE_NAME,
                Endian::Big => UTF32BE_NAME,
            };
            (text, malformed, name)
        }
    };
    Decoded {
        text,
        decoding: Decoding {
            encoding,
            method,
            bom,
            malformed,
            confidence: Confidence::Low,
        },
    }
}

/// Decodes with an encoding_rs encoding (no BOM handling), replacing each
/// malformed sequence by one U+FFFD and counting them.
fn decode_whatwg(bytes: &[u8], encoding: &'static Encoding) -> (String, usize) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let initial = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len());
    let mut out = String::with_capacity(initial);
    let mut src = bytes;
    let mut malformed = 0usize;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, true);
        src = src.get(read..).unwrap_or(&[]);
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let need = decoder
                    .max_utf8_buffer_length_without_replacement(src.len())
                    .unwrap_or(src.len());
                out.reserve(need.max(16));
            }
            DecoderResult::Malformed(_, _) => {
                malformed += 1;
                out.push('\u{FFFD}');
            }
        }
    }
    (out, malformed)
}

fn utf32_unit(chunk: &[u8], endian: Endian) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&chunk[..4]);
    match endian {
        Endian::Little => u32::from_le_bytes(a),
        Endian::Big => u32::from_be_bytes(a),
    }
}

/// UTF-32 decoder: invalid units and a trailing partial unit become U+FFFD (counted).
fn decode_utf32(bytes: &[u8], endian: Endian) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len());
    let mut malformed = 0usize;
    let chunks = bytes.chunks_exact(4);
    let partial = !chunks.remainder().is_empty();
    for chunk in chunks {
        match char::from_u32(utf32_unit(chunk, endian)) {
            Some(c) => out.push(c),
            None => {
                malformed += 1;
                out.push('\u{FFFD}');
            }
        }
    }
    if partial {
        malformed += 1;
        out.push('\u{FFFD}');
    }
    (out, malformed)
}

fn sniff_utf32(bytes: &[u8]) -> Option<Endian> {
    let sample = &bytes[..bytes.len().min(SNIFF_LEN)];
    let units = sample.len() / 4;
    if units == 0 {
        return None;
    }
    let score = |endian: Endian| {
        let good = sample
            .chunks_exact(4)
            .filter(|c| char::from_u32(utf32_unit(c, endian)).is_some_and(plausible_scalar))
            .count();
        good as f64 / units as f64
    };
    let (le, be) = (score(Endian::Little), score(Endian::Big));
    if le >= 0.9 && le > be {
        Some(Endian::Little)
    } else if be >= 0.9 && be > le {
        Some(Endian::Big)
    } else {
        None
    }
}

fn plausible_scalar(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{0C}')
}

fn plausible_utf16_unit(u: u16) -> bool {
    matches!(u,
        0x20..=0x7E | 0x09 | 0x0A | 0x0D
        | 0x00A0..=0x024F   // Latin-1 supplement, Latin Extended-A/B
        | 0x0370..=0x04FF   // Greek, Cyrillic
        | 0x2000..=0x206F   // general punctuation
        | 0x3000..=0x30FF   // CJK symbols and punctuation, kana
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xFF00..=0xFFEF) // half-width and full-width forms
}

/// Share of plausible-text code units in `sample` read in the given byte order.
fn utf16_score(sample: &[u8], endian: Endian) -> f64 {
    let units: Vec<u16> = sample
        .chunks_exact(2)
        .map(|c| match endian {
            Endian::Little => u16::from_le_bytes([c[0], c[1]]),
            Endian::Big => u16::from_be_bytes([c[0], c[1]]),
        })
        .collect();
    if units.is_empty() {
        return 0.0;
    }
    let mut good = 0usize;
    let mut i = 0;
    while i < units.len() {
        let u = units[i];
        if (0xD800..=0xDBFF).contains(&u) {
            match units.get(i + 1) {
                Some(&low) if (0xDC00..=0xDFFF).contains(&low) => {
                    good += 2;
                    i += 2;
                    continue;
                }
                // A high surrogate cut off by the end of the sample is not evidence either way.
                None => {
                    good += 1;
                }
                Some(_) => return 0.0,
            }
        } else if (0xDC00..=0xDFFF).contains(&u) {
            return 0.0;
        } else if plausible_utf16_unit(u) {
            good += 1;
        }
        i += 1;
    }
    good as f64 / units.len() as f64
}

fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_LEN)];
    if sample.len() < 2 || !has_c0_control(sample) {
        return None;
    }
    let le = utf16_score(sample, Endian::Little);
    let be = utf16_score(sample, Endian::Big);
    if le >= 0.9 && le - be > 0.3 {
        Some(UTF_16LE)
    } else if be >= 0.9 && be - le > 0.3 {
        Some(UTF_16BE)
    } else {
        // ASCII-heavy UTF-16 scores high both ways (read in the wrong order,
        // Latin letters become CJK ideographs): let the position of the NUL
        // high bytes decide.
        let units = sample.len() / 2;
        let zeros_at = |start: usize| {
            sample
                .iter()
                .skip(start)
                .step_by(2)
                .filter(|&&b| b == 0)
                .count()
        };
        let (even, odd) = (zeros_at(0), zeros_at(1));
        if le >= 0.9 && odd * 10 >= units && even * 4 <= odd {
            Some(UTF_16LE)
        } else if be >= 0.9 && even * 10 >= units && odd * 4 <= even {
            Some(UTF_16BE)
        } else {
            None
        }
    }
}

fn has_c0_control(sample: &[u8]) -> bool {
    sample
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// Invalid UTF-8 that is still overwhelmingly UTF-8: at least 20 valid
/// multi-byte sequences for every malformed one.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut multibyte = 0usize;
    let mut malformed = 0usize;
    // Decided on the detector's bounded prefix: legacy text fails on its first multi-byte
    // characters, and a huge file must not be walked error by error.
    let mut rest = &bytes[..bytes.len().min(DETECTOR_LEN)];
    // Stop once even all-valid remaining bytes (a multi-byte sequence is at least 2 bytes)
    // could not reach the ratio.
    while multibyte + rest.len() / 2 >= malformed.saturating_mul(20) {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                multibyte += count_multibyte(s.as_bytes());
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                multibyte += count_multibyte(&rest[..valid]);
                malformed += 1;
                match e.error_len() {
                    Some(n) => rest = rest.get(valid + n..).unwrap_or(&[]),
                    None => break,
                }
            }
        }
    }
    multibyte >= malformed.max(1).saturating_mul(20)
}

fn count_multibyte(valid: &[u8]) -> usize {
    valid.iter().filter(|&&b| b >= 0xC0).count()
}

fn chardet(head: &[u8], last: bool) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, last);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// chardetng's guess on `head` (`QUICK_LEN` bytes), fed in steps: most of its cost is per
/// byte, and on CJK text the guess settles after a few hundred bytes. Two steps in a row
/// agreeing on a CJK encoding end it.
fn quick_guess(head: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let (mut fed, mut previous) = (0, None);
    for end in QUICK_STEPS {
        detector.feed(&head[fed..end], false);
        fed = end;
        let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
        if previous == Some(guess) && CJK.contains(&guess) {
            break;
        }
        previous = Some(guess);
    }
    previous.expect("QUICK_STEPS is not empty")
}

/// Legacy multi-byte encodings that [`detect_legacy`] re-checks.
const CJK: [&Encoding; 5] = [GBK, BIG5, SHIFT_JIS, EUC_JP, EUC_KR];

fn detect_legacy(bytes: &[u8]) -> &'static Encoding {
    let head = &bytes[..bytes.len().min(DETECTOR_LEN)];
    let last = head.len() == bytes.len();
    let guess = chardet(head, last);
    if guess == REPLACEMENT || guess == UTF_16LE || guess == UTF_16BE || guess == X_USER_DEFINED {
        return GBK;
    }
    if guess == UTF_8 || CJK.contains(&guess) {
        return guess;
    }
    // chardetng rules a candidate out at its first malformed sequence, so a
    // CJK page with a few bad bytes comes out as windows-125x mojibake. Give
    // each CJK encoding a second chance: with few malformed sequences relative
    // to the characters it decodes, and chardetng choosing it once those
    // sequences are removed.
    let mut best: Option<(usize, &'static Encoding)> = None;
    for enc in CJK {
        let (text, malformed) = decode_whatwg(head, enc);
        if malformed == 0 {
            continue; // chardetng saw it valid and still preferred `guess`
        }
        let non_ascii = text
            .chars()
            .filter(|&c| !c.is_ascii() && c != '\u{FFFD}')
            .count();
        if malformed.saturating_mul(20) > non_ascii {
            continue;
        }
        let stripped = text.replace('\u{FFFD}', "");
        let (clean, _, _) = enc.encode(&stripped);
        if chardet(&clean, last) != enc {
            continue;
        }
        if best.is_none_or(|(m, _)| malformed < m) {
            best = Some((malformed, enc));
        }
    }
    best.map_or(guess, |(_, enc)| enc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GB18030, WINDOWS_1252};

    const SIMP1: &str =
        "党的二十大对坚定不移全面从严治党、深入推进新时代党的建设新的伟大工程作出全面部署。";
    const SIMP2: &str = "主办单位:中共阜阳市委组织部 承办单位:阜阳市党员干部现代远程教育办公室";
    const TRAD: &str = "黨的二十大報告提出建設堪當民族復興重任的高素質幹部隊伍的重大任務，這是我們黨著眼全局的戰略部署。";
    const ASCII_HEAVY: &str = "ICP备案号:湘ICP备17016663号-1 Copyright 2023 www.example.com";

    #[test]
    fn euc_tw_by_the_share_of_lead_bytes() {
        // Pairs with lead bytes where GB2312 has its most common characters, then CNS plane 1's.
        let text = |common: usize, cns: usize| [[0xB0, 0xA1]].repeat(common).into_iter().chain([[0xC4, 0xA1]].repeat(cns)).flatten().collect::<Vec<u8>>();
        // 10 of 410 pairs is under 3 %: the common pairs first must not end the scan too soon.
        assert!(looks_like_euc_tw(&text(10, 400)));
        assert!(!looks_like_euc_tw(&text(13, 400)));
        assert!(!looks_like_euc_tw(&GBK.encode(&simplified()).0));
    }

    fn simplified() -> String {
        format!("{SIMP1}\n{SIMP2}\n{ASCII_HEAVY}\n")
    }

    fn all_lines() -> String {
        format!("{SIMP1}\n{SIMP2}\n{TRAD}\n{ASCII_HEAVY}\n")
    }

    fn encode(enc: &'static Encoding, s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = enc.encode(s);
        assert!(!unmappable, "test text not representable in {}", enc.name());
        bytes.into_owned()
    }

    fn utf16(s: &str, endian: Endian, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(match endian {
                Endian::Little => &[0xFF, 0xFE],
                Endian::Big => &[0xFE, 0xFF],
            });
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&match endian {
                Endian::Little => u.to_le_bytes(),
                Endian::Big => u.to_be_bytes(),
            });
        }
        out
    }

    fn utf32(s: &str, endian: Endian, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let chars = bom.then_some('\u{FEFF}').into_iter().chain(s.chars());
        for c in chars {
            out.extend_from_slice(&match endian {
                Endian::Little => (c as u32).to_le_bytes(),
                Endian::Big => (c as u32).to_be_bytes(),
            });
        }
        out
    }

    #[track_caller]
    fn check(bytes: &[u8], text: &str, encoding: &str, method: Method, bom: bool) {
        let d = decode(bytes, None).expect("decode failed");
        assert_eq!(d.decoding.encoding, encoding);
        assert_eq!(d.decoding.method, method);
        assert_eq!(d.decoding.bom, bom);
        assert_eq!(d.decoding.malformed, 0);
        assert_eq!(d.text, text);
    }

    #[test]
    fn utf8_plain_and_bom() {
        let t = all_lines();
        check(t.as_bytes(), &t, "UTF-8", Method::Utf8, false);
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(t.as_bytes());
        check(&b, &t, "UTF-8", Method::Bom, true);
    }

    #[test]
    fn gbk_and_gb18030() {
        let t = all_lines(); // GBK covers the Traditional line too
        check(&encode(GBK, &t), &t, "GBK", Method::Detector, false);
        let t = simplified();
        check(&encode(GB18030, &t), &t, "GBK", Method::Detector, false);
        // gb18030 four-byte sequences (e.g. U+00E9, U+20AC as 0x80 is GBK-only) decode with the GBK decoder
        let t4 = format!("{SIMP1}{SIMP2} ß © ç");
        let b = encode(GB18030, &t4);
        assert!(
            b.windows(2)
                .any(|w| w[0] == 0x81 && (0x30..=0x39).contains(&w[1])),
            "no 4-byte sequence"
        );
        check(&b, &t4, "GBK", Method::Detector, false);
    }

    #[test]
    fn big5_traditional() {
        let t = format!("{TRAD}\n{TRAD}\n");
        check(&encode(BIG5, &t), &t, "Big5", Method::Detector, false);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let t = all_lines();
        check(
            &utf16(&t, Endian::Little, true),
            &t,
            "UTF-16LE",
            Method::Bom,
            true,
        );
        check(
            &utf16(&t, Endian::Big, true),
            &t,
            "UTF-16BE",
            Method::Bom,
            true,
        );
        check(
            &utf16(&t, Endian::Little, false),
            &t,
            "UTF-16LE",
            Method::Utf16Sniff,
            false,
        );
        check(
            &utf16(&t, Endian::Big, false),
            &t,
            "UTF-16BE",
            Method::Utf16Sniff,
            false,
        );
        // Chinese only, no ASCII at all (no NUL bytes): needs the C0-byte evidence from punctuation.
        let c = format!("{SIMP1}{TRAD}");
        check(
            &utf16(&c, Endian::Little, false),
            &c,
            "UTF-16LE",
            Method::Utf16Sniff,
            false,
        );
        check(
            &utf16(&c, Endian::Big, false),
            &c,
            "UTF-16BE",
            Method::Utf16Sniff,
            false,
        );
        // Supplementary-plane characters are surrogate pairs.
        let s = format!("{SIMP1}𠀀𪚥 emoji 😀");
        check(
            &utf16(&s, Endian::Little, false),
            &s,
            "UTF-16LE",
            Method::Utf16Sniff,
            false,
        );
    }

    #[test]
    fn utf16_pure_ascii_without_bom_is_not_utf8() {
        let t = "Copyright 2023 www.example.com - all rights reserved.\r\n";
        check(
            &utf16(t, Endian::Little, false),
            t,
            "UTF-16LE",
            Method::Utf16Sniff,
            false,
        );
        check(
            &utf16(t, Endian::Big, false),
            t,
            "UTF-16BE",
            Method::Utf16Sniff,
            false,
        );
    }

    #[test]
    fn utf32_with_and_without_bom() {
        let t = all_lines();
        check(
            &utf32(&t, Endian::Little, true),
            &t,
            "UTF-32LE",
            Method::Bom,
            true,
        );
        check(
            &utf32(&t, Endian::Big, true),
            &t,
            "UTF-32BE",
            Method::Bom,
            true,
        );
        check(
            &utf32(&t, Endian::Little, false),
            &t,
            "UTF-32LE",
            Method::Utf32Sniff,
            false,
        );
        check(
            &utf32(&t, Endian::Big, false),
            &t,
            "UTF-32BE",
            Method::Utf32Sniff,
            false,
        );
        let a = "plain ASCII line\n";
        check(
            &utf32(a, Endian::Little, false),
            a,
            "UTF-32LE",
            Method::Utf32Sniff,
            false,
        );
        check(
            &utf32(a, Endian::Big, false),
            a,
            "UTF-32BE",
            Method::Utf32Sniff,
            false,
        );
    }

    #[test]
    fn utf32_invalid_units_are_counted() {
        let mut b = utf32("中文", Endian::Little, true);
        b.extend_from_slice(&0x0011_0000u32.to_le_bytes()); // > U+10FFFF
        b.extend_from_slice(&0xD800u32.to_le_bytes()); // surrogate
        b.extend_from_slice(&[0x41, 0x00]); // trailing partial unit
        let d = decode(&b, None).unwrap();
        assert_eq!(d.decoding.encoding, "UTF-32LE");
        assert_eq!(d.decoding.method, Method::Bom);
        assert_eq!(d.text, "中文\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(d.decoding.malformed, 3);
    }

    /// Cuts `s` to at most `n` bytes in `enc`, at a character boundary.
    fn prefix_bytes(s: &str, n: usize, enc: impl Fn(&str) -> Vec<u8>) -> (String, Vec<u8>) {
        let mut best = (String::new(), Vec::new());
        for (i, c) in s.char_indices() {
            let cut = &s[..i + c.len_utf8()];
            let b = enc(cut);
            if b.len() > n {
                break;
            }
            best = (cut.to_string(), b);
        }
        best
    }

    /// Returns which prefix lengths decode exactly, for the report; asserts 100 and 300.
    fn prefixes(
        name: &str,
        text: &str,
        expected: &str,
        method: Method,
        enc: impl Fn(&str) -> Vec<u8>,
    ) -> Vec<(usize, bool)> {
        let mut results = Vec::new();
        for n in [30, 100, 300] {
            let (cut, bytes) = prefix_bytes(text, n, &enc);
            assert!(bytes.len() + 4 >= n, "text too short for {n}");
            let ok = decode(&bytes, None).is_ok_and(|d| {
                d.text == cut && d.decoding.encoding == expected && d.decoding.method == method
            });
            if !ok {
                let got = decode(&bytes, None).map(|d| (d.decoding, d.text));
                eprintln!("prefix {name} {n} bytes missed: {got:?}");
            }
            if n >= 100 {
                assert!(ok, "{name} prefix of {n} bytes was not decoded correctly");
            }
            results.push((n, ok));
        }
        eprintln!("prefixes {name}: {results:?}");
        results
    }

    const LONG_SIMP: &str = "党的二十大对坚定不移全面从严治党、深入推进新时代党的建设新的伟大工程作出全面部署。\
        主办单位:中共阜阳市委组织部 承办单位:阜阳市党员干部现代远程教育办公室。\
        全面建设社会主义现代化国家，关键在党。我们要坚持和加强党的全面领导，坚持党要管党、全面从严治党，\
        以党的政治建设统领党的建设各项工作，坚持思想建党和制度治党同向发力，严肃党内政治生活，\
        持之以恒推进党风廉政建设和反腐败斗争，发展积极健康的党内政治文化，全党同志要增强政治意识。";
    const LONG_TRAD: &str = "黨的二十大報告提出建設堪當民族復興重任的高素質幹部隊伍的重大任務，這是我們黨著眼全局的戰略部署。\
        全面建設社會主義現代化國家，關鍵在黨。我們要堅持和加強黨的全面領導，堅持黨要管黨、全面從嚴治黨，\
        以黨的政治建設統領黨的建設各項工作，堅持思想建黨和制度治黨同向發力，嚴肅黨內政治生活，\
        持之以恆推進黨風廉政建設和反腐敗鬥爭，發展積極健康的黨內政治文化，全黨同志要增強政治意識。";

    #[test]
    fn short_prefixes() {
        let gbk = prefixes("GBK", LONG_SIMP, "GBK", Method::Detector, |s| {
            encode(GBK, s)
        });
        let big5 = prefixes("Big5", LONG_TRAD, "Big5", Method::Detector, |s| {
            encode(BIG5, s)
        });
        let le = prefixes("UTF-16LE", LONG_SIMP, "UTF-16LE", Method::Utf16Sniff, |s| {
            utf16(s, Endian::Little, false)
        });
        let be = prefixes("UTF-16BE", LONG_SIMP, "UTF-16BE", Method::Utf16Sniff, |s| {
            utf16(s, Endian::Big, false)
        });
        let le_t = prefixes(
            "UTF-16LE trad",
            LONG_TRAD,
            "UTF-16LE",
            Method::Utf16Sniff,
            |s| utf16(s, Endian::Little, false),
        );
        let be_t = prefixes(
            "UTF-16BE trad",
            LONG_TRAD,
            "UTF-16BE",
            Method::Utf16Sniff,
            |s| utf16(s, Endian::Big, false),
        );
        // The 30-byte results recorded when this was written; a change means detection behaviour changed.
        assert_eq!(gbk[0], (30, true));
        assert_eq!(big5[0], (30, true));
        // 15 Simplified ideographs with no punctuation give no C0 byte in UTF-16,
        // so the sniff is not tried (see module docs): a known miss.
        assert_eq!(le[0], (30, false));
        assert_eq!(be[0], (30, false));
        assert_eq!(le_t[0], (30, true));
        assert_eq!(be_t[0], (30, true));
    }

    #[test]
    fn empty_and_ascii() {
        check(b"", "", "UTF-8", Method::Utf8, false);
        let a = "Copyright 2023 www.example.com\nAll rights reserved.\n";
        check(a.as_bytes(), a, "UTF-8", Method::Utf8, false);
    }

    #[test]
    fn png_is_binary() {
        let mut b = vec![
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
        ];
        b.extend_from_slice(&[
            0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0, 0x5C, 0x72, 0xA8, 0x66,
        ]);
        b.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        assert_eq!(
            decode(&b, None).err(),
            Some(DecodeError::Binary { offset: 8 })
        );
        // Mostly-NUL data that is valid UTF-8 is binary too.
        let z = [
            b'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'b', 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            decode(&z, None).err(),
            Some(DecodeError::Binary { offset: 1 })
        );
    }

    #[test]
    fn stray_nul_is_not_binary() {
        // One NUL in a long UTF-8 text: under 1 % of the first 8 KiB.
        let t = format!("{}\0{}", all_lines().repeat(3), all_lines());
        let d = decode(t.as_bytes(), None).unwrap();
        assert_eq!(d.decoding.method, Method::Utf8);
        assert_eq!(d.text, t);
        // One NUL after the first 8 KiB of GBK text.
        let g = format!("{}\0{}", all_lines().repeat(40), SIMP1);
        let b = encode(GBK, &g);
        assert!(b.iter().position(|&x| x == 0).unwrap() > BINARY_LEN);
        let d = decode(&b, None).unwrap();
        assert_eq!(d.decoding.encoding, "GBK");
        assert_eq!(d.text, g);
    }

    #[test]
    fn gbk_with_invalid_pairs() {
        let t = all_lines();
        let mut b = encode(GBK, &t);
        // 0x81 0x7F and 0xFF 0xFF are not GBK. In WHATWG gb18030 decoding a lead byte
        // followed by an ASCII byte yields U+FFFD and the ASCII byte is re-read
        // ("\u{FFFD}\u{7F}"); 0xFF is never a lead byte, so 0xFF 0xFF is two errors.
        let at = encode(GBK, SIMP1).len(); // after the first line: a character boundary
        b.splice(at..at, [0x81, 0x7F]);
        b.extend_from_slice(&[0xFF, 0xFF]);
        let d = decode(&b, None).unwrap();
        assert_eq!(d.decoding.encoding, "GBK");
        assert_eq!(d.decoding.method, Method::Detector);
        assert_eq!(d.decoding.malformed, 3);
        let expected =
            format!("{SIMP1}\u{FFFD}\u{7F}\n{SIMP2}\n{TRAD}\n{ASCII_HEAVY}\n\u{FFFD}\u{FFFD}");
        assert_eq!(d.text, expected);
        // Two invalid pairs of the kind lead+invalid-trail (0x81 0xFF): one error each.
        let mut b = encode(GBK, &t);
        b.splice(at..at, [0x81, 0xFF]);
        b.extend_from_slice(&[0x81, 0xFF]);
        let d = decode(&b, None).unwrap();
        assert_eq!(d.decoding.encoding, "GBK");
        assert_eq!(d.decoding.malformed, 2);
        assert_eq!(
            d.text,
            format!("{SIMP1}\u{FFFD}\n{SIMP2}\n{TRAD}\n{ASCII_HEAVY}\n\u{FFFD}")
        );
    }

    #[test]
    fn almost_utf8_stays_utf8() {
        let t = format!("{}{SIMP1}", all_lines());
        // Truncated in the middle of the last character.
        let b = &t.as_bytes()[..t.len() - 2];
        let d = decode(b, None).unwrap();
        assert_eq!(d.decoding.encoding, "UTF-8");
        assert_eq!(d.decoding.method, Method::Utf8);
        assert_eq!(d.decoding.malformed, 1);
        assert!(d.text.ends_with('\u{FFFD}'));
        // One stray Latin-1 byte inside.
        let mut b = t.clone().into_bytes();
        b.insert(10 * 3, 0xE9);
        let d = decode(&b, None).unwrap();
        assert_eq!(d.decoding.encoding, "UTF-8");
        assert_eq!(d.decoding.malformed, 1);
        assert_eq!(d.text.replace('\u{FFFD}', ""), t);
    }

    #[test]
    fn labels() {
        let l = Label::parse("gb2312").unwrap();
        assert_eq!(l.name(), "GBK");
        let t = all_lines();
        let d = decode(&encode(GB18030, &t), Some(l)).unwrap();
        assert_eq!(d.text, t);
        assert_eq!(d.decoding.method, Method::Override);
        assert_eq!(d.decoding.encoding, "GBK");
        assert_eq!(Label::parse(" GB18030 ").unwrap().name(), "gb18030");
        assert_eq!(Label::parse("big5").unwrap().name(), "Big5");
        assert_eq!(Label::parse("shift_jis").unwrap().name(), "Shift_JIS");
        assert_eq!(Label::parse("UTF-16").unwrap().name(), "UTF-16LE");
        assert_eq!(Label::parse("utf-32be").unwrap().name(), "UTF-32BE");
        assert_eq!(Label::parse("UTF_32LE").unwrap().name(), "UTF-32LE");
        assert_eq!(
            Label::parse("hz-gb-2312"),
            Err(DecodeError::Unsupported {
                name: "hz-gb-2312".into()
            })
        );
        assert!(matches!(
            Label::parse("iso-2022-cn"),
            Err(DecodeError::Unsupported { .. })
        ));
        assert_eq!(
            Label::parse("nonsense"),
            Err(DecodeError::UnknownEncoding {
                label: "nonsense".into()
            })
        );
    }

    #[test]
    fn override_strips_matching_bom_only() {
        let t = all_lines();
        let d = decode(
            &utf16(&t, Endian::Big, true),
            Some(Label::parse("utf-16be").unwrap()),
        )
        .unwrap();
        assert!(d.decoding.bom);
        assert_eq!(d.text, t);
        // `utf-16` follows the BOM's byte order.
        let d = decode(
            &utf16(&t, Endian::Big, true),
            Some(Label::parse("utf-16").unwrap()),
        )
        .unwrap();
        assert_eq!((d.decoding.encoding, d.decoding.bom), ("UTF-16BE", true));
        assert_eq!(d.text, t);
        let d = decode(
            &utf32(&t, Endian::Big, true),
            Some(Label::parse("utf-32").unwrap()),
        )
        .unwrap();
        assert_eq!((d.decoding.encoding, d.decoding.bom), ("UTF-32BE", true));
        assert_eq!(d.text, t);
        // A UTF-8 BOM under a GBK override is not stripped (it is not GBK's BOM).
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(&encode(GBK, &t));
        let d = decode(&b, Some(Label::parse("gbk").unwrap())).unwrap();
        assert!(!d.decoding.bom);
        assert!(!d.text.starts_with(&t));
        // Override wins over the content: GBK bytes forced to windows-1252.
        let d = decode(&encode(GBK, &t), Some(Label::parse("latin1").unwrap())).unwrap();
        assert_eq!(d.decoding.encoding, "windows-1252");
        assert_eq!(d.decoding.method, Method::Override);
    }

    #[test]
    fn shift_jis_is_not_utf16() {
        // Kanji and kana only: every lead byte is 0x81..=0x9F, so read as UTF-16BE
        // every unit is a CJK ideograph (the trap the C0-byte guard avoids).
        let ja = "日本語の文章を正しく判定できるかどうかを確認します。東京都千代田区";
        let b = encode(SHIFT_JIS, ja);
        assert!(
            utf16_score(&b, Endian::Big) >= 0.9,
            "sample no longer exercises the trap"
        );
        let d = decode(&b, None).unwrap();
        assert_ne!(d.decoding.method, Method::Utf16Sniff);
        assert_eq!(d.decoding.encoding, "Shift_JIS");
        assert_eq!(d.text, ja);
        // Half-width katakana and ASCII mixed in.
        let ja2 = "ｶﾀｶﾅとASCII text、ひらがな。価格は1000円です。";
        let b = encode(SHIFT_JIS, ja2);
        let d = decode(&b, None).unwrap();
        assert_ne!(d.decoding.method, Method::Utf16Sniff);
    }

    #[test]
    fn legacy_is_not_utf16() {
        // GBK Traditional characters use GBK-extension lead bytes 0x81..=0xA0 (high BE score).
        for t in [TRAD, LONG_TRAD] {
            let b = encode(GBK, t);
            let d = decode(&b, None).unwrap();
            assert_ne!(d.decoding.method, Method::Utf16Sniff, "{t}");
        }
        let latin = "Café crème brûlée, naïve façade — déjà vu.";
        let d = decode(&encode(WINDOWS_1252, latin), None).unwrap();
        assert_eq!(d.decoding.encoding, "windows-1252");
        assert_eq!(d.text, latin);
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        let inputs: Vec<Vec<u8>> = vec![
            vec![0xFF],
            vec![0xFF, 0xFE],
            vec![0xFF, 0xFE, 0x00],
            vec![0x00, 0x00, 0xFE, 0xFF, 0x00],
            vec![0xFE],
            vec![0x00],
            vec![0x00, 0x41],
            vec![0xD8, 0x00, 0xD8, 0x00],
            vec![0x00; 9000],
            (0..=255u8).collect(),
            (0..=255u8).rev().cycle().take(70_000).collect(),
        ];
        let labels = [
            "utf-8",
            "utf-16le",
            "utf-16be",
            "utf-32",
            "utf-32be",
            "gbk",
            "big5",
            "iso-2022-jp",
        ];
        for b in &inputs {
            let _ = decode(b, None);
            for l in labels {
                let d = decode(b, Some(Label::parse(l).unwrap())).unwrap();
                assert_eq!(d.decoding.method, Method::Override);
            }
        }
        assert_eq!(
            decode(&[0x00], None).err(),
            Some(DecodeError::Binary { offset: 0 })
        );
    }

    /// Feeding the detector in steps changes its answer on the first 2 KiB only by stopping early
    /// where the guess has settled on a CJK encoding.
    #[test]
    fn quick_guess_agrees_with_one_guess_on_the_whole_prefix() {
        let japanese = "日本語のテキストです。これはテストの文章で、ひらがなとカタカナを含みます。\n";
        let korean = "대한민국은 민주공화국이다. 모든 권력은 국민으로부터 나온다.\n";
        let samples = [
            (GBK, simplified()),
            (BIG5, TRAD.to_string()),
            (SHIFT_JIS, japanese.to_string()),
            (EUC_JP, japanese.to_string()),
            (EUC_KR, korean.to_string()),
        ];
        for (enc, text) in samples {
            let bytes = encode(enc, &text.repeat(100));
            let head = &bytes[..QUICK_LEN];
            assert_eq!(quick_guess(head), enc, "{}", enc.name());
            assert_eq!(quick_guess(head), chardet(head, false), "{}", enc.name());
        }
    }

    /// The detector's guess on the first 2 KiB stands only where the whole input decodes in it:
    /// Japanese at the top of a GBK page must not make the page Shift_JIS.
    #[test]
    fn quick_guess_needs_the_whole_input_to_decode() {
        let gbk = encode(GBK, &simplified().repeat(200));
        let d = decode(&gbk, None).unwrap();
        assert_eq!((d.decoding.encoding, d.decoding.method, d.decoding.malformed), ("GBK", Method::Detector, 0));
        assert_eq!(detect_legacy(&gbk), GBK, "the quick guess agrees with the full detector");

        let japanese = encode(SHIFT_JIS, &"日本語のテキストです。これはテストの文章で、ひらがなとカタカナを含みます。\n".repeat(40));
        assert!(japanese.len() > QUICK_LEN);
        assert_eq!(chardet(&japanese[..QUICK_LEN], false), SHIFT_JIS);
        let mixed = [japanese, gbk].concat();
        assert!(SHIFT_JIS.decode_without_bom_handling_and_without_replacement(&mixed).is_none());
        assert_eq!(decode(&mixed, None).unwrap().decoding.encoding, detect_legacy(&mixed).name());
        assert_eq!(detect_legacy(&mixed), GBK);
    }
}
