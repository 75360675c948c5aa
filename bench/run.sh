#!/usr/bin/env bash
# Throughput benchmark: zhclean on one core and on all cores, a Python baseline and a Unix
# pipeline doing the same job, on one corpus built from the seed documents.
#
#   bench/run.sh [MB]          (default 200)
#
# zhclean's runs and the pipeline's are repeated in turns (REPS, default 5) and their medians
# shown, with the medians of each repetition's ratios: on a shared machine the load changes from
# minute to minute, and runs in turns see the same load. The Python runs, 20 to 40 times slower,
# run once.
#
# Needs (installs nothing): cargo; python3 >= 3.11 with `pip install opencc==1.4.2
# charset-normalizer ftfy` (the `opencc` command of that package is the pipeline's converter);
# iconv, sed, taskset and GNU time (`apt-get install time`).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-200}
REPS=${REPS:-5}
for tool in python3 iconv opencc sed taskset /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (see the top of $0)" >&2; exit 2; }
done
python3 -c 'import opencc, charset_normalizer, ftfy, tomllib' 2>/dev/null \
    || { echo "bench: pip install opencc==1.4.2 charset-normalizer ftfy (Python >= 3.11)" >&2; exit 2; }
opencc --version 2>&1 | grep -q '1\.4' || echo "bench: warning: the opencc command is not OpenCC 1.4" >&2

cargo build --release --quiet
ZH=${CARGO_TARGET_DIR:-$PWD/target}/release/zhclean
# In memory when possible: `clean -o` flushes every file it writes to disk (fsync), which on a
# disk would measure the disk.
WORK=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DOCS=$(python3 bench/corpus.py fixtures/seeds "$WORK/corpus" "$MB")
C=$WORK/corpus
BYTES=$(du -sb --apparent-size "$C" | cut -f1)
echo "corpus: $(awk "BEGIN{printf \"%.0f\", $BYTES/1e6}") MB, $DOCS documents (UTF-8 and GBK files, Traditional files, small- and large-record JSONL), $(nproc) cores"

# The pipeline's sed patterns: five of the built-in rules, as POSIX EREs.
SED=(-E -e '/^[[(【]?(文章|信息|稿件|新闻|内容|转载)?(来源|出处)[:：]/d'
     -e '/^[[(【]?(责任编辑|责编|编辑)[:：]/d'
     -e '/ICP(备|证)|公网安备/d'
     -e '/^(用|打开)?(微信|手机)?(扫一扫|扫描二维码)/d'
     -e '/^(主办单位|承办单位|技术支持)[:：]/d')

run() { # name, then the command; records seconds, CPU seconds (user + system) and peak RSS (KB)
    local name=$1; shift
    rm -rf "$WORK/out"; mkdir -p "$WORK/out"
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { echo "bench: $name failed:" >&2; cat "$WORK/err" >&2; exit 1; }
    read -r secs user sys rss < "$WORK/time"
    printf '%s %s %s %s\n' "$name" "$secs" "$(awk "BEGIN{print $user + $sys}")" "$rss" >> "$WORK/results"
}

