//! Criterion benchmark of batched inference: the 784 → 128 → 10 network over 256 samples, one
//! `forward` per sample against one `forward_batch` call (the matrix-matrix kernels), f32, one
//! thread. Criterion's throughput is in FLOPs (`2·IN·OUT` per layer and sample), so it prints
//! GFLOP/s.
//!
//! Run with `cargo bench -p network-benches --bench inference_batch` (add `-- --quick` for a
//! short run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::prelude::*;
use network::{LayerInfo, Rng};

network! {
    /// A one-hidden-layer MNIST classifier.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

/// A sample with entries uniform in `[0, 1)`.
fn sample<const N: usize>(rng: &mut Rng) -> [f32; N] {
    core::array::from_fn(|_| rng.uniform(0.0, 1.0))
}

/// FLOPs of one forward pass.
fn forward_flops(layout: &[LayerInfo]) -> u64 {
    layout
        .iter()
        .map(|l| 2 * (l.inputs * l.outputs) as u64)
        .sum()
}

fn batched(c: &mut Criterion) {
    const N: usize = 256;
    let mut rng = Rng::new(8);
    let mnist: Box<Mnist> = Mnist::boxed_seeded(2);
    let xs: Vec<[f32; 784]> = (0..N).map(|_| sample(&mut rng)).collect();
    let mut ys = vec![[0.0f32; 10]; N];
    let mut group = c.benchmark_group("mnist 784-128-10 x256");
    group.throughput(Throughput::Elements(
        N as u64 * forward_flops(Mnist::<f32>::LAYOUT),
    ));
    group.bench_function("forward per sample", |b| {
        b.iter(|| {
            for (x, y) in xs.iter().zip(ys.iter_mut()) {
                *y = mnist.forward(black_box(x));
            }
            black_box(&ys);
        })
    });
    group.bench_function("forward_batch", |b| {
        b.iter(|| {
            mnist.forward_batch(black_box(&xs), &mut ys);
            black_box(&ys);
        })
    });
    group.finish();
}

criterion_group!(benches, batched);
criterion_main!(benches);
