//! File-system work of the CLI: walking inputs and writing atomically.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One document to clean: where it is read from and its path relative to its input root.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    /// `None` for standard input.
    pub(crate) path: Option<PathBuf>,
    pub(crate) relative: PathBuf,
}

impl Input {
    pub(crate) fn display(&self) -> String {
        self.path.as_ref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())
    }
}

/// Expands the command-line inputs: files as given, directories walked recursively in name order
/// (symbolic links are not followed), `-` as standard input. Unreadable paths are returned as
/// errors so the run can go on with the rest.
pub(crate) fn expand(inputs: &[PathBuf]) -> (Vec<Input>, Vec<(PathBuf, io::Error)>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            found.push(Input { path: None, relative: PathBuf::from("stdin.txt") });
            continue;
        }
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, input, &mut found, &mut errors),
            Ok(_) => found.push(Input {
                path: Some(input.clone()),
                relative: input.file_name().map_or_else(|| input.clone(), PathBuf::from),
            }),
            Err(e) => errors.push((input.clone(), e)),
        }
    }
    (found, errors)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<Input>, errors: &mut Vec<(PathBuf, io::Error)>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push((dir.to_path_buf(), e)),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => walk(root, &path, found, errors),
            Ok(m) if m.is_file() => {
                let relative = path.strip_prefix(root).map_or_else(|_| path.clone(), Path::to_path_buf);
                found.push(Input { path: Some(path), relative });
            }
            Ok(_) => {} // symbolic links and special files are skipped
            Err(e) => errors.push((path, e)),
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// given the permissions of the file it replaces, then renamed over it. On any error the target is
/// untouched and the temporary file removed.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.zhclean-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
