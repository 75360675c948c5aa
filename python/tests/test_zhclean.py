"""Tests of the zhclean Python module against the command line and the seed snapshots.

    ZHCLEAN_BIN=target/release/zhclean python -m unittest discover -s python/tests

The seed documents and their expected outputs and reports are the ones `cargo test` checks
(fixtures/seeds/expected/); the command line is run for the byte-for-byte comparisons.
"""
import json
import os
import pathlib
import subprocess
import threading
import time
import unittest

import zhclean

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
EXPECTED = ROOT / "fixtures" / "seeds" / "expected"
BINARY = os.environ.get("ZHCLEAN_BIN", str(ROOT / "target" / "release" / "zhclean"))
DOC = "來源:新華網\n黨的二十大對全面從嚴治黨作出全面部署，各地認真學習貫徹。"


def dumps(value, **kw):
    return json.dumps(value, ensure_ascii=False, **kw)


class Seeds(unittest.TestCase):
    def test_bytes_give_the_snapshot_text_and_report(self):
        for seed in SEEDS:
            text, report = zhclean.clean(seed.read_bytes(), path=seed.name)
            self.assertEqual(text, (EXPECTED / seed.name).read_text(encoding="utf-8"), seed.name)
            # The report is the JSON the library writes: same keys, same order, same bytes.
            self.assertEqual(dumps(report, indent=2) + "\n", (EXPECTED / f"{seed.name}.report.json").read_text(encoding="utf-8"))

    def test_batch_equals_one_by_one(self):
        docs = [s.read_bytes() for s in SEEDS] + [s.read_text(encoding="utf-8") for s in SEEDS]
        paths = [s.name for s in SEEDS] * 2
        texts, reports = zhclean.clean_batch(docs, paths=paths)
        for doc, path, text, report in zip(docs, paths, texts, reports):
            self.assertEqual((text, report), zhclean.clean(doc, path=path))

    def test_threads_get_the_same_results(self):
        want = [zhclean.clean(s.read_text(encoding="utf-8")) for s in SEEDS]
        results = {}

        def run(i):
            results[i] = [zhclean.clean(s.read_text(encoding="utf-8")) for s in SEEDS]

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([results[i] for i in range(4)], [want] * 4)

    def test_batch_releases_the_gil(self):
        # While a batch is cleaned, another Python thread keeps running: the longest pause between
        # its steps within the batch stays far below the batch's time (were the GIL held, the
        # pause would span all of it).
        self.assertLess(*longest_pause(lambda: zhclean.clean_batch([s.read_text(encoding="utf-8") for s in SEEDS] * 100)))

    def test_the_pause_check_sees_a_held_gil(self):
        # The same measure on a call known to hold the GIL (sum over a range runs in C).
        pause, limit = longest_pause(lambda: sum(range(3 * 10**7)))
        self.assertGreaterEqual(pause, limit)


def longest_pause(call):
    """Runs `call` on a thread while this one steps; returns the longest pause of this thread
    during the call and half the call's time."""
    span, steps, done = [], [], threading.Event()

    def worker():
        t0 = time.monotonic()
        call()
        span.extend([t0, time.monotonic()])
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        now = time.monotonic()
        if not steps or now - steps[-1] > 0.001:
            steps.append(now)
    thread.join()
    t0, t1 = span
    points = [t0] + [t for t in steps if t0 < t < t1] + [t1]
    return max(b - a for a, b in zip(points, points[1:])), (t1 - t0) / 2

@unittest.skipUnless(os.access(BINARY, os.X_OK), f"{BINARY} not built")
class SameAsTheCommandLine(unittest.TestCase):
    def test_records_byte_for_byte(self):
        records = [{"id": f"s{i}", "url": s.name, "text": s.read_text(encoding="utf-8")} for i, s in enumerate(SEEDS)]
        records.append({"id": "trad", "url": "", "text": DOC})
        records.append({"id": "blank", "url": "", "text": " \n\n"})
        stdin = "".join(dumps(r, separators=(",", ":")) + "\n" for r in records)
        cli = subprocess.run([BINARY, "clean", "--jsonl", "--id-field", "id", "-"], input=stdin.encode(), capture_output=True, check=True)
        texts, reports = zhclean.clean_batch([r["text"] for r in records], paths=[r["id"] for r in records])
        mine = "".join(
            dumps({**r, "text": t, "zhclean": rep}, separators=(",", ":")) + "\n" for r, t, rep in zip(records, texts, reports)
        )
        self.assertEqual(mine.encode(), cli.stdout)


class Options(unittest.TestCase):
    def test_conversion_and_rule_selection(self):
        text, report = zhclean.clean(DOC, convert="none")
        self.assertEqual(text, "黨的二十大對全面從嚴治黨作出全面部署，各地認真學習貫徹。\n")
        self.assertEqual(report["conversion"], "none")
        text, report = zhclean.clean(DOC, ignore=["META"])
        self.assertTrue(text.startswith("来源:新华网\n"))
        self.assertEqual(report["removed"], [])

    def test_rules_from_a_folder(self):
        import tempfile

        rule = """[[rule]]
code = "TST001"
name = "test-marker"
category = "noise"
summary = "a test marker"
why = "test"
region = "anywhere"
action = "drop-line"
literals = ["测试标记"]

[[rule.example]]
input = "测试标记\\n党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。"
output = "党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。"

[[rule.example]]
input = "党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。"
output = "党的二十大对全面从严治党作出全面部署，各地认真学习贯彻。"
"""
        with tempfile.TemporaryDirectory() as d:
            pathlib.Path(d, "test.toml").write_text(rule, encoding="utf-8")
            _, report = zhclean.clean("测试标记\n" + DOC, rules=[d])
            self.assertEqual([r["code"] for r in report["removed"]], ["TST001", "META001"])
            pathlib.Path(d, "test.toml").write_text("[[rule]]\ncode = 1\n", encoding="utf-8")
            # Other options, so that a cleaner is built anew and reads the folder again.
            with self.assertRaisesRegex(ValueError, r"test\.toml:2"):
                zhclean.clean(DOC, rules=[d], convert="t2s", strict=True)

    def test_bad_options_raise(self):
        with self.assertRaisesRegex(TypeError, "unknown option `colour`"):
            zhclean.clean(DOC, colour="red")
        with self.assertRaisesRegex(ValueError, "unknown conversion"):
            zhclean.clean(DOC, convert="x2y")
        with self.assertRaisesRegex(ValueError, "names no rule"):
            zhclean.clean(DOC, select=["NOPE"])
        with self.assertRaisesRegex(ValueError, "share from 0 to 1"):
            zhclean.clean(DOC, max_removal=1.5)
        with self.assertRaises(TypeError):
            zhclean.clean(42)
        with self.assertRaisesRegex(ValueError, "2 paths for 1 documents"):
            zhclean.clean_batch([DOC], paths=["a", "b"])

    def test_undecodable_bytes_raise_or_are_marked(self):
        binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        with self.assertRaisesRegex(ValueError, r"^logo\.png: binary data"):
            zhclean.clean(binary, path="logo.png")
        texts, reports = zhclean.clean_batch([DOC, binary], paths=["doc", "logo.png"], on_error="mark")
        self.assertEqual(texts[1], None)
        self.assertEqual(list(reports[1]), ["path", "error"])
        self.assertTrue(reports[1]["error"].startswith("logo.png: binary data"), reports[1])
        self.assertEqual(texts[0], zhclean.clean(DOC)[0])
        with self.assertRaisesRegex(ValueError, "binary data"):
            zhclean.clean_batch([DOC, binary])


if __name__ == "__main__":
    unittest.main()
