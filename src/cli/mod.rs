//! The commands. Each returns the exit status; per-file errors are reported on stderr, the run goes
//! on, and a summary at the end counts the files and groups the failures by reason.

pub(crate) mod args;
mod fsio;
mod jsonl;
mod parallel;
mod progress;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use zhclean::convert::Conversion;
use zhclean::decode::{DecodeError, Label};
use zhclean::rules::{self, RuleSet};
use zhclean::{Cleaned, Cleaner, Options};

use args::{CleanArgs, FilesArgs, RulesCommand, ScoreArgs, Settings, Walk};
use fsio::{Expanded, Failure, Input, WalkOptions};

/// Exit status, decided once at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Success = 0,
    Changes = 1,
    Error = 2,
}

type Result<T> = io::Result<T>;

fn fail(message: impl Into<String>) -> io::Error {
    io::Error::other(message.into())
}

/// Builds the cleaner from the shared settings; rule-file and option errors end the run.
fn cleaner(settings: &Settings) -> Result<Cleaner> {
    parallel::set_threads(settings.jobs);
    let mut set = RuleSet::builtin().map_err(|e| fail(e.to_string()))?;
    for dir in &settings.rules {
        set.add_dir(dir).map_err(|e| fail(e.to_string()))?;
    }
    let set = set.select(&settings.select, &settings.ignore).map_err(|e| fail(e.to_string()))?;
    let conversion: Conversion = settings.convert.parse().map_err(|e: zhclean::convert::ConvertError| fail(e.to_string()))?;
    let encoding = settings.encoding.as_deref().map(Label::parse).transpose().map_err(|e| fail(format!("--encoding: {e}")))?;
    let options = Options {
        conversion,
        encoding,
        strict: settings.strict,
        warn_removal: settings.warn_removal,
        max_removal: settings.max_removal,
    };
    Cleaner::new(set, &options).map_err(|e| fail(e.to_string()))
}

/// Files that failed, grouped by reason for the summary.
#[derive(Debug, Default)]
struct Failures {
    by_reason: BTreeMap<&'static str, usize>,
    total: usize,
}

impl Failures {
    /// Reports one failed file on stderr and counts it.
    fn add(&mut self, path: &str, failure: &Failure) {
        let _ = writeln!(io::stderr(), "zhclean: {path}: {failure}");
        *self.by_reason.entry(failure.reason).or_default() += 1;
        self.total += 1;
    }

    fn any(&self) -> bool {
        self.total > 0
    }

    /// Prints the summary line `counts` (with the failures added) and, when files failed, why.
    fn summarise(&self, counts: &str, skipped: &Expanded) {
        let mut err = io::stderr().lock();
        let mut line = counts.to_owned();
        if skipped.skipped_links > 0 {
            line.push_str(&format!(", {} symbolic link(s) skipped (--follow-symlinks follows them)", skipped.skipped_links));
        }
        if skipped.skipped_special > 0 {
            line.push_str(&format!(", {} special file(s) skipped", skipped.skipped_special));
        }
        let _ = writeln!(err, "{line}, {} failed", self.total);
        if self.any() {
            let reasons: Vec<String> = self.by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
            let _ = writeln!(err, "failed: {}", reasons.join(", "));
        }
    }
}

/// Reports one failure on stderr (for the JSON Lines path, which counts its own).
pub(crate) fn report_error(path: &str, reason: &str) {
    let _ = writeln!(io::stderr(), "zhclean: {path}: {reason}");
}

fn decode_failure(e: &DecodeError) -> Failure {
    let reason = match e {
        DecodeError::Binary { .. } => "binary data",
        DecodeError::UnknownEncoding { .. } | DecodeError::Unsupported { .. } | DecodeError::Undecodable { .. } => {
            "undecodable"
        }
        DecodeError::Malformed { .. } => "malformed (--strict)",
    };
    Failure::new(reason, e.to_string())
}

fn expand(paths: &[PathBuf], walk: &Walk, skip: Vec<PathBuf>) -> Expanded {
    fsio::expand(paths, &WalkOptions { follow_symlinks: walk.follow_symlinks, skip })
}

