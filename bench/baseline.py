"""The same job in Python, as closely as Python tools allow: charset-normalizer detects the
encoding, ftfy makes the canonical form (mojibake, line breaks, control characters, NFC; its
changes that zhclean does not make are switched off, and full-width letters and digits are folded
as zhclean folds them), OpenCC (PyPI `opencc` 1.4.2) converts t2s, and `re` applies the pattern
rules of rules/*.toml to each line (dropping matches anywhere: no regions, no detectors).
With --no-ftfy, unicodedata's NFC stands in for ftfy: less of the job, for comparison.

python3 baseline.py [--no-ftfy] RULES_DIR OUT_DIR INPUT...   (files, or *.jsonl with a `text` field)
"""
import json
import os
import re
import sys
import tomllib
import unicodedata

import charset_normalizer
import opencc

args = sys.argv[1:]
use_ftfy = args[0] != "--no-ftfy"
if not use_ftfy:
    args = args[1:]
else:
    import ftfy

    FTFY = dict(uncurl_quotes=False, fix_latin_ligatures=False, fix_character_width=False, normalization="NFC")
    WIDTH = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
rules_dir, out_dir, inputs = args[0], args[1], args[2:]
patterns = []
for name in sorted(os.listdir(rules_dir)):
    if name.endswith(".toml"):
        with open(os.path.join(rules_dir, name), "rb") as f:
            for rule in tomllib.load(f).get("rule", []):
                if "pattern" in rule:
                    patterns.append(re.compile(rule["pattern"]))
cc = opencc.OpenCC("t2s")


def canonical(text):
    if use_ftfy:
        return ftfy.fix_text(text, **FTFY).translate(WIDTH)
    return unicodedata.normalize("NFC", text)


def clean(text):
    text = cc.convert(canonical(text))
    kept = []
    for line in text.split("\n"):
        line = line.strip()
        view = unicodedata.normalize("NFKC", line).replace(" ", "")
        if not any(p.search(view) for p in patterns):
            kept.append(line)
    return "\n".join(kept)


docs = 0
for path in inputs:
    out = os.path.join(out_dir, os.path.basename(path))
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
            for line in f:
                record = json.loads(line)
                record["text"] = clean(record["text"])
                w.write(json.dumps(record, ensure_ascii=False) + "\n")
                docs += 1
    else:
        with open(path, "rb") as f:
            text = str(charset_normalizer.from_bytes(f.read()).best())
        with open(out, "w", encoding="utf-8") as w:
            w.write(clean(text))
        docs += 1
print(docs, file=sys.stderr)
