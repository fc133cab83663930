//! Recognises 8x8 handwritten digits (1797 images, 10 classes) with
//! `dense(64 -> 32, relu), dense(32 -> 10, identity)`, cross-entropy on the logits and Adam.
//!
//! The data (`examples/data/digits.csv`, UCI "Optical Recognition of Handwritten Digits",
//! CC BY 4.0, see `examples/data/README.md`) is embedded at compile time. Pixels 0–16 are
//! scaled to [0, 1]; the split is 80/20 by a seeded shuffle. Run with
//! `cargo run --release --example digits [PATH]` (with PATH, also writes the int8 network and
//! test digits as Rust source for `embedded/cortex-m3`). Exits non-zero if test accuracy is
//! below 95%, or if the int8 network's is more than one percentage point below the f32
//! network's.

use std::process::ExitCode;

use network::data::{Csv, train_test_split};
use network::prelude::*;
use network::quant::argmax_i8;

network! {
    /// A digit's class scores (logits) from its 64 pixels.
    pub struct Digits < dense(64 -> 32, relu), dense(32 -> 10, identity) >
}

const SEED: u64 = 7;
const TARGET_ACCURACY: f64 = 0.95;

/// The embedded CSV (64 pixels 0–16, then the class; no header), pixels scaled to [0, 1].
fn load() -> Vec<([f32; 64], [f32; 10])> {
    let mut data: Vec<([f32; 64], [f32; 10])> = Csv::new(include_str!("data/digits.csv"))
        .one_hot()
        .expect("the embedded digits.csv is valid");
    for (x, _) in &mut data {
        *x = x.map(|p| p / 16.0);
    }
    data
}

fn main() -> ExitCode {
    let (train, test) = train_test_split(&load(), 0.2, SEED);
    println!("{} training and {} test images", train.len(), test.len());

    let mut net: Digits = Digits::seeded(SEED);
    println!("{net}\n");
    let config = FitConfig::new(40)
        .batch_size(32)
        .seed(SEED)
        .accuracy()
        .validation(&test)
        .on_epoch(progress(5));
    if let Err(e) = fit(
        &mut net,
        &train,
        &CrossEntropy,
        &mut Adam::new(3e-3),
        config,
    ) {
        eprintln!("digits: {e}");
        return ExitCode::FAILURE;
    }

    let m: ConfusionMatrix<10> = confusion_matrix(&net, &test);
    println!("\ntest set confusion matrix:");
    print!("{m}");
    let acc = accuracy(&net, &test);
    let ok = acc >= TARGET_ACCURACY;
    println!(
        "digits: test accuracy {:.2}% ({}/{}) (target ≥ {:.0}%): {}",
        100.0 * acc,
        m.correct(),
        m.total(),
        100.0 * TARGET_ACCURACY,
        if ok { "PASS" } else { "FAIL" }
    );
    // int8 inference (`network::quant`), calibrated on the training inputs: integer
    // arithmetic only, the class is the argmax of the int8 output.
    let calibration: Vec<[f32; 64]> = train.iter().map(|(x, _)| *x).collect();
    let q = net.quantize(&calibration);
    let correct = test
        .iter()
        .filter(|(x, y)| argmax_i8(&q.forward_i8(&q.quantize_input(x))) == argmax(y))
        .count();
    let acc_i8 = correct as f64 / test.len() as f64;
    let ok_i8 = acc_i8 >= acc - 0.01;
    println!(
        "digits: int8 test accuracy {:.2}% ({}/{}), f32 {:.2}% (target: within 1 point): {}",
        100.0 * acc_i8,
        correct,
        test.len(),
        100.0 * acc,
        if ok_i8 { "PASS" } else { "FAIL" }
    );
    if let Some(path) = std::env::args_os().nth(1)
        && let Err(e) = write_firmware_source(&q, &test, &path)
    {
        eprintln!("digits: {e}");
        return ExitCode::FAILURE;
    }
    if ok && ok_i8 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// How many test digits the Cortex-M3 firmware carries.
const FIRMWARE_DIGITS: usize = 20;

/// Writes the int8 network as a `const` and the first test digits, quantized, with their class
/// and the int8 output computed here, as Rust source for the Cortex-M3 firmware
/// (`embedded/cortex-m3/src/digits_i8.rs`). int8 inference is integer arithmetic only, so the
/// firmware must compute these outputs exactly.
fn write_firmware_source(
    q: &DigitsI8,
    test: &[([f32; 64], [f32; 10])],
    path: &std::ffi::OsStr,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::fmt::Write;
    let mut src = String::from(
        "// The int8 digits network and test digits, written by \
         `cargo run --release --example digits -- PATH`.\n\
         // `include!` it where `Digits` is declared with `network!`.\n\n\
         /// The int8 network (`DigitsI8`), in flash.\n",
    );
    q.write_rust("DIGITS", &mut src)?;
    writeln!(
        src,
        "\n/// Test digits: the quantized pixels, the class, and the int8 output computed on the \
         computer.\npub const TEST_DIGITS: [([i8; 64], u8, [i8; 10]); {FIRMWARE_DIGITS}] = ["
    )?;
    for (x, y) in test.iter().take(FIRMWARE_DIGITS) {
        let xq = q.quantize_input(x);
        writeln!(src, "    ({xq:?}, {}, {:?}),", argmax(y), q.forward_i8(&xq))?;
    }
    src.push_str("];\n");
    std::fs::write(path, src)?;
    println!("wrote {}", std::path::Path::new(path).display());
    Ok(())
}
