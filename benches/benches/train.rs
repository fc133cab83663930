//! Criterion benchmarks of the workloads W1-W5 (see `bench/README.md`): f32, one thread, seeded networks and
//! synthetic data generated once. Each workload reports criterion's own statistics; at the end a
//! summary prints nanoseconds per sample and GFLOP/s from the same measurements, counting
//! `2·IN·OUT` FLOPs per layer for the forward pass, as many for the weight gradient, as many
//! again for the input gradient of every layer but the first, and 2 per parameter per update.
//!
//! Run with `cargo bench -p network-benches --bench train` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::prelude::*;
use network::{LayerInfo, Rng};

network! {
    /// W1: the XOR network.
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// W2: an Iris-sized classifier.
    struct Iris < dense(4 -> 32, relu), dense(32 -> 32, relu), dense(32 -> 3, softmax) >
    /// W3, W4: a one-hidden-layer MNIST classifier.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

/// Every (workload, ns per sample) measurement criterion took, for the summary.
static SAMPLES: Mutex<Vec<(&'static str, f64)>> = Mutex::new(Vec::new());

/// FLOPs of one training sample, counted as the module says, with the update shared by `batch`.
fn train_flops(layout: &[LayerInfo], batch: usize) -> f64 {
    let mut f = 0.0;
    for (k, l) in layout.iter().enumerate() {
        let mac = 2.0 * (l.inputs * l.outputs) as f64;
        f += 2.0 * mac + if k > 0 { mac } else { 0.0 };
        f += 2.0 * l.params() as f64 / batch as f64;
    }
    f
}

/// FLOPs of one forward pass.
fn forward_flops(layout: &[LayerInfo]) -> f64 {
    layout
        .iter()
        .map(|l| 2.0 * (l.inputs * l.outputs) as f64)
        .sum()
}

/// `n` samples with inputs uniform in `[lo, hi)` and one-hot targets (or, for one output, 0/1).
fn data<const I: usize, const O: usize>(
    n: usize,
    seed: u64,
    lo: f64,
    hi: f64,
) -> (Vec<[f32; I]>, Vec<[f32; O]>) {
    let mut rng = Rng::new(seed);
    let xs = (0..n)
        .map(|_| core::array::from_fn(|_| rng.uniform(lo, hi)))
        .collect();
    let ys = (0..n)
        .map(|_| {
            let class = (rng.next_u64() % O.max(2) as u64) as usize;
            core::array::from_fn(|j| {
                if O == 1 {
                    class as f32
                } else {
                    (j == class) as u8 as f32
                }
            })
        })
        .collect();
    (xs, ys)
}

/// Times `step(i)` for sample index `i` cycling over the data, recording ns per sample.
fn time<F: FnMut(usize)>(
    c: &mut Criterion,
    name: &'static str,
    per_iter: usize,
    n: usize,
    mut step: F,
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(per_iter as u64));
    let mut i = 0;
    group.bench_function("network", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                step(i);
                i = (i + 1) % n;
            }
            let d: Duration = start.elapsed();
            let ns = d.as_nanos() as f64 / (iters as f64 * per_iter as f64);
            SAMPLES.lock().unwrap().push((name, ns));
            d
        })
    });
    group.finish();
}

fn workloads(c: &mut Criterion) {
    // W1: XOR, per-sample SGD with MSE.
    let xs = [[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0f32], [1.0], [1.0], [0.0]];
    let mut xor: Xor = Xor::seeded(1);
    let mut sgd = Sgd::new(0.1f32);
    time(c, "W1 xor train_step", 1, 4, |i| {
        black_box(xor.train_step(black_box(&xs[i]), &ys[i], &Mse, &mut sgd));
    });

    // W2: Iris-sized, per-sample SGD with cross-entropy.
    let (xs, ys) = data::<4, 3>(150, 2, 0.0, 8.0);
    let mut iris: Iris = Iris::seeded(2);
    let mut sgd = Sgd::new(0.01f32);
    time(c, "W2 iris train_step", 1, xs.len(), |i| {
        black_box(iris.train_step(black_box(&xs[i]), &ys[i], &CrossEntropy, &mut sgd));
    });

    // W3: MNIST-sized, per-sample SGD with cross-entropy.
    let (xs, ys) = data::<784, 10>(512, 3, 0.0, 1.0);
    let mut mnist: Mnist = Mnist::seeded(3);
    let mut sgd = Sgd::new(0.01f32);
    time(c, "W3 mnist1 train_step", 1, xs.len(), |i| {
        black_box(mnist.train_step(black_box(&xs[i]), &ys[i], &CrossEntropy, &mut sgd));
    });

    // W4: the same network, mini-batches of 32.
    let mut mnist: Mnist = Mnist::seeded(4);
    let batches = xs.len() / 32;
    time(c, "W4 mnist32 train_batch", 32, batches, |i| {
        let r = i * 32..(i + 1) * 32;
        black_box(
            mnist
                .train_batch(black_box(&xs[r.clone()]), &ys[r], &CrossEntropy, &mut sgd)
                .unwrap(),
        );
    });

    // W5: inference only.
    let xor: Xor = Xor::seeded(5);
    let xin = [[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    time(c, "W5 xor forward", 1, 4, |i| {
        black_box(xor.forward(black_box(&xin[i])));
    });
    let mnist: Mnist = Mnist::seeded(5);
    time(c, "W5 mnist forward", 1, xs.len(), |i| {
        black_box(mnist.forward(black_box(&xs[i])));
    });
}

fn summary(_: &mut Criterion) {
    let flops = |name: &str| match name {
        "W1 xor train_step" => train_flops(Xor::<f32>::LAYOUT, 1),
        "W2 iris train_step" => train_flops(Iris::<f32>::LAYOUT, 1),
        "W3 mnist1 train_step" => train_flops(Mnist::<f32>::LAYOUT, 1),
        "W4 mnist32 train_batch" => train_flops(Mnist::<f32>::LAYOUT, 32),
        "W5 xor forward" => forward_flops(Xor::<f32>::LAYOUT),
        _ => forward_flops(Mnist::<f32>::LAYOUT),
    };
    let samples = SAMPLES.lock().unwrap();
    let mut names: Vec<&str> = samples.iter().map(|s| s.0).collect();
    names.dedup();
    println!("\n| workload | ns per sample (median) | GFLOP/s |\n|---|---:|---:|");
    for name in names {
        let mut ns: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 == name)
            .map(|s| s.1)
            .collect();
        ns.sort_by(f64::total_cmp);
        let median = ns[ns.len() / 2];
        println!("| {name} | {median:.1} | {:.2} |", flops(name) / median);
    }
}

criterion_group!(benches, workloads, summary);
criterion_main!(benches);
