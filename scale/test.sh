#!/usr/bin/env bash
# Scale-out checks: the README's Spark, Ray Data and datatrove recipes, each compared byte for byte
# with `zhclean clean --jsonl --id-field id` on one machine, and a malformed shard failing the
# Spark jobs. Installs what it needs (pinned) into a virtual environment in a temporary folder,
# builds the command and the Python wheel (manylinux2014, abi3), and runs the engines with the
# network cut (`unshare -n`, loopback only) where the machine allows it. Needs Java 17+ for Spark.
#
#     scale/test.sh            (from the repository; KEEP=1 keeps the temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS
step() { printf '\n== %s (%ds)\n' "$1" $((SECONDS - start)); }

command -v java >/dev/null || { echo "scale/test.sh: java not found (Spark needs Java 17+: apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] && echo "work folder: $work" || trap 'rm -rf "$work"' EXIT

step "install (pip, pinned, no cache)"
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
pip install --no-cache-dir -q \
    pyspark==4.3.0 "ray[data]==2.60.0" pandas==3.1.1 pyarrow==26.0.1 \
    datatrove==0.10.1 orjson==3.13.0 \
    maturin==1.16.0 ziglang==0.17.1 auditwheel==6.4.2

step "build the command and the wheel"
cargo build --release --quiet
bin=$root/target/release/zhclean
(cd python && maturin build --release --quiet --compatibility manylinux2014 --zig --out "$work/dist")
wheel=$(ls "$work"/dist/zhclean-*.whl)
echo "$(basename "$wheel")"
# The wheel must run on old cluster images: glibc 2.17 (manylinux2014), any CPython >= 3.8.
case $wheel in *-cp38-abi3-*manylinux_2_17_x86_64*) ;; *) echo "not an abi3 manylinux2014 wheel: $wheel" >&2; exit 1 ;; esac
auditwheel show "$wheel" | tee "$work/auditwheel.txt"
grep -q '"manylinux_2_17_x86_64"' "$work/auditwheel.txt"
pip install --no-cache-dir -q "$wheel"

step "the Python module against the snapshots and the command"
ZHCLEAN_BIN=$bin python -m unittest discover -s python/tests

step "shards and the single-machine reference"
python scale/make_shards.py fixtures/seeds "$work"
"$bin" clean --jsonl --id-field id "$work/shards" > "$work/reference.jsonl"
echo "$(ls "$work/shards" | wc -l) shards, $(wc -l < "$work/reference.jsonl") records, $(du -sh "$work/shards" | cut -f1)"

# Engines run with the network cut where network namespaces are allowed (loopback stays up:
# Spark and Ray talk to themselves over it).
if unshare -n true 2>/dev/null; then
    offline() { unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"; }
    echo "engines run offline (unshare -n)"
else
    offline() { "$@"; }
    echo "network namespaces not allowed here: engines run with the network"
fi
export RAY_USAGE_STATS_ENABLED=0 RAY_TMPDIR="$work/ray-tmp" SPARK_LOCAL_IP=127.0.0.1
mkdir -p "$work/ray-tmp" "$work/home"

step "Spark (local[2]): rdd.pipe and SELECT TRANSFORM, and the malformed shard"
(cd scale && offline python check_spark.py "$bin" "$work") 2> "$work/spark.log" || { tail -n 60 "$work/spark.log"; exit 1; }
# The README's command, as written.
offline python scale/spark_clean.py --via transform "$bin" "$work/shards" "$work/spark-readme" 2>> "$work/spark.log"
python scale/compare.py "spark (README command)" "$work/reference.jsonl" "$work/spark-readme"

step "Ray Data: read_json + map_batches(zhclean.clean_batch)"
# Ray writes a token under HOME on its first start: keep it in the work folder.
HOME=$work/home offline python scale/ray_clean.py "$work/shards" "$work/ray" > "$work/ray.log" 2>&1 || { tail -n 60 "$work/ray.log"; exit 1; }
python scale/compare.py "ray data" "$work/reference.jsonl" "$work/ray"

step "datatrove: JsonlReader -> ZhClean -> JsonlWriter, LocalPipelineExecutor"
offline python scale/datatrove_clean.py --logs "$work/datatrove-logs" "$work/shards" "$work/datatrove" > "$work/datatrove.log" 2>&1 \
    || { tail -n 60 "$work/datatrove.log"; exit 1; }
python scale/compare.py datatrove "$work/reference.jsonl" "$work/datatrove" --without-empty-text "$work/shards"

step "scale-out checks passed"
