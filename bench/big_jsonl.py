"""Writes GB gigabytes of JSON Lines to standard output, made of the documents (.txt) of a
directory, the seeds or others, with records from about 2 KB up to 5 MB each (for the
streaming-memory check in the README, and the benchmark's real pages).

python3 big_jsonl.py DOCS_DIR GB
"""
import json
import os
import random
import sys

seeds_dir, gb = sys.argv[1], float(sys.argv[2])
docs = [open(os.path.join(seeds_dir, n), encoding="utf-8").read() for n in sorted(os.listdir(seeds_dir)) if n.endswith(".txt")]
rng = random.Random(6)
out = sys.stdout.buffer
written, i = 0, 0
while written < gb * 1e9:
    size = rng.choice([2_000, 20_000, 200_000, 5_000_000])
    parts, n = [], 0
    while n < size:
        d = docs[rng.randrange(len(docs))]
        parts.append(d[: size - n] if n + len(d.encode()) > size else d)
        n += len(parts[-1].encode())
    line = (json.dumps({"id": i, "text": "\n".join(parts)}, ensure_ascii=False) + "\n").encode()
    out.write(line)
    written += len(line)
    i += 1