/// Reads and cleans every input (as `expand` found them), calling `each` with the result; reports
/// and counts the files that fail. `each` returns an error only for what ends the run (a closed
/// standard output); its per-file failures it adds to the `Failures` it is given.
fn for_each_document(
    cleaner: &Cleaner,
    expanded: &Expanded,
    max_size: u64,
    failures: &mut Failures,
    mut each: impl FnMut(&Input, &[u8], Cleaned, &mut Failures) -> Result<()>,
) -> Result<()> {
    for (path, e) in &expanded.errors {
        failures.add(&path.display().to_string(), e);
    }
    // Read and cleaned on all cores, handed to `each` in input order.
    let size = |input: &Input| input.path.as_ref().and_then(|p| fs::metadata(p).ok()).map_or(0, |m| m.len());
    let work = |input: Input| {
        let name = input.display();
        let outcome = fsio::read(&input, max_size)
            .and_then(|bytes| cleaner.clean_bytes(&bytes, &name).map(|c| (bytes, c)).map_err(|e| decode_failure(&e)));
        (input, name, outcome)
    };
    let sink = |(input, name, outcome): (Input, String, Outcome)| -> Result<()> {
        match outcome {
            Ok((bytes, cleaned)) => {
                for w in cleaned.report.warnings.iter().filter(|w| w.contains("characters")) {
                    let _ = writeln!(io::stderr(), "zhclean: {name}: warning: {w}");
                }
                each(&input, &bytes, cleaned, failures)?
            }
            Err(f) => failures.add(&name, &f),
        }
        Ok(())
    };
    // Two files per thread in flight: each thread has the next file while one is written.
    let items = expanded.inputs.iter().cloned().map(Ok);
    parallel::ordered_in_batches(items, size, work, sink, 2 * rayon::current_num_threads())
}

/// A file read and cleaned, or why not.
type Outcome = std::result::Result<(Vec<u8>, Cleaned), Failure>;

/// The output directory, created, and its canonical path; refused when it is an input directory.
fn prepare_output(dir: &Path, inputs: &[PathBuf]) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    let canonical = fs::canonicalize(dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    for input in inputs {
        if fs::canonicalize(input).is_ok_and(|c| c == canonical) {
            return Err(fail(format!("{}: the output directory is an input directory; choose another", dir.display())));
        }
    }
    Ok(canonical)
}

/// Canonical paths of the inputs, built when first needed: no output may replace an input.
struct InputSet<'a> {
    inputs: &'a [Input],
    set: Option<HashSet<PathBuf>>,
}

impl InputSet<'_> {
    fn contains(&mut self, path: &Path) -> bool {
        let Ok(canonical) = fs::canonicalize(path) else { return false };
        let inputs = self.inputs;
        let set = self.set.get_or_insert_with(|| {
            inputs.iter().filter_map(|i| i.path.as_ref()).filter_map(|p| fs::canonicalize(p).ok()).collect()
        });
        set.contains(&canonical)
    }
}