zh() { # jobs
    "$ZH" clean -j "$1" "$C/files" -o "$WORK/out/files" \
        && "$ZH" clean -j "$1" --jsonl "$C/small.jsonl" "$C/large.jsonl" -o "$WORK/out"
}
pipeline() {
    { cat "$C"/files/utf8/* "$C"/files/trad/*; iconv -f GBK -t UTF-8 "$C"/files/gbk/*; cat "$C"/small.jsonl "$C"/large.jsonl; } \
        | opencc -c t2s | sed "${SED[@]}" > "$WORK/out/pipeline.txt"
}
export -f zh pipeline; export ZH C WORK
: > "$WORK/results"
for _ in $(seq "$REPS"); do
    run "zhclean -j 1" bash -c "$(declare -f zh); zh 1"
    run "zhclean -j $(nproc)" bash -c "$(declare -f zh); zh 0"
    # `-j 1` reads and writes on threads beside its cleaning thread, which use a second core
    # when there is one; held to one core, the same run shows what all cores give over one.
    run "-j 1 on one core" taskset -c 0 bash -c "$(declare -f zh); zh 1"
    run "unix pipeline" bash -c "$(declare -p SED); $(declare -f pipeline); pipeline"
done
run "python baseline" python3 bench/baseline.py rules "$WORK/out" "$C"/files/*/* "$C/small.jsonl" "$C/large.jsonl"
run "python, NFC only" python3 bench/baseline.py --no-ftfy rules "$WORK/out" "$C"/files/*/* "$C/small.jsonl" "$C/large.jsonl"

# zhclean -j 1 on each part of the corpus alone: where the time of the whole run goes.
: > "$WORK/parts"
part() { # name, bytes, then the command
    local name=$1 bytes=$2; shift 2
    rm -rf "$WORK/out"; mkdir -p "$WORK/out"
    /usr/bin/time -f "%e" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { echo "bench: $name failed:" >&2; cat "$WORK/err" >&2; exit 1; }
    printf '%s %s %s\n' "$name" "$bytes" "$(cat "$WORK/time")" >> "$WORK/parts"
}
for sub in utf8 gbk trad; do
    part "$sub-files" "$(du -sb --apparent-size "$C/files/$sub" | cut -f1)" "$ZH" clean -j 1 "$C/files/$sub" -o "$WORK/out/$sub"
done
part "jsonl" "$(cat "$C/small.jsonl" "$C/large.jsonl" | wc -c)" "$ZH" clean -j 1 --jsonl "$C/small.jsonl" "$C/large.jsonl" -o "$WORK/out"
# Real pages too, when the labelled dev pages are beside the repository (they are not shipped):
# the five seeds are little variety, and some costs (the rule set's DFA states) show only on more.
DEV=../shared/data/dev/docs
if [ -d "$DEV" ]; then
    python3 bench/big_jsonl.py "$DEV" 0.02 > "$WORK/dev.jsonl"
    part "dev-pages" "$(wc -c < "$WORK/dev.jsonl")" "$ZH" clean -j 1 --jsonl "$WORK/dev.jsonl" -o "$WORK/out"
else
    echo "bench: $DEV absent: the real pages' part skipped" >&2
fi

python3 - "$WORK/results" "$BYTES" "$DOCS" "$REPS" <<'EOF'
import sys
from statistics import median
path, nbytes, docs, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = {}  # name: [(seconds, CPU seconds, peak RSS KB)], in the order run
for line in open(path):
    name, secs, cpu, rss = line.rsplit(" ", 3)
    runs.setdefault(name, []).append((float(secs), float(cpu), int(rss)))
names = list(runs)
med = {n: [median(r[k] for r in runs[n]) for k in range(3)] for n in names}
j1, jn, one, pipe = names[:4]
print(f"{'run':<18} {'seconds':>9} {'CPU s':>9} {'MB/s':>9} {'docs/s':>11} {'peak RSS':>11} {'zhclean -j 1 is':>14}")
for n in names:
    secs, cpu, rss = med[n]
    print(f"{n:<18} {secs:9.2f} {cpu:9.2f} {nbytes / 1e6 / secs:9.1f} {docs / secs:11.0f} {rss / 1024:8.0f} MB {secs / med[j1][0]:13.1f}x")
print(f"(zhclean and the pipeline: medians of {reps} runs in turns; Python: one run)")
def ratio(a, b):  # median and range of a's time over b's, repetition by repetition
    r = sorted(x[0] / y[0] for x, y in zip(runs[a], runs[b]))
    return f"{median(r):.2f}x ({r[0]:.2f}-{r[-1]:.2f}x)"
print(f"zhclean -j 1 over the unix pipeline: {ratio(pipe, j1)}")
print(f"scaling on all cores: {ratio(j1, jn)} over -j 1, {ratio(one, jn)} over one core")
EOF
awk '
    BEGIN { printf "\nzhclean -j 1 on each part alone:\n%-18s %9s %9s %9s\n", "part", "MB", "seconds", "MB/s" }
    { printf "%-18s %9.1f %9.2f %9.1f\n", $1, $2 / 1e6, $3, $2 / 1e6 / $3 }' "$WORK/parts"
