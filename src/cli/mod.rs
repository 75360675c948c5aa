//! The commands. Each returns the exit status; per-file errors are reported on stderr, the run goes
//! on, and a summary at the end counts the files and groups the failures by reason.

pub(crate) mod args;
mod fsio;
mod jsonl;
mod parallel;
mod progress;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zhclean::config::{Config, Excludes};
use zhclean::convert::Conversion;
use zhclean::decode::{DecodeError, Label};
use zhclean::rules::{self, RuleSet};
use zhclean::summary::Summary;
use zhclean::{Cleaned, Cleaner, Options};

use args::{CleanArgs, Color, DiffArgs, FilesArgs, ReviewArgs, RulesCommand, ScoreArgs, Settings, Walk};
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

/// The cleaner and the exclude globs, from the options and the project config file.
struct Project {
    cleaner: Arc<Cleaner>,
    excludes: Excludes,
}

/// The config file: `--config FILE`, none with `--no-config`, else `zhclean.toml` found from the
/// working directory upward.
fn config(settings: &Settings) -> Result<Option<Config>> {
    let found = match &settings.config {
        _ if settings.no_config => Ok(None),
        Some(path) => Config::read(path).map(Some),
        None => Config::find(&std::env::current_dir()?),
    };
    found.map_err(|e| fail(e.to_string()))
}

/// Builds the cleaner from the shared settings and the config file (command-line options win;
/// rule directories and ignores add up); rule-file, config and option errors end the run.
fn project(settings: &Settings) -> Result<Project> {
    parallel::set_threads(settings.jobs);
    let config = config(settings)?.unwrap_or_default();
    let rules: Vec<PathBuf> = config.rules.iter().chain(&settings.rules).cloned().collect();
    let select = if settings.select.is_empty() { &config.select } else { &settings.select };
    let ignore: Vec<String> = config.ignore.iter().chain(&settings.ignore).cloned().collect();
    let convert = settings.convert.as_deref().or(config.convert.as_deref()).unwrap_or("t2s");
    let conversion: Conversion = convert.parse().map_err(|e: zhclean::convert::ConvertError| fail(e.to_string()))?;
    let encoding = settings.encoding.as_deref().or(config.encoding.as_deref());
    let encoding = encoding.map(Label::parse).transpose().map_err(|e| fail(format!("encoding: {e}")))?;
    let options = Options {
        conversion,
        encoding,
        strict: settings.strict,
        warn_removal: settings.warn_removal,
        max_removal: settings.max_removal,
    };
    let cleaner = Arc::new(Cleaner::with_rules(&rules, select, &ignore, &options).map_err(|e| fail(e.to_string()))?);
    // The rules' regex sets are compiled on first use, a few milliseconds: here on a thread of
    // their own while the inputs are walked and read, not on the first document's.
    let rules = Arc::clone(&cleaner);
    std::thread::spawn(move || {
        rules.rules().pattern_set();
    });
    Ok(Project { cleaner, excludes: config.exclude })
}

