"""Builds the benchmark corpus from the seed documents: MB megabytes in OUT_DIR, of which
40% single documents (UTF-8 Simplified, GBK, and UTF-8 Traditional), 30% one JSONL file of small
records (about 2 KB) and 30% one JSONL file of large records (about 1 MB).

python3 corpus.py SEEDS_DIR OUT_DIR MB
"""
import json
import os
import sys

seeds_dir, out, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
total = int(mb * 1e6)
seeds = {n: open(os.path.join(seeds_dir, n), encoding="utf-8").read() for n in sorted(os.listdir(seeds_dir)) if n.endswith(".txt")}
trad = seeds.pop("003_ef535a5139a792e3.txt")
simp = list(seeds.values())
for sub in ("utf8", "gbk", "trad"):
    os.makedirs(os.path.join(out, "files", sub), exist_ok=True)


def fill(share, write):
    n, size = 0, 0
    while size < total * share:
        size += write(n)
        n += 1
    return n


def utf8(i):
    data = simp[i % len(simp)].encode("utf-8")
    open(os.path.join(out, "files", "utf8", f"{i:06}.txt"), "wb").write(data)
    return len(data)


def gbk(i):
    data = simp[i % len(simp)].encode("gbk", errors="replace")
    open(os.path.join(out, "files", "gbk", f"{i:06}.txt"), "wb").write(data)
    return len(data)


def traditional(i):
    data = trad.encode("utf-8")
    open(os.path.join(out, "files", "trad", f"{i:06}.txt"), "wb").write(data)
    return len(data)


docs = fill(0.25, utf8) + fill(0.10, gbk) + fill(0.05, traditional)
paragraphs = [p for s in simp for p in s.split("\n") if p.strip()]
with open(os.path.join(out, "small.jsonl"), "w", encoding="utf-8") as w:
    def small(i):
        text = "\n".join(paragraphs[(i * 7 + k) % len(paragraphs)] for k in range(6))[:700]
        line = json.dumps({"id": i, "text": text, "url": f"https://example.org/{i}"}, ensure_ascii=False) + "\n"
        w.write(line)
        return len(line.encode("utf-8"))
    docs += fill(0.30, small)
with open(os.path.join(out, "large.jsonl"), "w", encoding="utf-8") as w:
    def large(i):
        text = "\n".join(simp[(i + k) % len(simp)] for k in range(55))
        line = json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n"
        w.write(line)
        return len(line.encode("utf-8"))
    docs += fill(0.30, large)
print(docs)