pub(crate) fn clean(args: CleanArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    if args.jsonl {
        return jsonl::clean(&args, &cleaner);
    }
    let outdir = match &args.output {
        Some(dir) => Some((dir, prepare_output(dir, &args.inputs)?)),
        None => None,
    };
    let skip = outdir.iter().map(|(_, c)| c.clone()).collect();
    let expanded = expand(&args.inputs, &args.walk, skip);
    if outdir.is_none() && (expanded.inputs.len() > 1 || args.inputs.len() > 1) {
        return Err(fail("several inputs need -o OUTDIR"));
    }
    let mut inputs = InputSet { inputs: &expanded.inputs, set: None };
    let mut report = match &args.report {
        Some(p) if inputs.contains(p) => return Err(fail(format!("{}: the report would replace an input", p.display()))),
        Some(p) => Some(BufWriter::new(fs::File::create(p).map_err(|e| fail(format!("{}: {e}", p.display())))?)),
        None => None,
    };
    let stdout = io::stdout();
    let mut failures = Failures::default();
    let (mut cleaned_files, mut kept_whole) = (0, 0);
    let mut targets = HashSet::new();
    for_each_document(&cleaner, &expanded, args.walk.max_size, &mut failures, |input, _, cleaned, failures| {
        if let Some(w) = report.as_mut() {
            serde_json::to_writer(&mut *w, &cleaned.report).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
        }
        kept_whole += usize::from(cleaned.report.kept_whole);
        let Some((dir, canonical)) = &outdir else {
            cleaned_files += 1;
            return stdout.lock().write_all(cleaned.text.as_bytes());
        };
        let name = input.display();
        let target = match fsio::output_path(dir, canonical, &input.relative) {
            Ok(t) => t,
            Err(e) => {
                failures.add(&name, &e);
                return Ok(());
            }
        };
        if !targets.insert(target.clone()) {
            let e = Failure::new("output path clash", format!("{} is also the output of an earlier input", target.display()));
            failures.add(&name, &e);
            return Ok(());
        }
        let diff_path = args.diff.then(|| with_suffix(&target, ".diff"));
        if let Some(input_path) = [Some(&target), diff_path.as_ref()].into_iter().flatten().find(|p| inputs.contains(p)) {
            failures.add(&name, &Failure::new("would overwrite an input", format!("{} is an input", input_path.display())));
            return Ok(());
        }
        let written = fsio::write_atomic(&target, cleaned.text.as_bytes()).map_err(|e| (target.clone(), e)).and_then(|()| {
            let Some(diff_path) = diff_path else { return Ok(()) };
            let rel = input.relative.display().to_string();
            fsio::write_atomic(&diff_path, cleaned.diff_canonical(&rel).as_bytes()).map_err(|e| (diff_path, e))
        });
        match written {
            Ok(()) => cleaned_files += 1,
            Err((path, e)) => failures.add(&name, &Failure::io(&e).context(&format!("writing {}", path.display()))),
        }
        Ok(())
    })?;
    if let Some(mut w) = report {
        w.flush()?;
    }
    failures.summarise(&format!("{cleaned_files} file(s) cleaned, {kept_whole} kept whole"), &expanded);
    Ok(if failures.any() { Status::Error } else { Status::Success })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn check(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let mut out = io::stdout().lock();
    let (mut changed, mut unchanged, mut kept_whole) = (0, 0, 0);
    let expanded = expand(&args.files, &args.walk, Vec::new());
    let mut failures = Failures::default();
    for_each_document(&cleaner, &expanded, args.walk.max_size, &mut failures, |input, bytes, cleaned, _| {
        if cleaned.report.kept_whole {
            // `fix` leaves such a file as it is.
            kept_whole += 1;
            return Ok(());
        }
        if !cleaned.changes(bytes) {
            unchanged += 1;
            return Ok(());
        }
        changed += 1;
        let name = input.display();
        let enc = cleaned.report.encoding.as_ref();
        if let Some(d) = enc.filter(|d| d.encoding != "UTF-8" || d.bom) {
            let bom = if d.bom { " with BOM" } else { "" };
            writeln!(out, "# {name}: would re-encode {}{bom} → UTF-8", d.encoding)?;
        }
        let diff = cleaned.diff_original(&name);
        if diff.is_empty() {
            writeln!(out, "# {name}: would normalise line ends or the final newline")?;
        }
        out.write_all(diff.as_bytes())
    })?;
    failures.summarise(&format!("{changed} file(s) would change, {unchanged} unchanged, {kept_whole} kept whole"), &expanded);
    Ok(if failures.any() { Status::Error } else if changed > 0 { Status::Changes } else { Status::Success })
}

pub(crate) fn fix(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let (mut fixed, mut unchanged, mut kept_whole) = (0, 0, 0);
    let expanded = expand(&args.files, &args.walk, Vec::new());
    let mut failures = Failures::default();
    for_each_document(&cleaner, &expanded, args.walk.max_size, &mut failures, |input, bytes, cleaned, failures| {
        let Some(path) = &input.path else {
            // Standard input cannot be rewritten in place: the cleaned text goes to stdout.
            fixed += 1;
            return io::stdout().lock().write_all(cleaned.text.as_bytes());
        };
        if cleaned.report.kept_whole {
            kept_whole += 1;
            return Ok(());
        }
        if !cleaned.changes(bytes) {
            unchanged += 1;
            return Ok(());
        }
        // A symbolic link named on the command line (or followed) keeps pointing at the file.
        let target = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
            _ => Ok(path.clone()),
        };
        match target.and_then(|t| fsio::write_atomic(&t, cleaned.text.as_bytes())) {
            Ok(()) => fixed += 1,
            Err(e) => failures.add(&input.display(), &Failure::io(&e).context("not rewritten")),
        }
        Ok(())
    })?;
    failures.summarise(&format!("{fixed} file(s) fixed, {unchanged} unchanged, {kept_whole} kept whole"), &expanded);
    Ok(if failures.any() { Status::Error } else { Status::Success })
}

