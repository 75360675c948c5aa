//! File-system work of the CLI: walking inputs, reading with a size limit, and writing atomically
//! without ever leaving the output directory.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

/// One document to clean: where it is read from and its path relative to its input root.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    /// `None` for standard input.
    pub(crate) path: Option<PathBuf>,
    pub(crate) relative: PathBuf,
    /// Its size when it was found (0 for standard input): what it weighs among the documents in
    /// flight, without asking the file system again.
    pub(crate) size: u64,
}

impl Input {
    pub(crate) fn display(&self) -> String {
        self.path.as_ref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())
    }
}

/// Why one file failed: a short reason that groups failures in the summary, and the message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) reason: &'static str,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(reason: &'static str, message: impl Into<String>) -> Failure {
        Failure { reason, message: message.into() }
    }

    pub(crate) fn io(e: &io::Error) -> Failure {
        Failure::new(io_reason(e), e.to_string())
    }

    /// The same failure with `context` before its message.
    pub(crate) fn context(self, context: &str) -> Failure {
        Failure { reason: self.reason, message: format!("{context}: {}", self.message) }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The summary group of an I/O error.
pub(crate) fn io_reason(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "not found",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::StorageFull => "no space left on device",
        io::ErrorKind::FileTooLarge => "file size limit exceeded",
        io::ErrorKind::IsADirectory => "is a directory",
        io::ErrorKind::NotADirectory => "not a directory",
        io::ErrorKind::ReadOnlyFilesystem => "read-only file system",
        io::ErrorKind::InvalidFilename => "invalid file name",
        _ => "I/O error",
    }
}

/// How directories are walked.
#[derive(Debug, Default)]
pub(crate) struct WalkOptions {
    /// Follow symbolic links met in a directory (never twice into the same directory).
    pub(crate) follow_symlinks: bool,
    /// Directories (canonical paths) not walked: the output directory.
    pub(crate) skip: Vec<PathBuf>,
}

/// What expanding the command-line inputs found.
#[derive(Debug, Default)]
pub(crate) struct Expanded {
    pub(crate) inputs: Vec<Input>,
    /// Paths that could not be walked or are not files, with why.
    pub(crate) errors: Vec<(PathBuf, Failure)>,
    /// Symbolic links and special files (FIFOs, sockets, devices) met in directories and skipped.
    pub(crate) skipped_links: usize,
    pub(crate) skipped_special: usize,
    /// Files left out by the config file's exclude globs.
    pub(crate) excluded: usize,
}

/// Expands the command-line inputs: files as given, directories walked in name order (symbolic
/// links skipped unless `follow_symlinks`; the `skip` directories left out), `-` as standard
/// input. Paths that cannot be read are returned as errors so the run can go on with the rest.
pub(crate) fn expand(inputs: &[PathBuf], options: &WalkOptions) -> Expanded {
    let mut found = Expanded::default();
    for input in inputs {
        if input.as_os_str() == "-" {
            found.inputs.push(Input { path: None, relative: PathBuf::from("stdin.txt"), size: 0 });
            continue;
        }
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, options, &mut found),
            Ok(m) if m.is_file() => found.inputs.push(Input {
                path: Some(input.clone()),
                relative: input.file_name().map_or_else(|| input.clone(), PathBuf::from),
                size: m.len(),
            }),
            Ok(_) => found.errors.push((input.clone(), Failure::new("not a regular file", "not a regular file or directory"))),
            Err(e) => found.errors.push((input.clone(), Failure::io(&e))),
        }
    }
    found
}

/// Walks `root` depth-first in name order, without recursion (deep trees cannot overflow the stack).
fn walk(root: &Path, options: &WalkOptions, found: &mut Expanded) {
    let mut visited = HashSet::new();
    if options.follow_symlinks {
        if let Ok(c) = fs::canonicalize(root) {
            visited.insert(c);
        }
    }
    let mut stack = Vec::new();
    push_entries(root, &mut stack, found);
    while let Some(path) = stack.pop() {
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                found.errors.push((path, Failure::io(&e)));
                continue;
            }
        };
        let meta = if meta.file_type().is_symlink() {
            if !options.follow_symlinks {
                found.skipped_links += 1;
                continue;
            }
            match fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    found.errors.push((path, Failure::io(&e).context("symbolic link")));
                    continue;
                }
            }
        } else {
            meta
        };
        if meta.is_dir() {
            let canonical = if options.follow_symlinks || !options.skip.is_empty() { fs::canonicalize(&path).ok() } else { None };
            if let Some(c) = canonical {
                if options.skip.contains(&c) || (options.follow_symlinks && !visited.insert(c)) {
                    continue;
                }
            }
            push_entries(&path, &mut stack, found);
        } else if meta.is_file() {
            if is_temporary(&path) {
                continue;
            }
            let relative = path.strip_prefix(root).map_or_else(|_| path.clone(), Path::to_path_buf);
            found.inputs.push(Input { path: Some(path), relative, size: meta.len() });
        } else {
            found.skipped_special += 1;
        }
    }
}

