//! The project config file, `zhclean.toml`, found from a directory upward: rule directories,
//! select/ignore, conversion, encoding and exclude globs, so that a repository (and its pre-commit
//! hooks) cleans the same way wherever zhclean is run in it.
//!
//! ```toml
//! rules = ["zhclean-rules"]        # rule directories, relative to this file
//! select = ["META", "footer"]      # codes, code prefixes or categories
//! ignore = ["NAV001"]
//! convert = "t2s"
//! encoding = "gbk"                 # skip detection
//! exclude = ["vendor/", "**/*.orig.txt", "raw"]
//! ```
//!
//! Exclude globs are matched against paths relative to the config file's directory: `*` and `?`
//! stay within one path component, `**` spans any number, `[abc]`/`[!abc]` are classes. A glob
//! without a `/` (other than a trailing one) matches a file or directory name at any depth; one
//! with a `/` is anchored at the config directory. A path is excluded when it or any directory
//! above it matches, and this holds for files named on the command line too.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

/// The file name looked for.
pub const FILE_NAME: &str = "zhclean.toml";

/// Largest config file read.
const MAX_BYTES: u64 = 1 << 20;

/// A parsed config file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// Rule directories, resolved against the config file's directory.
    pub rules: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub convert: Option<String>,
    pub encoding: Option<String>,
    pub exclude: Excludes,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    convert: Option<String>,
    encoding: Option<String>,
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
}

/// A config file that cannot be used: its path, the position (1-based line and column) when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Config {
    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let error = |offset: Option<usize>, message: String| ConfigError {
            path: path.to_owned(),
            position: offset.map(|o| position(text, o)),
            message,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_owned();
            error(e.span().map(|s| s.start), message)
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut exclude = Excludes { root: dir.to_owned(), globs: Vec::new() };
        for glob in &raw.exclude {
            exclude.add(glob.get_ref()).map_err(|m| error(Some(glob.span().start), m))?;
        }
        Ok(Config {
            path: path.to_owned(),
            rules: raw.rules.iter().map(|r| dir.join(r)).collect(),
            select: raw.select,
            ignore: raw.ignore,
            convert: raw.convert,
            encoding: raw.encoding,
            exclude,
        })
    }

    /// Reads and parses the config file at `path`.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let error = |message: String| ConfigError { path: path.to_owned(), position: None, message };
        let size = std::fs::metadata(path).map_err(|e| error(e.to_string()))?.len();
        if size > MAX_BYTES {
            return Err(error(format!("config file of {size} bytes, more than {MAX_BYTES}")));
        }
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| error(format!("not UTF-8: {e}")))?;
        Config::parse(&text, path)
    }

    /// The first `zhclean.toml` in `start` or a directory above it, parsed; `None` if there is none.
    pub fn find(start: &Path) -> Result<Option<Config>, ConfigError> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::read(&candidate).map(Some);
            }
        }
        Ok(None)
    }
}

/// Exclude globs anchored at a directory.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    root: PathBuf,
    /// Each glob, compiled, and whether it is anchored (has a `/` before its end).
    globs: Vec<(String, Regex, bool)>,
}

impl Excludes {
    /// Excludes anchored at `root` (an absolute directory, or relative to the `cwd` given to
    /// [`Excludes::matches`]).
    pub fn new(root: &Path, globs: &[&str]) -> Result<Excludes, String> {
        let mut e = Excludes { root: root.to_owned(), globs: Vec::new() };
        for g in globs {
            e.add(g)?;
        }
        Ok(e)
    }

