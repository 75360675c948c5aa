"""Cleans a directory of JSON Lines shards with a datatrove pipeline and the zhclean module.

    python scale/datatrove_clean.py [--tasks 8] [--workers 2] SHARDS OUTDIR

`JsonlReader` → `ZhClean` (the step below) → `JsonlWriter`, run by `LocalPipelineExecutor`; the
same step runs under datatrove's Slurm and Ray executors. The records written are the ones
`zhclean clean --jsonl --id-field id SHARDS` writes on one machine, byte for byte, except that
datatrove's reader drops records whose text is empty before any step sees them (and skips
malformed lines with a warning instead of failing).
"""
import argparse
import tempfile

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter


class ZhClean(PipelineStep):
    """Cleans each document's text; the report goes to its metadata as `zhclean`."""

    name = "zhclean"
    type = "cleaner"

    def __init__(self, **options):
        super().__init__()
        self.options = options  # zhclean.clean's options: convert, select, ignore, rules, ...

    def run(self, data, rank=0, world_size=1):
        import zhclean

        for doc in data:
            with self.track_time():
                doc.text, doc.metadata["zhclean"] = zhclean.clean(doc.text, path=doc.id, **self.options)
            yield doc


def as_record(self, doc):
    """The record as the command line writes it: id, the other fields, text, then the report."""
    fields = {k: v for k, v in doc.metadata.items() if k != "zhclean"}
    return {"id": doc.id, **fields, "text": doc.text, "zhclean": doc.metadata["zhclean"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    # datatrove records finished tasks in its logging folder and skips them when run again with the
    # same folder: a fresh one by default, so a second run cleans again.
    parser.add_argument("--logs", default=None, help="datatrove's logging folder (default: a new temporary one)")
    parser.add_argument("src")
    parser.add_argument("dst")
    args = parser.parse_args()
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(args.src, glob_pattern="*.jsonl", compression=None, add_file_path=False),
            ZhClean(),
            JsonlWriter(args.dst, output_filename="${rank}.jsonl", compression=None, adapter=as_record),
        ],
        tasks=args.tasks,
        workers=args.workers,
        logging_dir=args.logs or tempfile.mkdtemp(prefix="zhclean-datatrove-logs-"),
    ).run()


# LocalPipelineExecutor starts its workers with forkserver: without this guard each would run the
# whole script again.
if __name__ == "__main__":
    main()
