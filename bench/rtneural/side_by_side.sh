#!/usr/bin/env bash
# `network` and RTNeural in one sitting: builds RTNeural's benchmark once per backend and
# compiler (run.sh with BUILD_DIR), then alternates, ROUNDS times, a run of every RTNeural
# build with a run of `network`'s criterion benchmarks (inference, recurrent), so that both
# sides meet the machine in the same states. Prints, per workload, the best ns per sample of
# each side over all rounds (RTNeural: best build), every round's figure, and the ratio.
#
#   bash bench/rtneural/side_by_side.sh /path/to/RTNeural
#
# Environment: ROUNDS (default 3); FLAGSETS, BACKENDS, COMPILERS, XSIMD_INCLUDE, EIGEN_INCLUDE
# as for run.sh (FLAGSETS defaults to "-O3 -march=native" alone, the flags the targets name);
# BENCH_REPS for RTNeural's repetitions (default 11).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rtn="${1:-${RTNEURAL_DIR:-}}"
[[ -n "$rtn" ]] || { echo "usage: $0 /path/to/RTNeural" >&2; exit 2; }
rounds="${ROUNDS:-3}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

FLAGSETS="${FLAGSETS:--O3 -march=native}" BUILD_DIR="$work/builds" bash "$here/run.sh" "$rtn"
(cd "$root" && cargo bench -p network-benches --bench inference --bench recurrent --no-run) \
    >/dev/null 2>&1

# The groups the comparison reads: every inference workload; the recurrent networks' steps and
# BPTT (not the per-layer and lane-width groups).
declare -A filter=([inference]="" [recurrent]="^(step|bptt)")

for r in $(seq 1 "$rounds"); do
    echo "round $r of $rounds: RTNeural ($(wc -l <"$work/builds/builds.tsv") builds), then network" >&2
    while IFS=$'\t' read -r exe tag; do
        "$exe" | awk -v t="$tag" -v r="$r" -F'\t' '{ print "rtneural\t" r "\t" t "\t" $1 "\t" $2 }'
    done <"$work/builds/builds.tsv" >>"$work/results.tsv"
    for b in inference recurrent; do
        (cd "$root" && cargo bench -p network-benches --bench "$b" -- --quick "${filter[$b]}" 2>/dev/null) |
            awk -v r="$r" -F' [|] ' '/^[|] `/ {
                gsub(/^[|] `|`$/, "", $1); print "network\t" r "\t-\t" $1 "\t" $2
                # The inference table has the frozen form in its fourth column, its
                # forward_with inside with_simd in its sixth and its forward_batch (ns per
                # sample) in its eighth.
                if (NF >= 5) print "network\t" r "\t-\t" $1 " frozen\t" $4
                if (NF >= 7) print "network\t" r "\t-\t" $1 " frozen with_simd\t" $6
                if (NF >= 8) { gsub(/ *[|]$/, "", $8); print "network\t" r "\t-\t" $1 " frozen forward_batch\t" $8 } }'
    done >>"$work/results.tsv"
done

python3 - "$work/results.tsv" "$rounds" <<'PY'
import sys
from collections import defaultdict

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
rounds = int(sys.argv[2])
rtn = defaultdict(lambda: defaultdict(lambda: (float("inf"), "")))  # workload -> round -> (ns, build)
ours = defaultdict(dict)  # our row name -> round -> ns
for side, r, tag, name, ns in rows:
    ns = float(ns)
    if side == "rtneural":
        if ns < rtn[name][r][0]:
            rtn[name][r] = (ns, tag)
    else:
        ours[name][r] = ns

def per_round(d):
    return " / ".join(f"{d[str(r)]:.1f}" if str(r) in d else "-" for r in range(1, rounds + 1))

print("\n| workload | network row | network best (per round) | RTNeural best build (per round) | ratio |")
print("|---|---|---:|---:|---:|")
for w in rtn:
    best_r = min(rtn[w].values())
    rtn_rounds = {r: v[0] for r, v in rtn[w].items()}
    # Our rows for this workload: its name, alone or with a prefix or suffix (`block 64`,
    # `frozen`); not the training rows (`window 2048`).
    for name in sorted(n for n in ours if w in n and "window" not in n):
        best_o = min(ours[name].values())
        print(f"| `{w}` | `{name}` | {best_o:.1f} ({per_round(ours[name])}) | "
              f"{best_r[0]:.1f} {best_r[1]} ({per_round(rtn_rounds)}) | {best_o / best_r[0]:.2f} |")
PY
