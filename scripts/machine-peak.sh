#!/usr/bin/env bash
# What one core of this machine can do, to read the benchmarks against: the clock, the f32
# FMA peak (scripts/fma-peak.c, 256-bit AVX2+FMA), and the caches. Needs gcc and an x86-64
# CPU with AVX2 and FMA.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
grep -m1 "model name" /proc/cpuinfo
grep -m1 "cpu family" /proc/cpuinfo
grep -m1 -E "^model\s" /proc/cpuinfo
echo "avx512: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
lscpu | grep -E "L1d|L2|L3" || true
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
gcc -O2 -o "$out/fma-peak" "$here/fma-peak.c"
"$out/fma-peak"
