//! Library throughput: cleans the Simplified UTF-8 seed documents (or the `.txt` documents of DIR,
//! such as real pages) over and over in memory, one thread, default rules and `t2s`, and prints
//! MB/s of input.
//!
//! `cargo run --release --example clean_bench [MEGABYTES] [ROUNDS] [DIR]`
use std::time::Instant;

use zhclean::rules::RuleSet;
use zhclean::{Cleaner, Options};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let docs: Vec<Vec<u8>> = match args.next() {
        Some(dir) => {
            let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("DIR").map(|e| e.expect("DIR entry").path()).collect();
            paths.retain(|p| p.extension().is_some_and(|e| e == "txt"));
            paths.sort();
            paths.iter().map(|p| std::fs::read(p).expect("document")).collect()
        }
        None => {
            let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
            ["000_53df00e179aff913.txt", "001_1e482441de41a84c.txt", "002_5fbf0e8796347eff.txt", "004_576c2e6f06f9add2.txt"]
                .iter()
                .map(|n| std::fs::read(seeds.join(n)).expect("seed fixture"))
                .collect()
        }
    };
    let cleaner = Cleaner::new(RuleSet::builtin().expect("rules"), &Options::default()).expect("cleaner");
    let mut times = Vec::new();
    let mut total = 0usize;
    for _ in 0..rounds {
        total = 0;
        let t = Instant::now();
        while total < mb * 1_000_000 {
            for d in &docs {
                let c = cleaner.clean_bytes(d, "doc").expect("cleans");
                total += d.len();
                std::hint::black_box(c);
            }
        }
        times.push(t.elapsed().as_secs_f64());
    }
    let secs = median(times);
    println!("{:.0} MB of documents, median of {rounds} rounds: {secs:.2} s, {:.1} MB/s", total as f64 / 1e6, total as f64 / 1e6 / secs);
}
