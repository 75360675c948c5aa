"""Compares the records an engine wrote with the single-machine reference, byte for byte.

    python scale/compare.py NAME REFERENCE OUTDIR [--without-empty-text SHARDS]

Exits 1 unless the files under OUTDIR (not markers such as _SUCCESS) hold exactly the lines of
REFERENCE, in any order. `--without-empty-text` leaves out of the reference the records whose
input text (in SHARDS) is empty, for engines that drop them before cleaning (datatrove).
"""
import argparse
import json
import pathlib
import sys


def lines_of(paths):
    out = []
    for p in paths:
        out.extend(l for l in pathlib.Path(p).read_bytes().split(b"\n") if l)
    return out


def part_files(directory):
    """The data files an engine wrote into `directory`."""
    return sorted(p for p in pathlib.Path(directory).rglob("*") if p.is_file() and not p.name.startswith((".", "_")))


def check_same(name, reference, outputs, leave_out=frozenset()):
    """Fails unless `outputs` (files) hold exactly the lines of `reference` (but for the ids in
    `leave_out`), in any order."""
    want = sorted(l for l in lines_of([reference]) if json.loads(l)["id"] not in leave_out)
    got = sorted(lines_of(outputs))
    if got != want:
        extra, missing = set(got) - set(want), set(want) - set(got)
        sample = (sorted(extra) or sorted(missing) or [b""])[0][:300]
        raise AssertionError(
            f"{name}: {len(got)} records, reference {len(want)}; {len(extra)} not in the reference, "
            f"{len(missing)} missing; e.g. {sample.decode('utf-8', 'replace')}"
        )
    print(f"{name}: {len(got)} records, identical to the command line's output")


def empty_text_ids(shards):
    return {r["id"] for r in map(json.loads, lines_of(sorted(pathlib.Path(shards).glob("*.jsonl")))) if not r["text"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("reference")
    parser.add_argument("outdir")
    parser.add_argument("--without-empty-text", metavar="SHARDS")
    args = parser.parse_args()
    leave_out = empty_text_ids(args.without_empty_text) if args.without_empty_text else frozenset()
    try:
        check_same(args.name, args.reference, part_files(args.outdir), leave_out)
    except AssertionError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    if leave_out:
        print(f"  ({len(leave_out)} records with empty text left out: the engine drops them unread)")


if __name__ == "__main__":
    main()
