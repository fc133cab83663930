//! Classifies Fisher's iris flowers (150 samples, 4 features, 3 species) with
//! `dense(4 -> 16, tanh), dense(16 -> 3, softmax)` and cross-entropy.
//!
//! The data (`examples/data/iris.csv`, public domain, see `examples/data/README.md`) is
//! embedded at compile time, read with `network::data::Csv`, split 80/20 by a seeded shuffle,
//! and standardised with the training split's mean and standard deviation. Run with
//! `cargo run --release --example iris`. Exits non-zero if test accuracy is below 95%, or if
//! the int8 network's is more than one percentage point below the f32 network's.

use std::process::ExitCode;

use network::data::{Csv, Standardizer, train_test_split};
use network::prelude::*;
use network::quant::argmax_i8;

network! {
    /// Species from sepal length and width, petal length and width.
    pub struct Iris < dense(4 -> 16, tanh), dense(16 -> 3, softmax) >
}

const SEED: u64 = 1;
const TARGET_ACCURACY: f64 = 0.95;

fn main() -> ExitCode {
    // The first line is `150,4,setosa,versicolor,virginica`: rows, features, class names.
    let csv = Csv::new(include_str!("data/iris.csv")).header(true);
    let names = csv.column_names().expect("a header")[2..].join(", ");
    let data: Vec<([f32; 4], [f32; 3])> = csv.one_hot().expect("the embedded iris.csv is valid");
    let (mut train, mut test) = train_test_split(&data, 0.2, SEED);

    // Standardise with the training split's statistics only.
    let scale = Standardizer::fit_samples(&train);
    scale.apply_samples(&mut train);
    scale.apply_samples(&mut test);
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
    println!("\ntest set confusion matrix ({names}):");
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
    // int8 inference (`network::quant`), calibrated on the training inputs: integer
    // arithmetic only, the class is the argmax of the int8 output.
    let calibration: Vec<[f32; 4]> = train.iter().map(|(x, _)| *x).collect();
    let q = net.quantize(&calibration);
    let correct = test
        .iter()
        .filter(|(x, y)| argmax_i8(&q.forward_i8(&q.quantize_input(x))) == argmax(y))
        .count();
    let acc_i8 = correct as f64 / test.len() as f64;
    let ok_i8 = acc_i8 >= acc - 0.01;
    println!(
        "iris: int8 test accuracy {:.2}% ({}/{}), f32 {:.2}% (target: within 1 point): {}",
        100.0 * acc_i8,
        correct,
        test.len(),
        100.0 * acc,
        if ok_i8 { "PASS" } else { "FAIL" }
    );
    if ok && ok_i8 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
