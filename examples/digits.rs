//! Recognises 8x8 handwritten digits (1797 images, 10 classes) with
//! `dense(64 -> 32, relu), dense(32 -> 10, identity)`, cross-entropy on the logits and Adam.
//!
//! The data (`examples/data/digits.csv`, UCI "Optical Recognition of Handwritten Digits",
//! CC BY 4.0, see `examples/data/README.md`) is embedded at compile time. Pixels 0–16 are
//! scaled to [0, 1]; the split is 80/20 by a seeded shuffle. Run with
//! `cargo run --release --example digits`. Exits non-zero if test accuracy is below 95%.

use std::process::ExitCode;

use network::data::{Csv, train_test_split};
use network::prelude::*;

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
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