fn cleaner(settings: &Settings) -> Result<Arc<Cleaner>> {
    Ok(project(settings)?.cleaner)
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
        if skipped.excluded > 0 {
            line.push_str(&format!(", {} excluded by {}", skipped.excluded, zhclean::config::FILE_NAME));
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

/// The inputs, walked, less what the config file excludes (files named on the command line too:
/// a pre-commit hook names every staged file).
fn expand(paths: &[PathBuf], walk: &Walk, skip: Vec<PathBuf>, excludes: &Excludes) -> Expanded {
    let mut expanded = fsio::expand(paths, &WalkOptions { follow_symlinks: walk.follow_symlinks, skip });
    if !excludes.is_empty() {
        let cwd = std::env::current_dir().unwrap_or_default();
        let before = expanded.inputs.len();
        expanded.inputs.retain(|i| i.path.as_ref().is_none_or(|p| excludes.matches(p, &cwd).is_none()));
        expanded.excluded = before - expanded.inputs.len();
    }
    expanded
}

/// Reads and cleans every input (as `expand` found them), calling `each` with the result; reports
/// and counts the files that fail. `each` returns an error only for what ends the run (a closed
/// standard output); its per-file failures it adds to the `Failures` it is given.
fn for_each_document(
    cleaner: &Cleaner,
    expanded: &Expanded,
    max_size: u64,
    failures: &mut Failures,
    mut each: impl FnMut(&Input, &[u8], Cleaned, &mut Failures) -> Result<()> + Send,
) -> Result<()> {
    let after = Steps { prepare: |_: &Input| (), finish: |_: &Input, bytes: Vec<u8>, cleaned: Cleaned, (): ()| (bytes, cleaned) };
    for_each_document_with(cleaner, expanded, max_size, failures, after, |input, (bytes, cleaned), failures| each(input, &bytes, cleaned, failures))
}

/// What [`for_each_document_with`] does besides cleaning: `prepare` runs on the calling thread in
/// input order before the document is cleaned (e.g. to choose and check where it goes), and
/// `finish` after it is cleaned (e.g. to write it): on the worker that cleaned it, so that the
/// work done per document is done on all cores, or with one worker, where results are handed on.
/// `finish` is given the input's bytes and the cleaned document, and what it does not return is
/// freed there too.
struct Steps<P, F> {
    prepare: P,
    finish: F,
}

/// [`for_each_document`] with [`Steps`]: `each` is given what `finish` returned.
fn for_each_document_with<R: Send, T: Send>(
    cleaner: &Cleaner,
    expanded: &Expanded,
    max_size: u64,
    failures: &mut Failures,
    steps: Steps<impl FnMut(&Input) -> R, impl Fn(&Input, Vec<u8>, Cleaned, R) -> T + Sync>,
    mut each: impl FnMut(&Input, T, &mut Failures) -> Result<()> + Send,
) -> Result<()> {
    for (path, e) in &expanded.errors {
        failures.add(&path.display().to_string(), e);
    }
    let Steps { mut prepare, finish } = steps;
    // Cleaned on all cores, handed to `each` in input order. With more than one worker, each
    // file is read and finished by the worker that cleans it, so that this is done on all cores
    // too; with one, on the threads that hand out work and hand on results, beside the worker,
    // which use another core when there is one.
    let beside = rayon::current_num_threads() == 1;
    let size = |(input, _, _): &(Input, R, Option<Read>)| input.size;
    let work = |(input, prepared, read): (Input, R, Option<Read>)| {
        let name = input.display();
        let outcome = read
            .unwrap_or_else(|| fsio::read(&input, max_size))
            .and_then(|bytes| cleaner.clean_bytes(&bytes, &name).map(|c| (bytes, c)).map_err(|e| decode_failure(&e)))
            .map(|(bytes, cleaned)| {
                let warnings = cleaned.report.warnings.iter().filter(|w| w.contains("characters")).cloned().collect();
                let finished = if beside { Finish::Later(Box::new((bytes, cleaned, prepared))) } else { Finish::Done(finish(&input, bytes, cleaned, prepared)) };
                (warnings, finished)
            });
        (input, name, outcome)
    };
    let mut sink = |(input, name, outcome): (Input, String, Outcome<T, R>)| -> Result<()> {
        match outcome {
            Ok((warnings, finished)) => {
                for w in warnings {
                    let _ = writeln!(io::stderr(), "zhclean: {name}: warning: {w}");
                }
                let finished = match finished {
                    Finish::Done(t) => t,
                    Finish::Later(later) => {
                        let (bytes, cleaned, prepared) = *later;
                        finish(&input, bytes, cleaned, prepared)
                    }
                };
                each(&input, finished, failures)?
            }
            Err(f) => failures.add(&name, &f),
        }
        Ok(())
    };
    // `each` is called as documents are done, in input order, while later ones are read and
    // cleaned: `fix` rewrites files all through the run.
    let items = expanded.inputs.iter().map(|input| {
        let prepared = prepare(input);
        Ok(((input.clone(), prepared, beside.then(|| fsio::read(input, max_size))), true))
    });
    parallel::ordered_stream(items, size, work, |done| done.map_or(Ok(()), &mut sink))
}

/// A file's bytes, or why they could not be read.
type Read = std::result::Result<Vec<u8>, Failure>;

/// A file read, cleaned and finished or to be finished (with the removal-share warnings to
/// print), or why not.
type Outcome<T, R> = std::result::Result<(Vec<String>, Finish<T, R>), Failure>;

/// What `finish` of [`Steps`] made of a cleaned file, or what it is to be given, where results
/// are handed on.
enum Finish<T, R> {
    Done(T),
    Later(Box<(Vec<u8>, Cleaned, R)>),
}

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
        // What does not exist is no input (and needs no walk of its path).
        if fs::symlink_metadata(path).is_err() {
            return false;
        }
        let Ok(canonical) = fs::canonicalize(path) else { return false };
        let inputs = self.inputs;
        let set = self.set.get_or_insert_with(|| {
            inputs.iter().filter_map(|i| i.path.as_ref()).filter_map(|p| fs::canonicalize(p).ok()).collect()
        });
        set.contains(&canonical)
    }
}