    fn add(&mut self, glob: &str) -> Result<(), String> {
        let trimmed = glob.trim_end_matches('/');
        let anchored = trimmed.contains('/');
        let body = trimmed.strip_prefix('/').unwrap_or(trimmed);
        if body.is_empty() {
            return Err(format!("exclude glob `{glob}` matches nothing"));
        }
        let regex = glob_regex(body).map_err(|e| format!("bad exclude glob `{glob}`: {e}"))?;
        self.globs.push((glob.to_owned(), regex, anchored));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// The glob that excludes `path` (relative paths are taken from `cwd`), if any.
    pub fn matches(&self, path: &Path, cwd: &Path) -> Option<&str> {
        if self.globs.is_empty() {
            return None;
        }
        let absolute = normalise(&cwd.join(path));
        let root = normalise(&cwd.join(&self.root));
        let relative = absolute.strip_prefix(&root).ok()?;
        let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let mut prefix = String::new();
        for part in &parts {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            for (glob, regex, anchored) in &self.globs {
                if regex.is_match(if *anchored { &prefix } else { part }) {
                    return Some(glob);
                }
            }
        }
        None
    }
}

/// `path` without `.` components and with `..` applied, lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The anchored regex of a glob.
fn glob_regex(glob: &str) -> Result<Regex, String> {
    let mut re = String::from("^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    // `**/`: any number of leading directories, none included.
                    i += 1;
                    re.push_str("(?:.*/)?");
                } else {
                    re.push_str(".*");
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = chars[i + 1..].iter().position(|&c| c == ']').map(|p| p + i + 1).ok_or("unclosed `[`")?;
                let mut class: String = chars[i + 1..end].iter().collect();
                if let Some(rest) = class.strip_prefix('!') {
                    class = format!("^{rest}");
                }
                re.push('[');
                re.push_str(&class.replace('\\', "\\\\").replace('[', "\\["));
                re.push(']');
                i = end;
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(globs: &[&str], path: &str) -> bool {
        Excludes::new(Path::new("/repo"), globs).unwrap().matches(Path::new(path), Path::new("/repo")).is_some()
    }

    #[test]
    fn globs() {
        assert!(excluded(&["vendor/"], "vendor/a.txt"));
        assert!(excluded(&["vendor"], "docs/vendor/a.txt"), "a name without a slash matches at any depth");
        assert!(!excluded(&["docs/vendor"], "vendor/a.txt"));
        assert!(excluded(&["docs/vendor"], "docs/vendor/x/a.txt"));
        assert!(excluded(&["*.orig.txt"], "a/b/c.orig.txt"));
        assert!(!excluded(&["*.orig.txt"], "a/b/c.txt"));
        assert!(excluded(&["**/raw/*.txt"], "raw/a.txt"));
        assert!(excluded(&["**/raw/*.txt"], "x/y/raw/a.txt"));
        assert!(!excluded(&["docs/*.txt"], "docs/sub/a.md"));
        assert!(excluded(&["docs/**"], "docs/sub/a.md"));
        assert!(excluded(&["doc[0-9].txt"], "doc7.txt"));
        assert!(!excluded(&["doc[!0-9].txt"], "doc7.txt"));
        assert!(excluded(&["a?.txt"], "ab.txt") && !excluded(&["a?.txt"], "a/b.txt"));
        assert!(!excluded(&["*.txt"], "/elsewhere/a.txt"), "outside the config directory nothing is excluded");
        // Relative paths are taken from the working directory, `..` applied.
        let e = Excludes::new(Path::new("/repo"), &["vendor/"]).unwrap();
        assert!(e.matches(Path::new("../vendor/./a.txt"), Path::new("/repo/docs")).is_some());
        assert!(e.matches(Path::new("./a.txt"), Path::new("/repo/vendor")).is_some());
    }

    #[test]
    fn parse_and_errors() {
        let c = Config::parse(
            "rules = [\"local\"]\nselect = [\"META\"]\nignore = [\"NAV001\"]\nconvert = \"none\"\nexclude = [\"vendor/\"]\n",
            Path::new("/repo/zhclean.toml"),
        )
        .unwrap();
        assert_eq!(c.rules, vec![PathBuf::from("/repo/local")]);
        assert_eq!((c.select, c.ignore, c.convert), (vec!["META".into()], vec!["NAV001".into()], Some("none".into())));
        assert!(c.exclude.matches(Path::new("/repo/vendor/x.txt"), Path::new("/")).is_some());
        let e = Config::parse("select = [\"META\"]\nexlude = [\"x\"]\n", Path::new("z.toml")).unwrap_err();
        assert_eq!(e.position, Some((2, 1)), "{e}");
        assert!(e.to_string().starts_with("z.toml:2:1: unknown field `exlude`"), "{e}");
        let e = Config::parse("exclude = [\"ok\", \"[bad\"]\n", Path::new("z.toml")).unwrap_err();
        assert_eq!(e.to_string(), "z.toml:1:18: bad exclude glob `[bad`: unclosed `[`");
    }
}
