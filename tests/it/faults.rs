//! Faults during `fix`: the process killed (SIGKILL) at random moments, and a full disk. Every
//! file must stay exactly its old or its new version, and the error must say what went wrong.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::{cleaner, fixtures};


/// Old contents: the seed documents, each made distinct; new contents: what cleaning gives.
fn documents(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let dir = fixtures().join("seeds");
    let mut seeds: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seeds.sort();
    let seeds: Vec<String> = seeds.iter().map(|p| fs::read_to_string(p).unwrap()).collect();
    let cleaner = cleaner();
    (0..n)
        .map(|i| {
            let old = format!("第{i}号文件\r\n{}\n来源:新华网\n", seeds[i % seeds.len()]);
            let new = cleaner.clean_bytes(old.as_bytes(), "doc").unwrap().text;
            assert_ne!(old, new);
            (old.into_bytes(), new.into_bytes())
        })
        .collect()
}

fn name(i: usize) -> String {
    format!("doc{i:03}.txt")
}

fn write_old(dir: &Path, docs: &[(Vec<u8>, Vec<u8>)]) {
    for (i, (old, _)) in docs.iter().enumerate() {
        fs::write(dir.join(name(i)), old).unwrap();
    }
}

/// Checks every file is its old or new version; returns (new files, temporary files left), and
/// removes the temporary files.
fn verify(dir: &Path, docs: &[(Vec<u8>, Vec<u8>)]) -> (usize, usize) {
    let mut new = 0;
    for (i, (old, cleaned)) in docs.iter().enumerate() {
        let bytes = fs::read(dir.join(name(i))).unwrap_or_else(|e| panic!("{}: {e}", name(i)));
        if &bytes == cleaned {
            new += 1;
        } else {
            assert!(&bytes == old, "{} is neither the old nor the new version", name(i));
        }
    }
    let mut temporary = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let n = entry.file_name().to_string_lossy().into_owned();
        if n.starts_with(".zhclean-") && n.ends_with(".tmp") {
            temporary += 1;
            fs::remove_file(entry.path()).unwrap();
        } else {
            assert!(n.starts_with("doc") && n.ends_with(".txt"), "unexpected file {n}");
        }
    }
    (new, temporary)
}

/// xorshift64*: random kill moments without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn fix(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zhclean"));
    c.arg("fix").arg(dir).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// A few kills in the default test run.
#[test]
fn sigkill_during_fix_leaves_every_file_old_or_new() {
    kill_rounds(40, 5);
}

/// 200 files, 25 kills, in release mode (`cargo test --release -- --ignored`, run by `.ci/run`).
#[test]
#[ignore = "heavy: 25 runs of fix over 200 files; run in release from .ci/run"]
fn sigkill_during_fix_many_times() {
    kill_rounds(200, 25);
}

/// Runs `fix` over `files` files and kills it at random moments until `wanted` kills have landed
/// before it finished, a quarter of them while files were being rewritten (where a kill is most
/// likely to land depends on the machine's load, so the rounds go on until enough have); after
/// each, every file must be its old or its new version.
fn kill_rounds(files: usize, wanted: usize) {
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(files);
    write_old(dir.path(), &docs);
    let start = Instant::now();
    assert!(fix(dir.path()).status().unwrap().success());
    let full = start.elapsed();
    assert_eq!(verify(dir.path(), &docs), (files, 0));

    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut rng = Rng(seed);
    let (mut kills, mut mid_run, mut temporary, mut rounds) = (0, 0, 0, 0);
    while kills < wanted || mid_run < wanted.div_ceil(4) {
        rounds += 1;
        assert!(
            rounds < wanted * 12,
            "{rounds} rounds: fix finished before the kill too often, or too few kills landed while files were being \
             rewritten ({kills} kills, {mid_run} mid-run; run takes {full:?})"
        );
        write_old(dir.path(), &docs);
        let wait = full.mul_f64((rng.next() % 1000) as f64 / 1000.0);
        let mut child = fix(dir.path()).spawn().unwrap();
        std::thread::sleep(wait);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        let (new, tmp) = verify(dir.path(), &docs);
        temporary += tmp;
        if !finished {
            kills += 1;
            mid_run += usize::from(new > 0 && new < files);
        }
    }
    eprintln!(
        "SIGKILL during fix of {files} files (full run {full:?}, seed {seed}): {kills} kills survived, \
         {mid_run} with some files rewritten and others not, {temporary} temporary file(s) left"
    );
}

fn run(script: &str) -> Output {
    Command::new("bash").arg("-c").arg(script).output().unwrap()
}

/// A file-size limit (`ulimit -f`) makes every write past 12 KiB fail (`SIGXFSZ` ignored, as a
/// full disk does to a write): the big files stay as they were, the small ones are fixed.
#[test]
fn file_size_limit_leaves_originals_intact_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(10);
    write_old(dir.path(), &docs);
    let limit = 12 * 1024;
    let script = format!("trap '' XFSZ; ulimit -f 12; exec '{}' fix '{}'", env!("CARGO_BIN_EXE_zhclean"), dir.path().display());
    let o = run(&script);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let big = docs.iter().filter(|(_, new)| new.len() > limit).count();
    assert!(big > 0 && big < docs.len(), "the seeds give no mix of sizes");
    for (i, (old, new)) in docs.iter().enumerate() {
        let now = fs::read(dir.path().join(name(i))).unwrap();
        let expected = if new.len() > limit { old } else { new };
        assert!(&now == expected, "{}: wrong version", name(i));
    }
    assert!(err.contains("not rewritten: File too large"), "{err}");
    assert!(err.contains(&format!("{} file(s) fixed, 0 unchanged, 0 kept whole, {big} failed", docs.len() - big)), "{err}");
    assert!(err.contains(&format!("failed: {big} file size limit exceeded")), "{err}");
    assert_eq!(verify(dir.path(), &docs).1, 0, "temporary files left");
}

/// Unmounts a tmpfs when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk: a small tmpfs, filled. Needs the right to mount (root); skipped otherwise.
#[test]
fn full_disk_leaves_originals_intact_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("full_disk_leaves_originals_intact_with_a_clear_error: cannot mount a tmpfs here; skipped");
        return;
    }
    let _mount = Mount(mnt.clone());
    let docs = documents(20);
    let tree = mnt.join("docs");
    fs::create_dir(&tree).unwrap();
    write_old(&tree, &docs);
    // Fill what is left.
    let mut filler = fs::File::create(mnt.join("filler")).unwrap();
    let block = vec![b'x'; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);

    let o = Command::new(env!("CARGO_BIN_EXE_zhclean")).arg("fix").arg(&tree).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not rewritten: No space left on device"), "{err}");
    assert!(err.contains("failed: 20 no space left on device"), "{err}");
    fs::remove_file(mnt.join("filler")).unwrap();
    assert_eq!(verify(&tree, &docs), (0, 0), "an original changed or a temporary file was left");

    // Writing to a full output directory fails per file, clearly, and leaves no partial file.
    let out = mnt.join("out");
    fs::create_dir(&out).unwrap();
    let mut filler = fs::File::create(mnt.join("filler")).unwrap();
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    let input = tempfile::tempdir().unwrap();
    write_old(input.path(), &docs);
    let o = Command::new(env!("CARGO_BIN_EXE_zhclean")).arg("clean").arg(input.path()).arg("-o").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    for entry in fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        let i: usize = entry.file_name().to_string_lossy()[3..6].parse().unwrap();
        assert_eq!(fs::read(entry.path()).unwrap(), docs[i].1, "partial output file");
    }
}