pub(crate) fn clean(args: CleanArgs) -> Result<Status> {
    let Project { cleaner, excludes } = project(&args.settings)?;
    if args.jsonl {
        return jsonl::clean(&args, &cleaner, &excludes);
    }
    let outdir = match &args.output {
        Some(dir) => Some((dir, prepare_output(dir, &args.inputs)?)),
        None => None,
    };
    let skip = outdir.iter().map(|(_, c)| c.clone()).collect();
    let expanded = expand(&args.inputs, &args.walk, skip, &excludes);
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
    let mut summary = args.summary.then(|| Summary::new(args.settings.warn_removal));
    // Where each output goes is decided in input order (an earlier input wins a clash); the
    // files are written by the workers.
    let mut targets = HashSet::new();
    let mut checked_dirs = HashSet::new();
    let prepare = |input: &Input| -> Destination {
        let Some((dir, canonical)) = &outdir else { return Ok(None) };
        let target = fsio::output_path(dir, canonical, &input.relative, &mut checked_dirs)?;
        if !targets.insert(target.clone()) {
            return Err(Failure::new("output path clash", format!("{} is also the output of an earlier input", target.display())));
        }
        let diff_path = args.diff.then(|| with_suffix(&target, ".diff"));
        if let Some(input_path) = [Some(&target), diff_path.as_ref()].into_iter().flatten().find(|p| inputs.contains(p)) {
            return Err(Failure::new("would overwrite an input", format!("{} is an input", input_path.display())));
        }
        Ok(Some((target, diff_path)))
    };
    let write_report = report.is_some();
    // Done on the workers: the report record serialised, the output (and its diff) written, the
    // rest of the cleaned document freed; `Ok(Some(text))`: the text goes to standard output, in
    // order.
    let finish = |input: &Input, _: Vec<u8>, cleaned: Cleaned, destination: Destination| {
        let record = write_report.then(|| serde_json::to_vec(&cleaned.report));
        let written = match destination {
            Ok(None) => Ok(Some(cleaned.text)),
            Ok(Some((target, diff_path))) => fsio::replace(&target, cleaned.text.as_bytes())
                .map_err(|e| (target.clone(), e))
                .and_then(|()| {
                    let Some(diff_path) = diff_path else { return Ok(()) };
                    let rel = input.relative.display().to_string();
                    fsio::replace(&diff_path, cleaned.diff_canonical(&rel).as_bytes()).map_err(|e| (diff_path, e))
                })
                .map_err(|(path, e)| Failure::io(&e).context(&format!("writing {}", path.display())))
                .map(|()| None),
            Err(e) => Err(e),
        };
        (cleaned.report, record, written)
    };
    let steps = Steps { prepare, finish };
    for_each_document_with(&cleaner, &expanded, args.walk.max_size, &mut failures, steps, |input, (cleaned_report, record, written), failures| {
        if let Some(s) = summary.as_mut() {
            s.add(&cleaned_report);
        }
        if let (Some(w), Some(record)) = (report.as_mut(), record) {
            w.write_all(&record.map_err(io::Error::other)?)?;
            w.write_all(b"\n")?;
        }
        kept_whole += usize::from(cleaned_report.kept_whole);
        match written {
            Ok(None) => cleaned_files += 1,
            Ok(Some(text)) => {
                cleaned_files += 1;
                stdout.lock().write_all(text.as_bytes())?;
            }
            Err(e) => failures.add(&input.display(), &e),
        }
        Ok(())
    })?;
    // The outputs were renamed into these directories unflushed (see `fsio::replace`).
    for dir in &checked_dirs {
        fsio::sync_dir(dir);
    }
    let summary = summary.map(|s| s.record(TOP_REMOVED));
    if let Some(mut w) = report {
        if let Some(s) = &summary {
            serde_json::to_writer(&mut w, &serde_json::json!({ "summary": s })).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    if let Some(s) = &summary {
        let _ = write!(io::stderr(), "{s}");
    }
    failures.summarise(&format!("{cleaned_files} file(s) cleaned, {kept_whole} kept whole"), &expanded);
    Ok(if failures.any() { Status::Error } else { Status::Success })
}

/// Where `clean` writes a document and its diff (`None`: standard output), or why it may not.
type Destination = std::result::Result<Option<(PathBuf, Option<PathBuf>)>, Failure>;

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether to colour standard output.
fn colour(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// What `check` and `diff` print for a file that would change: a note when it would be re-encoded,
/// then the unified diff of the file as it is against the output (or the removed lines with
/// `--list`), coloured on request.
fn write_changes(out: &mut impl Write, name: &str, cleaned: &Cleaned, args: &DiffArgs, colour: bool) -> Result<()> {
    if args.list {
        for r in &cleaned.report.removed {
            writeln!(out, "{name}:{}: {} {} [{}] {}", r.line, r.code, r.name, r.category, r.text)?;
        }
        return Ok(());
    }
    let mut text = String::new();
    let enc = cleaned.report.encoding.as_ref();
    if let Some(d) = enc.filter(|d| d.encoding != "UTF-8" || d.bom) {
        let bom = if d.bom { " with BOM" } else { "" };
        text.push_str(&format!("# {name}: would re-encode {}{bom} → UTF-8\n", d.encoding));
    }
    let diff = cleaned.diff_original(name);
    if diff.is_empty() && text.is_empty() {
        text.push_str(&format!("# {name}: would normalise line ends or the final newline\n"));
    }
    text.push_str(&diff);
    out.write_all(if colour { zhclean::diff::paint(&text) } else { text }.as_bytes())
}

pub(crate) fn check(args: DiffArgs) -> Result<Status> {
    let files = &args.files;
    let Project { cleaner, excludes } = project(&files.settings)?;
    let colour = colour(args.color);
    let mut out = io::stdout();
    let (mut changed, mut unchanged, mut kept_whole) = (0, 0, 0);
    let expanded = expand(&files.files, &files.walk, Vec::new(), &excludes);
    let mut failures = Failures::default();
    for_each_document(&cleaner, &expanded, files.walk.max_size, &mut failures, |input, bytes, cleaned, _| {
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
        write_changes(&mut out, &input.display(), &cleaned, &args, colour)
    })?;
    // A clean tree passes silently, as a pre-commit hook should.
    if changed > 0 || failures.any() {
        failures.summarise(&format!("{changed} file(s) would change, {unchanged} unchanged, {kept_whole} kept whole"), &expanded);
    }
    Ok(if failures.any() { Status::Error } else if changed > 0 { Status::Changes } else { Status::Success })
}

pub(crate) fn fix(args: FilesArgs) -> Result<Status> {
    let Project { cleaner, excludes } = project(&args.settings)?;
    let (mut fixed, mut unchanged, mut kept_whole) = (0, 0, 0);
    let expanded = expand(&args.files, &args.walk, Vec::new(), &excludes);
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

pub(crate) fn diff(args: DiffArgs) -> Result<Status> {
    let files = &args.files;
    let Project { cleaner, excludes } = project(&files.settings)?;
    let colour = colour(args.color);
    let mut out = io::stdout();
    let (mut changed, mut lines) = (0, 0);
    let expanded = expand(&files.files, &files.walk, Vec::new(), &excludes);
    let mut failures = Failures::default();
    for_each_document(&cleaner, &expanded, files.walk.max_size, &mut failures, |input, bytes, cleaned, _| {
        lines += cleaned.report.removed.len();
        if cleaned.report.kept_whole || !cleaned.changes(bytes) {
            return Ok(());
        }
        changed += 1;
        write_changes(&mut out, &input.display(), &cleaned, &args, colour)
    })?;
    failures.summarise(&format!("{lines} line(s) would be removed, {changed} file(s) would change"), &expanded);
    Ok(if failures.any() { Status::Error } else { Status::Success })
}

/// Most frequent removed lines in the summary of `clean --summary`.
const TOP_REMOVED: usize = 20;

pub(crate) fn review(args: ReviewArgs) -> Result<Status> {
    let Project { cleaner, excludes } = project(&args.settings)?;
    let expanded = expand(&args.inputs, &args.walk, Vec::new(), &excludes);
    let mut inputs = InputSet { inputs: &expanded.inputs, set: None };
    if inputs.contains(&args.output) {
        return Err(fail(format!("{}: the review page would replace an input", args.output.display())));
    }
    let mut failures = Failures::default();
    let mut summary = Summary::new(args.settings.warn_removal);
    let mut page = zhclean::review::Page::new(cleaner.rules());
    for_each_document(&cleaner, &expanded, args.walk.max_size, &mut failures, |_, _, cleaned, _| {
        summary.add(&cleaned.report);
        page.add(&cleaned);
        Ok(())
    })?;
    let record = summary.record(args.top);
    let html = page.render(&record);
    fsio::write_atomic(&args.output, html.as_bytes()).map_err(|e| fail(format!("{}: {e}", args.output.display())))?;
    failures.summarise(
        &format!("{} document(s) in {} ({} bytes)", record.documents, args.output.display(), html.len()),
        &expanded,
    );
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
            let mut collector = zhclean::suggest::Collector::default();
            let Project { cleaner, excludes } = project(&settings)?;
            let expanded = expand(&inputs, &walk, Vec::new(), &excludes);
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
