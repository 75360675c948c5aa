//! Detection cost: decoding a large GBK document with detection against decoding it with the
//! encoding given. Builds about 100 MB of GBK from the seed documents.
//!
//! `cargo run --release --example decode_bench [MEGABYTES] [ROUNDS]`
use std::time::Instant;

use zhclean::decode::{decode, Label};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut text = String::new();
    for name in ["000_53df00e179aff913.txt", "001_1e482441de41a84c.txt", "002_5fbf0e8796347eff.txt", "004_576c2e6f06f9add2.txt"] {
        text.push_str(&std::fs::read_to_string(seeds.join(name)).expect("seed fixture"));
    }
    let unit = encoding_rs::GBK.encode(&text).0.into_owned();
    let bytes: Vec<u8> = unit.iter().copied().cycle().take(mb * 1_000_000).collect();
    let gbk = Label::parse("gbk").expect("gbk label");
    let (mut detected, mut known) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let d = decode(&bytes, None).expect("decodes");
        detected.push(t.elapsed().as_secs_f64());
        assert_eq!(d.decoding.encoding, "GBK");
        let t = Instant::now();
        decode(&bytes, Some(gbk)).expect("decodes");
        known.push(t.elapsed().as_secs_f64());
    }
    let (d, k) = (median(detected), median(known));
    let size = bytes.len() as f64 / 1e6;
    println!("{size:.0} MB GBK, median of {rounds} rounds");
    println!("detected       {d:.3} s  {:.0} MB/s", size / d);
    println!("--encoding gbk {k:.3} s  {:.0} MB/s", size / k);
    println!("ratio          {:.2}x", d / k);
}