pub(crate) fn diff(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let mut out = io::stdout().lock();
    let (mut files, mut lines) = (0, 0);
    let expanded = expand(&args.files, &args.walk, Vec::new());
    let mut failures = Failures::default();
    for_each_document(&cleaner, &expanded, args.walk.max_size, &mut failures, |input, _, cleaned, _| {
        let name = input.display();
        files += usize::from(!cleaned.report.removed.is_empty());
        for r in &cleaned.report.removed {
            lines += 1;
            writeln!(out, "{name}:{}: {} {} [{}] {}", r.line, r.code, r.name, r.category, r.text)?;
        }
        Ok(())
    })?;
    failures.summarise(&format!("{lines} line(s) would be removed from {files} file(s)"), &expanded);
    Ok(if failures.any() { Status::Error } else { Status::Success })
}

pub(crate) fn rules(cmd: RulesCommand) -> Result<Status> {
    let mut out = io::stdout().lock();
    match cmd {
        RulesCommand::List { settings } => {
            let cleaner = cleaner(&settings)?;
            for r in cleaner.rules().rules() {
                writeln!(out, "{:<8} {:<20} {:<10} {:<8} {}", r.code, r.name, r.category.name(), r.region.name(), r.summary)?;
            }
            Ok(Status::Success)
        }
        RulesCommand::Show { code, settings } => {
            let cleaner = cleaner(&settings)?;
            let r = cleaner.rules().get(&code).ok_or_else(|| fail(format!("no rule `{code}` (see `zhclean rules list`)")))?;
            writeln!(out, "{} {} ({})", r.code, r.name, r.category)?;
            writeln!(out, "  {}\n", r.summary)?;
            writeln!(out, "Why: {}", r.why)?;
            writeln!(out, "Where: {} · Action: {} · Matches: {}", r.region.name(), r.action.name(), r.matcher_description())?;
            if let Some(max) = r.max_chars {
                writeln!(out, "Only lines of at most {max} characters.")?;
            }
            writeln!(out, "Defined in {}:{}", r.file, r.line)?;
            for (i, ex) in r.examples.iter().enumerate() {
                let kind = if ex.input.trim() == ex.output.trim() { "kept" } else { "cleaned" };
                writeln!(out, "\nExample {} ({kind}):", i + 1)?;
                for l in ex.input.lines() {
                    writeln!(out, "  < {l}")?;
                }
                for l in ex.output.lines() {
                    writeln!(out, "  > {l}")?;
                }
            }
            Ok(Status::Success)
        }
        RulesCommand::Suggest { inputs, min_docs, prefix, settings, walk } => {
            let cleaner = cleaner(&settings)?;
            let mut collector = zhclean::suggest::Collector::default();
            let expanded = expand(&inputs, &walk, Vec::new());
            let mut failures = Failures::default();
            for_each_document(&cleaner, &expanded, walk.max_size, &mut failures, |input, _, cleaned, _| {
                collector.add(&cleaned, &input.display());
                Ok(())
            })?;
            let errored = failures.any();
            let documents = collector.documents();
            let min = min_docs.unwrap_or_else(|| (documents / 50).max(3));
            let suggestions = collector.suggestions(min);
            out.write_all(zhclean::suggest::to_toml(&suggestions, documents, &prefix).as_bytes())?;
            let _ = writeln!(io::stderr(), "{} suggestion(s) from {documents} document(s), lines kept in at least {min}", suggestions.len());
            Ok(if errored { Status::Error } else { Status::Success })
        }
        RulesCommand::Test { dir } => {
            let set = match dir {
                Some(dir) => {
                    let mut set = RuleSet::default();
                    set.add_dir(&dir).map_err(|e| fail(e.to_string()))?;
                    set
                }
                None => RuleSet::builtin().map_err(|e| fail(e.to_string()))?,
            };
            let outcomes = rules::run_examples(&set).map_err(|e| fail(e.to_string()))?;
            let (mut passed, mut failed, mut todo) = (0, 0, 0);
            for o in &outcomes {
                if o.passed() {
                    passed += 1;
                    continue;
                }
                let (r, ex) = (o.rule, o.example);
                if ex.todo {
                    todo += 1;
                    writeln!(out, "{}:{}: {} {}: known failure (todo)", r.file, ex.line, r.code, r.name)?;
                    continue;
                }
                failed += 1;
                writeln!(out, "{}:{}: {} {}: example failed", r.file, ex.line, r.code, r.name)?;
                writeln!(out, "  expected: {:?}\n  got:      {:?}", o.expected, o.got)?;
            }
            writeln!(out, "{passed} passed, {failed} failed, {todo} todo")?;
            Ok(if failed > 0 { Status::Error } else { Status::Success })
        }
    }
}

