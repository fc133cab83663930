//! Classifies Fisher's iris flowers (150 samples, 4 features, 3 species) with
//! `dense(4 -> 16, tanh), dense(16 -> 3, softmax)` and cross-entropy.
//!
//! The data (`examples/data/iris.csv`, public domain, see `examples/data/README.md`) is
//! embedded at compile time, split 80/20 by a seeded shuffle, and standardised with the
//! training split's mean and standard deviation. Run with
//! `cargo run --release --example iris`. Exits non-zero if test accuracy is below 95%.

use std::process::ExitCode;

use network::prelude::*;
use network::{ConfusionMatrix, Rng};

network! {
    /// Species from sepal length and width, petal length and width.
    pub struct Iris < dense(4 -> 16, tanh), dense(16 -> 3, softmax) >
}

const SEED: u64 = 1;
const TARGET_ACCURACY: f64 = 0.95;

type Sample = ([f32; 4], [f32; 3]);

/// The embedded CSV as (features, one-hot class) pairs, and the class names.
fn load() -> (Vec<Sample>, Vec<String>) {
    let text = include_str!("data/iris.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let rows: usize = header[0].parse().expect("row count");
    let names = header[2..].iter().map(|s| s.to_string()).collect();
    let data: Vec<Sample> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Vec<f32> = line.split(',').map(|s| s.trim().parse().unwrap()).collect();
            let mut y = [0.0; 3];
            y[v[4] as usize] = 1.0;
            ([v[0], v[1], v[2], v[3]], y)
        })
        .collect();
    assert_eq!(data.len(), rows, "the header announces {rows} rows");
    (data, names)
}

fn main() -> ExitCode {
    let (mut data, names) = load();
    Rng::new(SEED).shuffle(&mut data);
    let mut test = data.split_off(data.len() * 4 / 5);
    let mut train = data;

    // Standardise with the training split's statistics only.
    let n = train.len() as f32;
    let mut mean = [0.0f32; 4];
    let mut std = [0.0f32; 4];
    for (x, _) in &train {
        for j in 0..4 {
            mean[j] += x[j] / n;
        }
    }
    for (x, _) in &train {
        for j in 0..4 {
            std[j] += (x[j] - mean[j]).powi(2) / n;
        }
    }
    for s in &mut std {
        *s = s.sqrt();
    }
    for (x, _) in train.iter_mut().chain(test.iter_mut()) {
        for j in 0..4 {
            x[j] = (x[j] - mean[j]) / std[j];
        }
    }
    println!("{} training and {} test samples", train.len(), test.len());

    let mut net: Iris = Iris::seeded(SEED);
    println!("{net}\n");
    let config = FitConfig::new(100)
        .batch_size(16)
        .seed(SEED)
        .accuracy()
        .on_epoch(progress(10));
    if let Err(e) = fit(
        &mut net,
        &train,
        &CrossEntropy,
        &mut Adam::new(0.003),
        config,
    ) {
        eprintln!("iris: {e}");
        return ExitCode::FAILURE;
    }

    let m: ConfusionMatrix<3> = confusion_matrix(&net, &test);
    println!("\ntest set confusion matrix ({}):", names.join(", "));
    print!("{m}");
    let acc = accuracy(&net, &test);
    let ok = acc >= TARGET_ACCURACY;
    println!(
        "iris: test accuracy {:.2}% ({}/{}), test loss {:.4} (target ≥ {:.0}%): {}",
        100.0 * acc,
        m.correct(),
        m.total(),
        mean_loss(&net, &test, &CrossEntropy),
        100.0 * TARGET_ACCURACY,
        if ok { "PASS" } else { "FAIL" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
