"""The same job in Python, as closely as Python tools allow: charset-normalizer detects the
encoding, OpenCC (PyPI `opencc` 1.4.2) converts t2s, unicodedata does NFC, and `re` applies the
pattern rules of rules/*.toml to each line (dropping matches anywhere: no regions, no detectors).

python3 baseline.py RULES_DIR OUT_DIR INPUT...   (files, or *.jsonl with a `text` field)
"""
import json
import os
import re
import sys
import tomllib
import unicodedata

import charset_normalizer
import opencc

rules_dir, out_dir, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
patterns = []
for name in sorted(os.listdir(rules_dir)):
    if name.endswith(".toml"):
        with open(os.path.join(rules_dir, name), "rb") as f:
            for rule in tomllib.load(f).get("rule", []):
                if "pattern" in rule:
                    patterns.append(re.compile(rule["pattern"]))
cc = opencc.OpenCC("t2s")


def clean(text):
    text = cc.convert(unicodedata.normalize("NFC", text))
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
