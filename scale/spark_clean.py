"""Cleans a directory of JSON Lines shards on Spark, running the zhclean binary on each partition.

    python scale/spark_clean.py [--via pipe|transform] [--master local[2]] ZHCLEAN SHARDS OUTDIR

`--via pipe` (default) streams each partition through `zhclean clean --jsonl` with `rdd.pipe`;
`--via transform` does the same from Spark SQL with `SELECT TRANSFORM ... USING`, which pipes rows
from the JVM without Python workers. Either writes JSON Lines part files to OUTDIR that hold the
same records, byte for byte, as `zhclean clean --jsonl --id-field id SHARDS` on one machine.
A bad record makes the command exit 2, and the job fails.
"""
import argparse
import os

from pyspark.sql import SparkSession


def command(binary):
    # --id-field: name documents in their reports by id, not by their line in a partition.
    return f"{binary} clean --jsonl --id-field id -"


def clean_with_pipe(spark, binary, src, dst):
    # checkCode=True: without it a command that fails leaves its partition short, silently.
    rdd = spark.sparkContext.textFile(src)
    rdd.pipe(command(os.path.abspath(binary)), checkCode=True).saveAsTextFile(dst)


def clean_with_transform(spark, binary, src, dst):
    # TRANSFORM runs its command in Spark's temporary directory: ship the binary there with
    # addFile and call it as ./zhclean (or give an absolute path that exists on every worker).
    spark.sparkContext.addFile(os.path.abspath(binary))
    spark.read.text(src).createOrReplaceTempView("docs")
    run = command("./" + os.path.basename(binary))
    spark.sql(f"SELECT TRANSFORM(value) USING '{run}' AS (value STRING) FROM docs").write.text(dst)


def session(master="local[2]"):
    # Bind to loopback: Spark otherwise picks the first interface's address (and a machine without
    # a network would have none).
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(master)
        .appName("zhclean")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--via", choices=["pipe", "transform"], default="pipe")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("zhclean")
    parser.add_argument("src")
    parser.add_argument("dst")
    args = parser.parse_args()
    spark = session(args.master)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        run = clean_with_pipe if args.via == "pipe" else clean_with_transform
        run(spark, args.zhclean, args.src, args.dst)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
