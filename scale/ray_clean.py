"""Cleans a directory of JSON Lines shards with Ray Data and the zhclean Python module.

    python scale/ray_clean.py [--address ADDRESS] SHARDS OUTDIR

`read_json` reads the records, `map_batches` cleans each batch with `zhclean.clean_batch` (all
cores, GIL released) and a small datasink writes the records as JSON Lines. The records are the
ones `zhclean clean --jsonl --id-field id SHARDS` writes on one machine, byte for byte: the same
fields in the same order, the text cleaned and the report added as `zhclean`.
"""
import argparse
import json
import os

import pyarrow as pa
import ray
from ray.data.datasource import BlockBasedFileDatasink

import zhclean


def clean_batch(batch: pa.Table) -> pa.Table:
    rows = batch.to_pylist()
    texts, reports = zhclean.clean_batch([r["text"] for r in rows], paths=[r["id"] for r in rows])
    lines = [
        # Compact, non-ASCII as it is: the bytes serde_json writes for the command line.
        json.dumps({**r, "text": t, "zhclean": report}, ensure_ascii=False, separators=(",", ":"))
        for r, t, report in zip(rows, texts, reports)
    ]
    return pa.table({"line": lines})


class LinesSink(BlockBasedFileDatasink):
    """Writes the `line` column as it is, one record a line (Ray's write_json would re-encode)."""

    def __init__(self, path):
        super().__init__(path, file_format="jsonl")

    def write_block_to_file(self, block, file):
        lines = block.to_arrow().column("line").to_pylist()
        file.write("".join(l + "\n" for l in lines).encode("utf-8"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", help="a Ray cluster to join (default: start one on this machine)")
    parser.add_argument("src")
    parser.add_argument("dst")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(include_dashboard=False)
    try:
        ds = ray.data.read_json(args.src, lines=True)
        ds.map_batches(clean_batch, batch_format="pyarrow").write_datasink(LinesSink(args.dst))
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
