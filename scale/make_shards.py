"""Writes JSON Lines shards of test records built from the seed documents.

    python scale/make_shards.py fixtures/seeds OUTDIR [--shards 8] [--records 40]

Each record is {"id", "url", "text"}: a seed document whole, a window of its lines, or a variant
(Windows line ends, indentation, an empty text, characters outside the BMP). The choice is seeded,
so the same arguments give the same bytes. The shards go to OUTDIR/shards/; OUTDIR/bad/ gets one
shard with a malformed record between two good ones, for the checks that a bad record fails a job.
"""
import argparse
import json
import pathlib
import random


def variants(rng, name, text):
    lines = text.split("\n")
    kind = rng.randrange(6)
    if kind == 0:
        return text
    if kind == 1:
        start = rng.randrange(len(lines))
        return "\n".join(lines[start : start + rng.randrange(1, 30)])
    if kind == 2:
        return text.replace("\n", "\r\n")
    if kind == 3:
        return "\n".join("\u3000\u3000" + l if l else l for l in lines)
    if kind == 4:
        return "" if rng.random() < 0.3 else "   \n\n"
    return "𠀀𪚥\t" + text + "\n\U0001F600 \u200b 結束。"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--records", type=int, default=40)
    args = parser.parse_args()
    seeds = sorted(args.seeds.glob("*.txt"))
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in seeds]
    rng = random.Random(20261123)
    (args.out / "shards").mkdir(parents=True, exist_ok=True)
    dump = lambda r: json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
    for s in range(args.shards):
        with open(args.out / "shards" / f"shard-{s:02d}.jsonl", "w", encoding="utf-8", newline="") as f:
            for i in range(args.records):
                name, text = rng.choice(texts)
                record = {"id": f"doc-{s:02d}-{i:04d}", "url": f"https://example.org/{name}/{i}", "text": variants(rng, name, text)}
                f.write(dump(record))
    bad = args.out / "bad"
    bad.mkdir(exist_ok=True)
    with open(bad / "shard-bad.jsonl", "w", encoding="utf-8", newline="") as f:
        f.write(dump({"id": "bad-0", "url": "https://example.org/bad/0", "text": texts[0][1]}))
        f.write('{"id":"bad-1","url":"https://example.org/bad/1","text":"truncated\n')
        f.write(dump({"id": "bad-2", "url": "https://example.org/bad/2", "text": texts[1][1]}))


if __name__ == "__main__":
    main()
