//! Criterion benchmarks of inference, one sample at a time and batched: the peer workloads of
//! `bench/README.md` (the RTNeural comparison), f32, one thread, seeded networks.
//!
//! Run with `cargo bench -p network-benches --bench inference` (add `-- --quick` for a short
//! run). The batched group reports GFLOP/s through criterion's throughput (elements are
//! FLOPs: `2·IN·OUT` per layer and sample).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::prelude::*;
use network::{LayerInfo, Rng};

network! {
    /// The XOR network.
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// A one-hidden-layer MNIST classifier.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
    /// One linear layer of 8.
    struct Linear8 < dense(8 -> 8, identity) >
    /// One tanh layer of 16.
    struct Tanh16 < dense(16 -> 16, tanh) >
    /// One ReLU layer of 64.
    struct Relu64 < dense(64 -> 64, relu) >
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

/// `net.forward` on one sample, timed as criterion's `iter` does.
fn one<N: Network<f32>>(c: &mut Criterion, name: &str, net: &N, x: &N::Input) {
    c.bench_function(name, |b| b.iter(|| net.forward(black_box(x))));
}

fn single(c: &mut Criterion) {
    let mut rng = Rng::new(7);
    one(
        c,
        "xor 2-8-1 tanh/sigmoid",
        &Xor::<f32>::seeded(1),
        &sample(&mut rng),
    );
    let mnist = Mnist::<f32>::boxed_seeded(2);
    one(
        c,
        "mnist 784-128-10 relu/softmax",
        &*mnist,
        &sample(&mut rng),
    );
    one(
        c,
        "dense 8-8 identity",
        &Linear8::<f32>::seeded(3),
        &sample(&mut rng),
    );
    one(
        c,
        "dense 16-16 tanh",
        &Tanh16::<f32>::seeded(4),
        &sample(&mut rng),
    );
    one(
        c,
        "dense 64-64 relu",
        &Relu64::<f32>::seeded(5),
        &sample(&mut rng),
    );
}

fn batched(c: &mut Criterion) {
    const N: usize = 256;
    let mut rng = Rng::new(8);
    let mnist = Mnist::<f32>::boxed_seeded(2);
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

criterion_group!(benches, single, batched);
criterion_main!(benches);