/// Pushes the entries of `dir` onto `stack` so that they pop in name order.
fn push_entries(dir: &Path, stack: &mut Vec<PathBuf>, found: &mut Expanded) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return found.errors.push((dir.to_path_buf(), Failure::io(&e))),
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => found.errors.push((dir.to_path_buf(), Failure::io(&e))),
        }
    }
    paths.sort_unstable_by(|a, b| b.cmp(a));
    stack.extend(paths);
}

/// Reads an input, refusing more than `max` bytes.
pub(crate) fn read(input: &Input, max: u64) -> Result<Vec<u8>, Failure> {
    let too_large = |n: u64| Failure::new("too large", format!("file too large: {n} bytes, more than --max-size {max}"));
    let mut buf = Vec::new();
    match &input.path {
        Some(p) => {
            let file = fs::File::open(p).map_err(|e| Failure::io(&e))?;
            let meta = file.metadata().map_err(|e| Failure::io(&e))?;
            if meta.is_dir() {
                return Err(Failure::new("is a directory", "is a directory"));
            }
            if meta.len() > max {
                return Err(too_large(meta.len()));
            }
            buf.reserve(usize::try_from(meta.len()).unwrap_or(0));
            file.take(max.saturating_add(1)).read_to_end(&mut buf).map_err(|e| Failure::io(&e))?;
        }
        None => {
            io::stdin().lock().take(max.saturating_add(1)).read_to_end(&mut buf).map_err(|e| Failure::io(&e))?;
        }
    }
    if buf.len() as u64 > max {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

/// Prefix and suffix of the temporary files `write_atomic` creates; walks skip such files.
const TEMP_PREFIX: &str = ".zhclean-";
const TEMP_SUFFIX: &str = ".tmp";

fn is_temporary(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(TEMP_PREFIX) && n.ends_with(TEMP_SUFFIX))
}

/// Creates a new temporary file in `dir` (never opening an existing file or following a link).
fn create_temporary(dir: &Path) -> io::Result<(PathBuf, fs::File)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    // Asked once: each call is a system call.
    static PID: LazyLock<u32> = LazyLock::new(std::process::id);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("{TEMP_PREFIX}{}-{n}{TEMP_SUFFIX}", *PID));
        match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `bytes` to `path` atomically: a new temporary file in the same directory, flushed to
/// disk, given the permissions of the file it replaces, then renamed over it (a symbolic link at
/// `path` is replaced, not followed), and the directory flushed so that the rename reaches the
/// disk too. On any error the target is untouched and the temporary file removed. A process
/// killed midway leaves the old file and at most a `.zhclean-*.tmp` file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes)?;
    sync_dir(&parent(path));
    Ok(())
}

/// [`write_atomic`] but for flushing the directory: for many files written into a few
/// directories, each flushed once with [`sync_dir`] when all are written (a directory flushed
/// per file costs a journal commit per file on most disks).
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (tmp, mut file) = create_temporary(&parent(path))?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Flushes a directory's entries (the files renamed into it) to disk, where the system allows.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Where a cleaned file goes under the output directory: refused when its relative path could
/// leave the directory (`..`, an absolute path), or a symbolic link inside the directory leads
/// out of it.
/// `checked` holds the directories already created and checked in this run.
pub(crate) fn output_path(outdir: &Path, outdir_canonical: &Path, relative: &Path, checked: &mut HashSet<PathBuf>) -> Result<PathBuf, Failure> {
    let outside = || Failure::new("outside the output directory", format!("{} would be written outside the output directory", relative.display()));
    if relative.as_os_str().is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(outside());
    }
    let target = outdir.join(relative);
    if let Some(parent) = target.parent().filter(|p| !checked.contains(*p)) {
        fs::create_dir_all(parent).map_err(|e| Failure::io(&e).context(&parent.display().to_string()))?;
        let real = fs::canonicalize(parent).map_err(|e| Failure::io(&e))?;
        if !real.starts_with(outdir_canonical) {
            return Err(outside());
        }
        checked.insert(parent.to_path_buf());
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_recognised() {
        assert!(is_temporary(Path::new("a/.zhclean-12-0.tmp")));
        assert!(!is_temporary(Path::new("a/zhclean.tmp")));
    }

    #[test]
    fn output_paths_stay_inside() {
        let dir = std::env::temp_dir().join(format!("zhclean-out-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let canonical = fs::canonicalize(&dir).unwrap();
        let mut checked = HashSet::new();
        assert!(output_path(&dir, &canonical, Path::new("a/b.txt"), &mut checked).is_ok());
        for bad in ["../x.txt", "a/../../x.txt", "/etc/x.txt", ""] {
            let e = output_path(&dir, &canonical, Path::new(bad), &mut checked).unwrap_err();
            assert_eq!(e.reason, "outside the output directory", "{bad}");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
