"""Spark checks, in one session: rdd.pipe and SELECT TRANSFORM give the command line's output byte
for byte, and a shard with a malformed record fails the job (and, without checkCode, does not).

    python scale/check_spark.py ZHCLEAN WORKDIR   (WORKDIR from make_shards.py, with reference.jsonl)
"""
import pathlib
import sys

from compare import check_same, lines_of, part_files
from spark_clean import clean_with_pipe, clean_with_transform, command, session


def must_fail(name, run):
    try:
        run()
    except Exception as e:  # Py4JJavaError or PySparkException, by path
        message = str(e)
        if "exit" not in message.lower() and "code 2" not in message:
            raise AssertionError(f"{name}: failed, but not because the command exited: {message[:2000]}")
        print(f"{name}: the job failed, as it should")
        return
    raise AssertionError(f"{name}: the job succeeded on a shard with a malformed record")


def main():
    binary, work = sys.argv[1], pathlib.Path(sys.argv[2])
    shards, bad, out = str(work / "shards"), str(work / "bad"), work / "spark"
    reference = work / "reference.jsonl"
    spark = session()
    spark.sparkContext.setLogLevel("OFF")
    try:
        clean_with_pipe(spark, binary, shards, str(out / "pipe"))
        check_same("spark rdd.pipe", reference, part_files(out / "pipe"))
        clean_with_transform(spark, binary, shards, str(out / "transform"))
        check_same("spark SELECT TRANSFORM", reference, part_files(out / "transform"))
        must_fail("spark rdd.pipe, malformed shard", lambda: clean_with_pipe(spark, binary, bad, str(out / "bad-pipe")))
        must_fail("spark SELECT TRANSFORM, malformed shard", lambda: clean_with_transform(spark, binary, bad, str(out / "bad-transform")))
        # The pitfall: without checkCode the failed partition is simply short.
        spark.sparkContext.textFile(bad).pipe(command(pathlib.Path(binary).resolve())).saveAsTextFile(str(out / "bad-unchecked"))
        n = len(lines_of(part_files(out / "bad-unchecked")))
        assert n == 1, f"without checkCode: {n} records, expected the 1 before the malformed one"
        print("spark rdd.pipe without checkCode: the job 'succeeded' with 1 of 3 records (why checkCode=True)")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
