//! The removal report: one JSON object per document (JSON Lines with `--report FILE`); the full
//! schema, with the summary record, is `docs/report.md`.
//!
//! ```json
//! {"path":"doc.txt",
//!  "encoding":{"encoding":"GBK","method":"detector","bom":false,"malformed":0,"confidence":"high"},
//!  "bytes_in":19697,"bytes_out":17012,"lines_in":97,"lines_out":55,"chars_in":6020,"chars_removed":410,
//!  "conversion":"t2s","converted_chars":0,"pinyin_removed":0,"repairs":[],"mojibake":0,
//!  "removed":[{"line":9,"code":"META001","name":"source-field","category":"metadata","text":"来源:共产党员网"}],
//!  "warnings":[]}
//! ```
//!
//! - `path`: the input as given (`-` for standard input).
//! - `encoding`: how the bytes were decoded (`null` for text given as a string); `method` is one of
//!   `override`, `bom`, `utf8`, `utf16-sniff`, `utf32-sniff`, `detector`; `malformed` counts byte
//!   sequences replaced by U+FFFD; `confidence` is `certain`, `high` or `low`.
//! - `repairs`: mojibake runs undone (`line`, `misread_as` such as `GBK`, `before`, `after`);
//!   `mojibake`: runs of `锟斤拷`/`烫烫烫`/`屯屯屯`, which cannot be repaired.
//! - `bytes_in`/`bytes_out`: input bytes and cleaned UTF-8 bytes; `lines_in`/`lines_out`: lines in the
//!   decoded input and in the output (blank lines included); `chars_in`/`chars_removed`: characters
//!   of the canonical lines and of the removed ones (their ratio is the removed share).
//! - `converted_chars`: characters changed by the OpenCC `conversion`; `pinyin_removed`: pinyin
//!   annotations removed.
//! - `removed`: every dropped line, in order, with its 1-based line number in the decoded input, the
//!   rule's code, name and category, and the line's canonical text.
//! - `warnings`: things a reviewer should look at (malformed input, more than the warning share of
//!   a document removed, a document kept whole).
//! - `kept_whole`: present (and `true`) only when the document would have lost more than the
//!   maximum share (`--max-removal`) and was kept whole instead: nothing removed.

use std::sync::Arc;

use serde::Serialize;

use crate::decode::Decoding;
use crate::repair::Repair;
use crate::rules::Category;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub path: String,
    pub encoding: Option<Decoding>,
    pub bytes_in: usize,
    pub bytes_out: usize,
    pub lines_in: usize,
    pub lines_out: usize,
    /// Characters of the canonical lines, before anything is removed.
    pub chars_in: usize,
    /// Characters of the removed lines.
    pub chars_removed: usize,
    pub conversion: &'static str,
    pub converted_chars: usize,
    pub pinyin_removed: usize,
    /// Mojibake runs repaired, by line.
    pub repairs: Vec<Repair>,
    /// Runs of `锟斤拷`/`烫烫烫`/`屯屯屯` found (cannot be repaired).
    pub mojibake: usize,
    pub removed: Vec<Removal>,
    pub warnings: Vec<String>,
    /// Cleaning would have removed more than the maximum share: no line was removed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kept_whole: bool,
}

/// One dropped line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// 1-based line number in the decoded input.
    pub line: usize,
    pub code: Arc<str>,
    pub name: Arc<str>,
    pub category: Category,
    /// The line in canonical form.
    pub text: String,
}
