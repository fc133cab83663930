use network::prelude::*;
use std::hint::black_box;
use std::time::Instant;
network! {
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}
fn main() {
    let xor: Xor = Xor::seeded(1);
    let xs = [[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let t = Instant::now();
    let n = 20_000_000;
    for i in 0..n {
        black_box(xor.forward(black_box(&xs[i & 3])));
    }
    println!(
        "xor forward {:.1} ns",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let t = Instant::now();
    let mut s = 0.0f32;
    for i in 0..n {
        s += black_box(black_box(i as f32 * 1e-7).tanh());
    }
    println!(
        "tanhf {:.1} ns {s}",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let m = Mnist::<f32>::boxed_seeded(1);
    let x = [0.5f32; 784];
    let t = Instant::now();
    let n = 100_000;
    for _ in 0..n {
        black_box(m.forward(black_box(&x)));
    }
    println!(
        "mnist forward {:.1} ns",
        t.elapsed().as_nanos() as f64 / n as f64
    );
}
