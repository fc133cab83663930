//! int8 against `f32` inference on the 784 → 128 → 10 network: one sample's forward pass,
//! `forward` of the `f32` network beside `forward_i8` of its quantized twin (int8 in, int8 out;
//! the AVX2 int8 dot product when the CPU has it) and `forward` of the twin (quantizing the
//! input and dequantizing the output too).
//!
//! Run with `cargo bench -p network-benches --bench quant`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use network::prelude::*;

network! {
    /// The MNIST-shaped network of the README's workloads.
    pub struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, identity) >
}

fn quant(c: &mut Criterion) {
    let net: Box<Mnist> = Mnist::boxed_seeded(1);
    let mut rng = Rng::new(2);
    let inputs: Vec<[f32; 784]> = (0..64)
        .map(|_| core::array::from_fn(|_| rng.uniform(0.0, 1.0)))
        .collect();
    let q = Box::new(net.quantize(&inputs));
    let x = inputs[0];
    let xq = q.quantize_input(&x);

    let mut g = c.benchmark_group("784-128-10 forward");
    g.bench_function("f32 forward", |b| b.iter(|| net.forward(black_box(&x))));
    g.bench_function("int8 forward_i8", |b| {
        b.iter(|| q.forward_i8(black_box(&xq)))
    });
    g.bench_function("int8 forward (quantize, dequantize)", |b| {
        b.iter(|| q.forward(black_box(&x)))
    });
    g.finish();
}

criterion_group!(benches, quant);
criterion_main!(benches);
