//! Separates two interleaved spirals, a 2-D two-class problem no linear model can solve, with
//! `dense(2 -> 32, tanh), dense(32 -> 32, tanh), dense(32 -> 1, sigmoid)`, binary
//! cross-entropy and Adam; then draws `decision_boundary.svg` and `loss.svg` with `plotters`.
//!
//! Run with `cargo run --release -p network-examples-extra --example spiral -- [OUTPUT_DIR]`
//! (default `target/spiral`). Deterministic (seeded). Exits non-zero if test accuracy is below
//! 95%.

use std::error::Error;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use network::prelude::*;
use network::{History, Rng};
use plotters::prelude::*;

network! {
    /// The probability that a point lies on spiral 1.
    pub struct Spiral < dense(2 -> 32, tanh), dense(32 -> 32, tanh), dense(32 -> 1, sigmoid) >
}

const SEED: u64 = 3;
const TARGET_ACCURACY: f64 = 0.95;
const EPOCHS: usize = 400;
/// Half the width of the plotted square.
const R: f64 = 3.5;

type Sample = ([f64; 2], [f64; 1]);

/// `n` points per spiral: radius `r ∈ [0.15, 3]`, angle `π·r` (one and a half turns), the
/// second spiral rotated by π, with uniform noise of ±`noise` on each coordinate. (On a radius
/// of 1 instead of 3, the turns are so close to the origin that tanh units start nearly
/// linear there and training can stall.)
fn spirals(n: usize, noise: f64, rng: &mut Rng) -> Vec<Sample> {
    let mut data = Vec::with_capacity(2 * n);
    for class in 0..2 {
        for _ in 0..n {
            let r = rng.uniform::<f64>(0.15, 3.0);
            let angle = PI * r + class as f64 * PI;
            let x = [
                r * angle.cos() + rng.uniform::<f64>(-noise, noise),
                r * angle.sin() + rng.uniform::<f64>(-noise, noise),
            ];
            data.push((x, [class as f64]));
        }
    }
    data
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/spiral"), PathBuf::from);
    let mut rng = Rng::new(SEED);
    let train = spirals(300, 0.1, &mut rng);
    let test = spirals(100, 0.1, &mut rng);

    let mut net: Spiral<f64> = Spiral::seeded(SEED);
    println!("{net}\n");
    let config = FitConfig::new(EPOCHS)
        .batch_size(32)
        .seed(SEED)
        .accuracy()
        .validation(&test)
        .on_epoch(progress(40));
    let history = match fit(
        &mut net,
        &train,
        &BinaryCrossEntropy,
        &mut Adam::new(0.01),
        config,
    ) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("spiral: {e}");
            return ExitCode::FAILURE;
        }
    };

    if let Err(e) = plot(&net, &train, &history, &dir) {
        eprintln!(
            "spiral: could not write the plots to {}: {e}",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let acc = accuracy(&net, &test);
    let ok = acc >= TARGET_ACCURACY;
    println!(
        "spiral: test accuracy {:.2}% on {} points, plots in {} (target ≥ {:.0}%): {}",
        100.0 * acc,
        test.len(),
        dir.display(),
        100.0 * TARGET_ACCURACY,
        if ok { "PASS" } else { "FAIL" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Writes `decision_boundary.svg` (the predicted probability over the plane, with the training
/// points) and `loss.svg` (training and validation loss per epoch) into `dir`.
fn plot(
    net: &Spiral<f64>,
    train: &[Sample],
    history: &History<f64>,
    dir: &Path,
) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let boundary = dir.join("decision_boundary.svg");
    {
        let root = SVGBackend::new(&boundary, (600, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Two spirals: network decision boundary", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(-R..R, -R..R)?;
        chart.configure_mesh().disable_mesh().draw()?;
        // Background: the predicted probability of class 1 on a 60x60 grid, as a blend from
        // blue (class 0) to orange (class 1).
        let cells = 60;
        let step = 2.0 * R / cells as f64;
        chart.draw_series((0..cells * cells).map(|k| {
            let (i, j) = (k % cells, k / cells);
            let (x0, y0) = (-R + i as f64 * step, -R + j as f64 * step);
            let p = net.forward(&[x0 + step / 2.0, y0 + step / 2.0])[0];
            Rectangle::new([(x0, y0), (x0 + step, y0 + step)], blend(p).filled())
        }))?;
        for (class, colour) in [(0.0, RGBColor(31, 90, 180)), (1.0, RGBColor(220, 100, 0))] {
            chart
                .draw_series(
                    train
                        .iter()
                        .filter(|(_, y)| y[0] == class)
                        .map(|(x, _)| Circle::new((x[0], x[1]), 2, colour.filled())),
                )?
                .label(format!("spiral {class}"))
                .legend(move |(x, y)| Circle::new((x, y), 4, colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    let loss = dir.join("loss.svg");
    {
        let root = SVGBackend::new(&loss, (600, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let all = history.loss.iter().chain(&history.val_loss);
        let lo = all.clone().copied().fold(f64::INFINITY, f64::min).max(1e-6);
        let hi = all.copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&root)
            .caption("Binary cross-entropy per epoch", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(1..history.epochs(), (lo * 0.8..hi * 1.2).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss (log scale)")
            .draw()?;
        for (name, values, colour) in [
            ("training", &history.loss, RGBColor(31, 90, 180)),
            ("test", &history.val_loss, RGBColor(220, 100, 0)),
        ] {
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, &l)| (i + 1, l)),
                    colour.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(())
}

/// Light blue at `p = 0` to light orange at `p = 1`.
fn blend(p: f64) -> RGBColor {
    let (a, b) = ((173.0, 200.0, 240.0), (250.0, 200.0, 150.0));
    let p = p.clamp(0.0, 1.0);
    let mix = |u: f64, v: f64| (u + (v - u) * p).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
