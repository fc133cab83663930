//! Trains `dense(2 -> 8, tanh), dense(8 -> 1, sigmoid)` on XOR with per-sample SGD.
//!
//! Run with `cargo run --release --example xor`. Exits non-zero if the network did not learn.

use network::prelude::*;

network! {
    /// Learns XOR: two inputs in {0, 1}, one output, 1 when exactly one input is 1.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

fn main() {
    let data: [([f32; 2], [f32; 1]); 4] = [
        ([0.0, 0.0], [0.0]),
        ([0.0, 1.0], [1.0]),
        ([1.0, 0.0], [1.0]),
        ([1.0, 1.0], [0.0]),
    ];

    let mut net: Xor = Xor::seeded(7);
    let mut sgd = Sgd::new(0.5);
    let epochs = 2000;
    for epoch in 1..=epochs {
        let mut total = 0.0;
        for (x, y) in &data {
            total += net.train_step(x, y, &Mse, &mut sgd);
        }
        if epoch == 1 || epoch % 200 == 0 {
            println!(
                "epoch {epoch:5}  mean loss {:.6}",
                total / data.len() as f32
            );
        }
    }

    let mut correct = 0;
    for (x, y) in &data {
        let [p] = net.forward(x);
        let class = if p >= 0.5 { 1.0 } else { 0.0 };
        correct += usize::from(class == y[0]);
        println!("{} xor {} -> {p:.4} (want {})", x[0], x[1], y[0]);
    }
    println!("accuracy: {correct}/{}", data.len());
    if correct != data.len() {
        std::process::exit(1);
    }
}
