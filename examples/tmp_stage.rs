use std::time::Instant;
use zhclean::rules::RuleSet;
use zhclean::convert::{Converter, Conversion};
fn main() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let docs: Vec<Vec<u8>> = ["000_53df00e179aff913.txt", "001_1e482441de41a84c.txt", "002_5fbf0e8796347eff.txt", "004_576c2e6f06f9add2.txt"].iter().map(|n| std::fs::read(seeds.join(n)).unwrap()).collect();
    let rules = RuleSet::builtin().unwrap();
    let conv = Converter::new(Conversion::T2s).unwrap();
    let rounds = 400;
    let total: usize = docs.iter().map(|d| d.len()).sum::<usize>() * rounds;
    let mut t = [0f64; 7];
    for _ in 0..rounds { for d in &docs {
        let s = Instant::now(); let dec = zhclean::decode::decode(d, None).unwrap(); t[0] += s.elapsed().as_secs_f64();
        let s = Instant::now(); let rep = zhclean::repair::repair(&dec.text); t[1] += s.elapsed().as_secs_f64();
        let s = Instant::now(); let can = zhclean::canon::canonicalise(&rep.text, &conv); t[2] += s.elapsed().as_secs_f64();
        let s = Instant::now(); let views: Vec<String> = can.lines.iter().map(|l| zhclean::canon::view(l, None)).collect(); t[3] += s.elapsed().as_secs_f64();
        let s = Instant::now(); let dec2 = zhclean::classify::classify(&can.lines, &views, &rules); t[4] += s.elapsed().as_secs_f64();
        let s = Instant::now(); let out = zhclean::emit::emit(&can.lines, &dec2); t[5] += s.elapsed().as_secs_f64();
        std::hint::black_box(out);
    }}
    let mb = total as f64 / 1e6;
    for (n, x) in ["decode","repair","canon","view","classify","emit"].iter().zip(t) { println!("{n:10} {:6.3} s  {:7.0} MB/s", x, mb / x); }
    println!("sum {:.3} s -> {:.0} MB/s", t.iter().sum::<f64>(), mb / t.iter().sum::<f64>());
}
