"""Compares the lines an engine wrote with the single-machine reference, byte for byte."""
import pathlib


def lines_of(paths):
    out = []
    for p in paths:
        data = pathlib.Path(p).read_bytes()
        out.extend(l for l in data.split(b"\n") if l)
    return out


def check_same(name, reference, outputs):
    """Fails unless `outputs` (files) hold exactly the lines of `reference`, in any order."""
    want = sorted(lines_of([reference]))
    got = sorted(lines_of(outputs))
    if got != want:
        extra = set(got) - set(want)
        missing = set(want) - set(got)
        sample = (sorted(extra) or sorted(missing) or [b""])[0][:300]
        raise AssertionError(
            f"{name}: {len(got)} lines, reference {len(want)}; {len(extra)} not in the reference, "
            f"{len(missing)} missing; e.g. {sample.decode('utf-8', 'replace')}"
        )
    print(f"{name}: {len(got)} records, identical to the command line's output")


def part_files(directory):
    """The data files an engine wrote into `directory` (not its markers such as _SUCCESS)."""
    return sorted(p for p in pathlib.Path(directory).rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
