//! Turns a trained XOR model file into Rust source for a firmware: the network as a `const`,
//! bit for bit, and a self-test with the outputs computed here.
//!
//! `cargo run --release --example export_rust -- [MODEL] [OUT.rs]`: MODEL defaults to
//! `tests/tests/fixtures/xor.model` (written by the `model_file` example), OUT to standard
//! output. `embedded/cortex-m4/src/xor_model.rs` was written by
//! `cargo run --release --example export_rust -- tests/tests/fixtures/xor.model
//! embedded/cortex-m4/src/xor_model.rs`; the firmware includes it and runs its self-test.

use std::io::Write;

use network::export_rust;
use network::prelude::*;

network! {
    /// Learns XOR: two inputs in {0, 1}, one output, 1 when exactly one input is 1.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

/// The self-test's inputs: all four cases.
const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let model = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "tests/tests/fixtures/xor.model".into());
    // A model of another architecture or a corrupt file is refused here, with the reason.
    let net: Xor = Xor::load(&model)?;
    let mut source = Vec::new();
    export_rust(&net, "XOR", &INPUTS, &mut source)?;
    match args.next() {
        Some(out) => {
            std::fs::write(&out, &source)?;
            eprintln!(
                "wrote {} ({} bytes) from {}",
                std::path::Path::new(&out).display(),
                source.len(),
                model.display()
            );
        }
        None => std::io::stdout().write_all(&source)?,
    }
    Ok(())
}
