//! From a CSV file to a saved model and back: 178 wines, 13 chemical measurements, 3 cultivars
//! (`examples/data/wine.csv`, UCI, CC BY 4.0; see `examples/data/README.md`).
//!
//! Reads the CSV with its class column named `class`, keeps 30% of each class for testing,
//! standardises with the training split's statistics, trains with `fit`, prints the test
//! confusion matrix, saves the model and its standardizer, loads both back, and checks that
//! the loaded pair predicts exactly what the trained one did. Run with
//! `cargo run --release --example wine`; it fails below 90% test accuracy.

use network::data::{Csv, Standardizer, stratified_split};
use network::prelude::*;

network! {
    /// A wine's cultivar from its 13 measurements.
    pub struct Wine < dense(13 -> 16, tanh), dense(16 -> 3, softmax) >
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/wine.csv");
    let csv = Csv::read(path)?.header(true).label_named("class");
    let data: Vec<([f32; 13], [f32; 3])> = csv.one_hot()?;
    let (mut train, raw_test) = stratified_split(&data, 0.3, 1, |(_, y)| argmax(y));
    let scale = Standardizer::fit_samples(&train);
    scale.apply_samples(&mut train);
    let mut test = raw_test.clone();
    scale.apply_samples(&mut test);

    let mut net: Wine = Wine::seeded(1);
    let config = FitConfig::new(60)
        .batch_size(16)
        .seed(1)
        .accuracy()
        .on_epoch(progress(20));
    fit(
        &mut net,
        &train,
        &CrossEntropy,
        &mut Adam::new(0.01),
        config,
    )?;
    let m: ConfusionMatrix<3> = confusion_matrix(&net, &test);
    println!("test set, {} wines:\n{m}", m.total());

    let dir = std::env::temp_dir();
    let (model, scaling) = (dir.join("wine.model"), dir.join("wine.scale"));
    net.save(&model)?;
    scale.save(&scaling)?;

    // Inference elsewhere: the model and its scaling, then raw measurements in.
    let loaded: Wine = Wine::load(&model)?;
    let loaded_scale: Standardizer<f32, 13> = Standardizer::load(&scaling)?;
    let same = raw_test
        .iter()
        .zip(&test)
        .all(|((raw, _), (x, _))| loaded.forward(&loaded_scale.transform(raw)) == net.forward(x));
    println!("loaded model and scaling predict identically: {same}");
    let acc = m.accuracy();
    println!("wine: test accuracy {:.1}% (target ≥ 90%)", 100.0 * acc);
    if !same || acc < 0.9 {
        return Err("wine: check failed".into());
    }
    Ok(())
}
