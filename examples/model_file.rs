//! Trains XOR, saves the model file, loads it back and checks the copy answers the same.
//!
//! Run with `cargo run --release --example model_file [PATH]` (default: a file in the system's
//! temporary folder). `tests/fixtures/xor.model` was written by this example. Exits non-zero
//! if anything differs.

use network::prelude::*;

network! {
    /// Learns XOR: two inputs in {0, 1}, one output, 1 when exactly one input is 1.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data: [([f32; 2], [f32; 1]); 4] = [
        ([0.0, 0.0], [0.0]),
        ([0.0, 1.0], [1.0]),
        ([1.0, 0.0], [1.0]),
        ([1.0, 1.0], [0.0]),
    ];
    let mut net: Xor = Xor::seeded(7);
    let mut sgd = Sgd::new(0.5);
    for _ in 0..2000 {
        for (x, y) in &data {
            net.train_step(x, y, &Mse, &mut sgd);
        }
    }

    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("xor.model"));
    net.save(&path)?;
    println!(
        "saved {} ({} bytes, {} parameters)",
        path.display(),
        <Xor as ModelFile<f32>>::ENCODED_LEN,
        Xor::<f32>::PARAMS
    );

    let copy: Xor = Xor::load(&path)?;
    for (x, _) in &data {
        let (a, b) = (net.forward(x), copy.forward(x));
        println!("{x:?} -> {a:?} (loaded: {b:?})");
        if a != b {
            return Err("the loaded model answers differently".into());
        }
    }
    Ok(())
}
