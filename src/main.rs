//! The `zhclean` command: a thin layer over the library that walks paths, prints and sets the
//! exit code (0 success, 1 `check` found changes, 2 usage, I/O, decode or rule-file errors).

mod cli;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clean(args) => cli::clean(args),
        Command::Check(args) => cli::check(args),
        Command::Fix(args) => cli::fix(args),
        Command::Diff(args) => cli::diff(args),
        Command::Review(args) => cli::review(args),
        Command::Rules(cmd) => cli::rules(cmd),
        Command::Score(args) => cli::score(args),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        // A closed pipe (`zhclean … | head`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "zhclean: {e}");
            ExitCode::from(cli::Status::Error as u8)
        }
    }
}
