//! The commands. Each returns the exit status; per-file errors are reported on stderr and the
//! run goes on.

pub(crate) mod args;
mod fsio;
mod jsonl;
mod parallel;
mod progress;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use zhclean::convert::Conversion;
use zhclean::decode::Label;
use zhclean::rules::{self, RuleSet};
use zhclean::{Cleaned, Cleaner, Options};

use args::{CleanArgs, FilesArgs, RulesCommand, ScoreArgs, Settings};
use fsio::Input;

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
    Cleaner::new(set, &Options { conversion, encoding, strict: settings.strict }).map_err(|e| fail(e.to_string()))
}

fn read(input: &Input) -> Result<Vec<u8>> {
    match &input.path {
        Some(p) => fs::read(p),
        None => {
            let mut buf = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut buf)?;
            Ok(buf)
        }
    }
}

/// Reads and cleans every input (as `fsio::expand` found them), calling `each` with the result;
/// reports per-file errors and returns whether any occurred.
fn for_each_document(
    cleaner: &Cleaner,
    (inputs, walk_errors): (Vec<Input>, Vec<(PathBuf, io::Error)>),
    mut each: impl FnMut(&Input, &[u8], Cleaned) -> Result<()>,
) -> Result<bool> {
    let mut errored = !walk_errors.is_empty();
    for (path, e) in walk_errors {
        report_error(&path.display().to_string(), &e.to_string());
    }
    // Read and cleaned on all cores, handed to `each` in input order.
    let size = |input: &Input| input.path.as_ref().and_then(|p| fs::metadata(p).ok()).map_or(0, |m| m.len());
    let work = |input: Input| {
        let name = input.display();
        let outcome = read(&input).and_then(|bytes| match cleaner.clean_bytes(&bytes, &name) {
            Ok(cleaned) => Ok((bytes, cleaned)),
            Err(e) => Err(fail(e.to_string())),
        });
        (input, name, outcome)
    };
    parallel::ordered(inputs.into_iter().map(Ok), size, work, |(input, name, outcome)| {
        match outcome {
            Ok((bytes, cleaned)) => each(&input, &bytes, cleaned)?,
            Err(e) => {
                report_error(&name, &e.to_string());
                errored = true;
            }
        }
        Ok(())
    })?;
    Ok(errored)
}

fn report_error(path: &str, reason: &str) {
    let _ = writeln!(io::stderr(), "zhclean: {path}: {reason}");
}

pub(crate) fn clean(args: CleanArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    if args.jsonl {
        return jsonl::clean(&args, &cleaner);
    }
    let expanded = fsio::expand(&args.inputs);
    if args.output.is_none() && (expanded.0.len() > 1 || args.inputs.len() > 1) {
        return Err(fail("several inputs need -o OUTDIR"));
    }
    let mut report = match &args.report {
        Some(p) => Some(BufWriter::new(fs::File::create(p).map_err(|e| fail(format!("{}: {e}", p.display())))?)),
        None => None,
    };
    let stdout = io::stdout();
    let errored = for_each_document(&cleaner, expanded, |input, _, cleaned| {
        if let Some(w) = report.as_mut() {
            serde_json::to_writer(&mut *w, &cleaned.report).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
        }
        match &args.output {
            None => stdout.lock().write_all(cleaned.text.as_bytes()),
            Some(dir) => {
                let target = dir.join(&input.relative);
                let written = write_output(&target, cleaned.text.as_bytes()).and_then(|()| {
                    if args.diff {
                        let rel = input.relative.display().to_string();
                        write_output(&with_suffix(&target, ".diff"), cleaned.diff_canonical(&rel).as_bytes())
                    } else {
                        Ok(())
                    }
                });
                written.map_err(|e| fail(format!("{}: {e}", target.display())))
            }
        }
    })?;
    if let Some(mut w) = report {
        w.flush()?;
    }
    Ok(if errored { Status::Error } else { Status::Success })
}

fn write_output(target: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    fsio::write_atomic(target, bytes)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn check(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let mut out = io::stdout().lock();
    let (mut changed, mut unchanged) = (0, 0);
    let errored = for_each_document(&cleaner, fsio::expand(&args.files), |input, bytes, cleaned| {
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
    let _ = writeln!(io::stderr(), "{changed} file(s) would change, {unchanged} unchanged");
    Ok(if errored { Status::Error } else if changed > 0 { Status::Changes } else { Status::Success })
}

pub(crate) fn fix(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let (mut fixed, mut unchanged, mut failed) = (0, 0, 0);
    let errored = for_each_document(&cleaner, fsio::expand(&args.files), |input, bytes, cleaned| {
        let Some(path) = &input.path else {
            // Standard input cannot be rewritten in place: the cleaned text goes to stdout.
            return io::stdout().lock().write_all(cleaned.text.as_bytes());
        };
        if !cleaned.changes(bytes) {
            unchanged += 1;
        } else if let Err(e) = fsio::write_atomic(path, cleaned.text.as_bytes()) {
            report_error(&input.display(), &format!("not rewritten: {e}"));
            failed += 1;
        } else {
            fixed += 1;
        }
        Ok(())
    })?;
    let _ = writeln!(io::stderr(), "{fixed} file(s) fixed, {unchanged} unchanged");
    Ok(if errored || failed > 0 { Status::Error } else { Status::Success })
}

pub(crate) fn diff(args: FilesArgs) -> Result<Status> {
    let cleaner = cleaner(&args.settings)?;
    let mut out = io::stdout().lock();
    let (mut files, mut lines) = (0, 0);
    let errored = for_each_document(&cleaner, fsio::expand(&args.files), |input, _, cleaned| {
        let name = input.display();
        files += usize::from(!cleaned.report.removed.is_empty());
        for r in &cleaned.report.removed {
            lines += 1;
            writeln!(out, "{name}:{}: {} {} [{}] {}", r.line, r.code, r.name, r.category, r.text)?;
        }
        Ok(())
    })?;
    let _ = writeln!(io::stderr(), "{lines} line(s) would be removed from {files} file(s)");
    Ok(if errored { Status::Error } else { Status::Success })
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
        RulesCommand::Suggest { inputs, min_docs, prefix, settings } => {
            let cleaner = cleaner(&settings)?;
            let mut collector = zhclean::suggest::Collector::default();
            let errored = for_each_document(&cleaner, fsio::expand(&inputs), |input, _, cleaned| {
                collector.add(&cleaned, &input.display());
                Ok(())
            })?;
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
