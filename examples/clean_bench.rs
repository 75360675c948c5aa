//! Library throughput: cleans the Simplified UTF-8 seed documents over and over in memory, one
//! thread, default rules and `t2s`, and prints MB/s of input.
//!
//! `cargo run --release --example clean_bench [MEGABYTES] [ROUNDS]`
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
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let docs: Vec<Vec<u8>> = ["000_53df00e179aff913.txt", "001_1e482441de41a84c.txt", "002_5fbf0e8796347eff.txt", "004_576c2e6f06f9add2.txt"]
        .iter()
        .map(|n| std::fs::read(seeds.join(n)).expect("seed fixture"))
        .collect();
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
    println!("{:.0} MB of Simplified UTF-8 documents, median of {rounds} rounds: {secs:.2} s, {:.1} MB/s", total as f64 / 1e6, total as f64 / 1e6 / secs);
}
