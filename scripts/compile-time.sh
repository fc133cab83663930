#!/usr/bin/env bash
# Measures the project's two compile-time targets (see bench/README.md):
#  (a) a crate declaring the 784 → 128 → 10 network builds in release within 2 s more than the
#      same crate without it (dependencies already built);
#  (b) a clean release build of a new crate depending on `network` (its whole dependency
#      tree) takes at most 10 s.
# Usage: scripts/compile-time.sh   (exits 1 if a target is missed; set NO_FAIL=1 to only report)
# The scratch crates live in target/compile-time/ and reuse this workspace's Cargo.lock, so
# the build needs no network once the registry cache is warm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/compile-time"
rm -rf "$work"
mkdir -p "$work"

make_crate() { # name, with_network (0/1)
    local dir="$work/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
network = { path = "$root" }

[workspace]
TOML
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    if [ "$2" = 1 ]; then
        cat >"$dir/src/main.rs" <<'RS'
use network::prelude::*;

network! {
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

fn main() {
    let mut net = Mnist::<f32>::boxed_seeded(1);
    let x = [0.5f32; 784];
    let mut y = [0.0f32; 10];
    y[3] = 1.0;
    let loss = net.train_step(&x, &y, &CrossEntropy, &mut Sgd::new(0.01));
    let batch = vec![x; 32];
    let ys = vec![y; 32];
    let mean = net.train_batch(&batch, &ys, &CrossEntropy, &mut Sgd::new(0.01)).unwrap();
    println!("{loss} {mean} {:?}", net.forward(&x));
}
RS
    else
        cat >"$dir/src/main.rs" <<'RS'
use network::prelude::*;

fn main() {
    let sgd = Sgd::new(0.01f32);
    println!("{}", sgd.lr);
}
RS
    fi
}

# Runs a command; prints "wall cpu" seconds (cpu = user + system of it and its children, which
# the other processes of a shared machine don't inflate the way they inflate wall time).
seconds() {
    /usr/bin/time -o "$work/time.txt" -f "%e %U %S" "$@" >/dev/null 2>&1
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$work/time.txt"
}

make_crate with_net 1
make_crate without_net 0
export CARGO_TARGET_DIR="$work/target"

# (b) clean build of the whole tree, for the crate that declares the network.
read -r clean clean_cpu < <(seconds cargo build --release --offline --manifest-path "$work/with_net/Cargo.toml")

# (a) rebuild only the leaf crate, with and without the network declared.
cargo build --release --offline --manifest-path "$work/without_net/Cargo.toml" >/dev/null 2>&1
touch "$work/with_net/src/main.rs" "$work/without_net/src/main.rs"
read -r with with_cpu < <(seconds cargo build --release --offline --manifest-path "$work/with_net/Cargo.toml")
read -r without without_cpu < <(seconds cargo build --release --offline --manifest-path "$work/without_net/Cargo.toml")
extra=$(echo "$with - $without" | bc)
extra_cpu=$(echo "$with_cpu - $without_cpu" | bc)

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '(a) leaf crate with the 784-128-10 network: %.2f s, without: %.2f s, extra %.2f s wall (%.2f s CPU) (target <= 2 s)\n' "$with" "$without" "$extra" "$extra_cpu"
printf '(b) clean release build of a crate depending on network: %.2f s wall, %.2f s CPU (target <= 10 s)\n' "$clean" "$clean_cpu"
fail=0
if [ "$(echo "$extra > 2" | bc)" = 1 ]; then fail=1; fi
if [ "$(echo "$clean > 10" | bc)" = 1 ]; then fail=1; fi
if [ "$fail" = 1 ] && [ "${NO_FAIL:-0}" != 1 ]; then
    echo "a compile-time target was missed" >&2
    exit 1
fi