fn totals(out: &mut impl Write, who: &str, t: &zhclean::score::Counts) -> Result<()> {
    writeln!(out, "{who}:")?;
    writeln!(out, "boilerplate-line recall  {:.3} ({} of {} drop lines removed)", t.recall(), t.drop_removed, t.drop_lines)?;
    writeln!(out, "content lines lost       {:.3} ({} of {} keep lines)", t.content_lines_lost(), t.keep_removed, t.keep_lines)?;
    writeln!(out, "content-character loss   {:.3} ({} of {} characters)", t.content_char_loss(), t.keep_chars_removed, t.keep_chars)
}

pub(crate) fn score(args: ScoreArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let s = zhclean::score::score(&cleaner, &args.dir).map_err(|e| fail(e.to_string()))?;
    let mut out = io::stdout().lock();
    writeln!(out, "{:<32} {:>6} {:>8} {:>6} {:>8} {:>9}", "file", "drop", "recall", "keep", "lost", "char-loss")?;
    for (name, c) in &s.files {
        writeln!(
            out,
            "{:<32} {:>6} {:>8.3} {:>6} {:>8} {:>9.3}",
            name,
            c.drop_lines,
            c.recall(),
            c.keep_lines,
            c.keep_removed,
            c.content_char_loss()
        )?;
    }
    writeln!(out)?;
    totals(&mut out, "zhclean", &s.total)?;
    if args.baseline {
        let c4 = zhclean::score::score_with(&args.dir, |bytes, _| zhclean::score::c4_baseline(bytes))
            .map_err(|e| fail(e.to_string()))?;
        totals(&mut out, "C4-style line filter", &c4.total)?;
    }
    writeln!(out, "\nremovals by rule (drop / keep / either lines):")?;
    for (code, [d, k, e]) in &s.by_rule {
        writeln!(out, "  {code:<8} {d:>5} {k:>5} {e:>5}")?;
    }
    if !s.keep_lost.is_empty() {
        writeln!(out, "\ncontent lines lost:")?;
        for m in &s.keep_lost {
            writeln!(out, "  {}:{}: {} {}", m.file, m.line, m.code.as_deref().unwrap_or("-"), m.text)?;
        }
    }
    if args.verbose {
        writeln!(out, "\nboilerplate lines missed:")?;
        for m in &s.drop_missed {
            writeln!(out, "  {}:{}: {}", m.file, m.line, m.text)?;
        }
    }
    Ok(Status::Success)
}
