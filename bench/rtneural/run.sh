#!/usr/bin/env bash
# Builds bench.cpp against an RTNeural checkout for every backend (STL, xsimd, Eigen) x compiler
# (g++, clang++ when installed) x flag set that builds, runs each, and prints one markdown table
# (best ns per call; the median in parentheses when BENCH_MEDIAN=1).
#
#   bash bench/rtneural/run.sh /path/to/RTNeural        # or RTNEURAL_DIR=/path/to/RTNeural
#
# Environment:
#   RTNEURAL_DIR     RTNeural checkout (the argument wins).
#   XSIMD_INCLUDE    xsimd headers (default: $RTNEURAL_DIR/modules/xsimd/include when it holds
#                    xsimd, else the system's, e.g. Debian's libxsimd-dev).
#   EIGEN_INCLUDE    Eigen headers (default: $RTNEURAL_DIR/modules/Eigen, which RTNeural vendors).
#   COMPILERS        default "g++ clang++"; FLAGSETS, BACKENDS narrow the matrix
#                    (FLAGSETS entries separated by ';').
#   BENCH_REPS       repetitions per workload, best taken (default 11).
#   BENCH_TARGET_MS  length of one repetition in ms (default 10).
#   BENCH_MEDIAN=1   also print each median.
#   BUILD_DIR        build into this directory (`bench-N` executables, their build tags in
#                    `builds.tsv`) and stop without running them; side_by_side.sh runs them.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
rtn="${1:-${RTNEURAL_DIR:-}}"
if [[ -z "$rtn" || ! -f "$rtn/RTNeural/RTNeural.h" ]]; then
    echo "usage: $0 /path/to/RTNeural (or RTNEURAL_DIR=...); see bench/rtneural/README.md" >&2
    exit 2
fi
rtn="$(cd "$rtn" && pwd)"

if [[ -z "${XSIMD_INCLUDE:-}" ]]; then
    if [[ -f "$rtn/modules/xsimd/include/xsimd/xsimd.hpp" ]]; then
        XSIMD_INCLUDE="$rtn/modules/xsimd/include"
    else
        XSIMD_INCLUDE="/usr/include"
    fi
fi
EIGEN_INCLUDE="${EIGEN_INCLUDE:-$rtn/modules/Eigen}"

read -r -a compilers <<<"${COMPILERS:-g++ clang++}"
IFS=';' read -r -a flagsets <<<"${FLAGSETS:--O3 -march=native;-O3 -mavx2 -mfma;-O3}"
read -r -a backends <<<"${BACKENDS:-stl xsimd eigen}"

if [[ -n "${BUILD_DIR:-}" ]]; then
    mkdir -p "$BUILD_DIR"
    out="$(cd "$BUILD_DIR" && pwd)"
    : >"$out/builds.tsv"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

# RTNeural's default alignment (of the plain arrays its xsimd backend loads and stores aligned)
# follows the widest vector the build uses: 64 bytes for AVX-512 (xsimd picks it under
# -march=native on such a CPU), 32 for AVX, 16 otherwise. Its Eigen backend accepts at most 32.
alignment() {
    local cxx="$1" flags="$2" backend="$3" a=16
    # shellcheck disable=SC2086
    local defs
    defs="$(echo | "$cxx" $flags -dM -E -x c++ - 2>/dev/null)"
    if grep -q "__AVX512F__" <<<"$defs"; then a=64
    elif grep -q "__AVX__" <<<"$defs"; then a=32; fi
    if [[ "$backend" == eigen && $a -gt 32 ]]; then a=32; fi
    echo "$a"
}

columns=()
for cxx in "${compilers[@]}"; do
    command -v "$cxx" >/dev/null || { echo "skip $cxx: not installed" >&2; continue; }
    for flags in "${flagsets[@]}"; do
        for backend in "${backends[@]}"; do
            case "$backend" in
                stl) defs=(); inc=() ;;
                xsimd) defs=(-DRTNEURAL_USE_XSIMD=1); inc=(-I "$XSIMD_INCLUDE") ;;
                # 784x128 weights exceed Eigen's 128 KiB guard for fixed-size objects; the
                # models are static, not on the stack, so the guard is lifted.
                eigen) defs=(-DRTNEURAL_USE_EIGEN=1 -DEIGEN_STACK_ALLOCATION_LIMIT=0)
                    inc=(-I "$EIGEN_INCLUDE") ;;
                *) echo "unknown backend $backend" >&2; exit 2 ;;
            esac
            tag="$backend $cxx $flags"
            exe="$out/bench-${#columns[@]}"
            # shellcheck disable=SC2086
            if ! "$cxx" -std=c++17 $flags -DNDEBUG "${defs[@]}" \
                -DRTNEURAL_DEFAULT_ALIGNMENT="$(alignment "$cxx" "$flags" "$backend")" \
                -I "$rtn" -I "$rtn/modules/json" "${inc[@]}" \
                -o "$exe" "$here/bench.cpp" 2>"$exe.log"; then
                echo "skip [$tag]: does not build ($(grep -m1 error "$exe.log" || true))" >&2
                continue
            fi
            if [[ -n "${BUILD_DIR:-}" ]]; then
                printf '%s\t%s\n' "$exe" "$tag" >>"$out/builds.tsv"
                columns+=("$tag")
                continue
            fi
            echo "run  [$tag]" >&2
            "$exe" >"$exe.out"
            columns+=("$tag")
            cp "$exe.out" "$out/col-$((${#columns[@]} - 1))"
        done
    done
done

[[ ${#columns[@]} -gt 0 ]] || { echo "nothing built" >&2; exit 1; }
if [[ -n "${BUILD_DIR:-}" ]]; then
    echo "built ${#columns[@]} executables into $out (builds.tsv)" >&2
    exit 0
fi

# Table: a row per workload, a column per build; best ns per call (median too if asked).
printf '\n| workload |'
for c in "${columns[@]}"; do printf ' %s |' "$c"; done
printf '\n|---|'
for _ in "${columns[@]}"; do printf -- '---:|'; done
printf '\n'
cut -f1 "$out/col-0" | while IFS= read -r w; do
    printf '| `%s` |' "$w"
    for i in "${!columns[@]}"; do
        line="$(grep -F -m1 "$w"$'\t' "$out/col-$i")"
        best="$(cut -f2 <<<"$line")"
        med="$(cut -f3 <<<"$line")"
        if [[ "${BENCH_MEDIAN:-0}" == 1 ]]; then printf ' %s (%s) |' "$best" "$med"; else printf ' %s |' "$best"; fi
    done
    printf '\n'
done

# Best build per workload within each flag set.
printf '\n| workload | flags | best build | ns |\n|---|---|---|---:|\n'
cut -f1 "$out/col-0" | while IFS= read -r w; do
    for flags in "${flagsets[@]}"; do
        bestv=""; bestc=""
        for i in "${!columns[@]}"; do
            [[ "${columns[$i]}" == *" $flags" ]] || continue
            v="$(grep -F -m1 "$w"$'\t' "$out/col-$i" | cut -f2)"
            if [[ -z "$bestv" ]] || awk -v a="$v" -v b="$bestv" 'BEGIN{exit !(a<b)}'; then
                bestv="$v"; bestc="${columns[$i]% "$flags"}"
            fi
        done
        if [[ -n "$bestv" ]]; then printf '| `%s` | `%s` | %s | %s |\n' "$w" "$flags" "$bestc" "$bestv"; fi
    done
done
