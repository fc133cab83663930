//! Learns a nonlinear audio effect with memory from audio: `gru(1 -> 16), dense(16 -> 1,
//! identity)` trained by truncated backpropagation through time with Adam, the way amp and
//! pedal models for audio plugins are trained.
//!
//! The effect, a drive stage, at 48 kHz:
//!
//! 1. a one-pole high-pass at 80 Hz (the coupling capacitor before the stage),
//! 2. a gain of 6 into a soft clipper, `tanh`,
//! 3. a one-pole low-pass at 5 kHz (the tone stack's treble roll-off), and a 0.5 output gain.
//!
//! The audio is generated, deterministically: sine sweeps, decaying plucked notes with
//! harmonics, and a little noise. The model trains on 4 s of it (windows of 128 samples, the
//! state carried from each window to the next) and is judged on 2 s it never saw, by the
//! error-to-signal ratio `ESR = Σ(y − ŷ)² / Σy²` (target: at most 0.02). It prints how many
//! times faster than real time the trained model runs, and its frozen form (`net.freeze()`,
//! what a plugin would ship), and writes the held-out input, the target and the model's
//! output as WAV files, with a plot of a stretch of them as SVG, and
//! the trained model as a model file (`amp.model`), read back and checked bit for bit.
//!
//! Run with `cargo run --release --example amp [output folder]` (the default is the system's
//! temporary folder). Exits non-zero if the ESR is above 0.02.

use std::f32::consts::PI;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use network::prelude::*;

network! {
    /// An amp model: one sample in, one sample out, a GRU's state in between.
    pub struct Amp < gru(1 -> 16), dense(16 -> 1, identity) >
}

const RATE: f32 = 48_000.0;
const WINDOW: usize = 128;
const EPOCHS: usize = 40;
const TARGET_ESR: f32 = 0.02;

/// The drive stage, sample by sample, from silence.
fn drive(input: &[f32]) -> Vec<f32> {
    let hp = (-2.0 * PI * 80.0 / RATE).exp();
    let lp = 1.0 - (-2.0 * PI * 5000.0 / RATE).exp();
    let (mut x1, mut h, mut l) = (0.0f32, 0.0f32, 0.0f32);
    input
        .iter()
        .map(|&x| {
            h = hp * (h + x - x1);
            x1 = x;
            let clipped = (6.0 * h).tanh();
            l += lp * (clipped - l);
            0.5 * l
        })
        .collect()
}

/// `seconds` of test signal: a sweep, plucked notes and noise, in turns.
fn signal(seconds: f32, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let n = (seconds * RATE) as usize;
    let mut out = vec![0.0f32; n];
    let mut t0 = 0;
    while t0 < n {
        let len = ((0.25 + 0.25 * rng.uniform::<f32>(0.0, 1.0)) * RATE) as usize;
        let end = (t0 + len).min(n);
        let amp = rng.uniform::<f32>(0.1, 0.9);
        match rng.below(3) {
            0 => {
                // An exponential sweep between two random frequencies.
                let (f0, f1) = (
                    rng.uniform::<f32>(40.0, 400.0),
                    rng.uniform::<f32>(400.0, 4000.0),
                );
                let mut phase = 0.0f32;
                for (i, y) in out[t0..end].iter_mut().enumerate() {
                    let f = f0 * (f1 / f0).powf(i as f32 / len as f32);
                    phase += 2.0 * PI * f / RATE;
                    *y = amp * phase.sin();
                }
            }
            1 => {
                // A plucked note: four harmonics decaying at different rates.
                let f = 55.0 * 2f32.powf(rng.below(36) as f32 / 12.0);
                for (i, y) in out[t0..end].iter_mut().enumerate() {
                    let t = i as f32 / RATE;
                    *y = (1..=4)
                        .map(|k| {
                            let k = k as f32;
                            (2.0 * PI * f * k * t).sin() * (-t * 3.0 * k).exp() / k
                        })
                        .sum::<f32>()
                        * amp;
                }
            }
            _ => {
                for y in &mut out[t0..end] {
                    *y = 0.05 * amp * rng.uniform::<f32>(-1.0, 1.0);
                }
            }
        }
        t0 = end;
    }
    for y in &mut out {
        *y += 0.002 * rng.uniform::<f32>(-1.0, 1.0);
    }
    out
}

fn esr(target: &[f32], output: &[f32]) -> f32 {
    let err: f64 = target
        .iter()
        .zip(output)
        .map(|(&y, &p)| ((y - p) as f64).powi(2))
        .sum();
    let energy: f64 = target.iter().map(|&y| (y as f64).powi(2)).sum();
    (err / energy) as f32
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let train_x = signal(4.0, 1);
    let train_y = drive(&train_x);
    let test_x = signal(2.0, 2);
    let test_y = drive(&test_x);
    let as_rows = |v: &[f32]| v.iter().map(|&s| [s]).collect::<Vec<[f32; 1]>>();
    let (xs, ys) = (as_rows(&train_x), as_rows(&train_y));

    let mut net: Amp = Amp::seeded(7);
    // The traces of a window, allocated zeroed on the heap.
    let mut window = Amp::<f32>::boxed_window::<WINDOW>();
    println!("{}\n", net.summary().window(WINDOW));
    let lr = 3e-3;
    let steps_per_epoch = xs.len() / WINDOW;
    let mut opt = Scheduled::per_step(
        ClipNorm::new(Adam::new(lr), 1.0),
        Cosine {
            initial: lr,
            min: lr / 100.0,
            period: EPOCHS * steps_per_epoch,
        },
    );
    let start = Instant::now();
    for epoch in 0..EPOCHS {
        let mut state = AmpState::default();
        let mut sum = 0.0;
        for (x, y) in xs.chunks_exact(WINDOW).zip(ys.chunks_exact(WINDOW)) {
            let (x, y) = (x.try_into().unwrap(), y.try_into().unwrap());
            let (loss, end) = net.train_sequence(&state, x, y, 0, &Mse, &mut opt, &mut window);
            state = end;
            sum += loss;
        }
        if epoch % 10 == 9 || epoch == 0 {
            println!(
                "epoch {:>3}: training MSE {:.3e}",
                epoch + 1,
                sum / steps_per_epoch as f32
            );
        }
    }
    let trained = start.elapsed();

    // The one bias gradient that is not `δ`: `b_hn` sits inside `r ⊙ (W_hn h + b_hn)`, so
    // `∂L/∂b_hn = r ⊙ δ_n` while `∂L/∂b_in = δ_n` (docs/backprop.md, section 10).
    let mut grads = AmpGradients::zeroed();
    let (x, y) = (
        xs[..WINDOW].try_into().unwrap(),
        ys[..WINDOW].try_into().unwrap(),
    );
    net.window_gradients(&AmpState::default(), x, y, 0, &Mse, &mut window, &mut grads);
    println!("candidate-gate bias gradients over the first window, units 1-4:");
    let row = |v: &[f32]| {
        v[..4]
            .iter()
            .map(|g| format!("{g:+.3e}"))
            .collect::<Vec<_>>()
    };
    println!("  ∂L/∂b_in = Σ δ_n      {:?}", row(&grads.l1.bias_ih[2]));
    println!("  ∂L/∂b_hn = Σ r ⊙ δ_n  {:?}", row(&grads.l1.bias_hh[2]));

    let mut out = vec![[0.0f32]; test_x.len()];
    let t = Instant::now();
    net.step_block(&mut AmpState::default(), &as_rows(&test_x), &mut out);
    let run = t.elapsed().as_secs_f64();
    let out: Vec<f32> = out.iter().map(|y| y[0]).collect();
    let score = esr(&test_y, &out);
    let seconds = test_x.len() as f64 / RATE as f64;
    println!(
        "trained in {:.1} s; held-out ESR {score:.4} (target ≤ {TARGET_ESR}); runs {:.0}× faster \
         than real time at 48 kHz ({:.0} ns per sample)",
        trained.as_secs_f64(),
        seconds / run,
        run * 1e9 / test_x.len() as f64
    );
    // What a plugin would ship: the frozen form, its weights by columns for streaming.
    let frozen = net.freeze();
    let mut streamed = vec![[0.0f32]; test_x.len()];
    let t = Instant::now();
    frozen.step_block(&mut AmpState::default(), &as_rows(&test_x), &mut streamed);
    let run_frozen = t.elapsed().as_secs_f64();
    let streamed: Vec<f32> = streamed.iter().map(|y| y[0]).collect();
    let frozen_score = esr(&test_y, &streamed);
    println!(
        "frozen (net.freeze()): held-out ESR {frozen_score:.4}; runs {:.0}× faster than real time \
         ({:.0} ns per sample)",
        seconds / run_frozen,
        run_frozen * 1e9 / test_x.len() as f64
    );
    if (frozen_score - score).abs() > 1e-4 {
        eprintln!("the frozen form's ESR {frozen_score} is not the network's {score}");
        std::process::exit(1);
    }
    for (name, data) in [("input", &test_x), ("target", &test_y), ("model", &out)] {
        let path = dir.join(format!("amp_{name}.wav"));
        match write_wav(&path, data) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }
    // The model file: the header records `l1: gru(1 -> 16)`, so no other network reads it.
    let model = dir.join("amp.model");
    let reloaded = net.save(&model).and_then(|()| Amp::<f32>::load(&model));
    match reloaded {
        Ok(back) => {
            let mut again = vec![[0.0f32]; test_x.len()];
            back.step_block(&mut AmpState::default(), &as_rows(&test_x), &mut again);
            if again
                .iter()
                .zip(&out)
                .any(|(a, &b)| a[0].to_bits() != b.to_bits())
            {
                eprintln!("the model read back from {} differs", model.display());
                return ExitCode::FAILURE;
            }
            println!(
                "wrote {} and read it back: the same output",
                model.display()
            );
        }
        Err(e) => eprintln!("could not write or read {}: {e}", model.display()),
    }
    let plot = dir.join("amp.svg");
    match write_plot(&plot, &test_x, &test_y, &out) {
        Ok(()) => println!("wrote {}", plot.display()),
        Err(e) => eprintln!("could not write {}: {e}", plot.display()),
    }
    if score <= TARGET_ESR {
        ExitCode::SUCCESS
    } else {
        eprintln!("missed: ESR {score:.4} > {TARGET_ESR}");
        ExitCode::FAILURE
    }
}

/// A mono 16-bit PCM WAV file (RIFF), written by hand: 44 bytes of header, then the samples.
fn write_wav(path: &Path, samples: &[f32]) -> std::io::Result<()> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes()); // size of the fmt chunk
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&(RATE as u32).to_le_bytes());
    b.extend_from_slice(&(RATE as u32 * 2).to_le_bytes()); // bytes per second
    b.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    b.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        b.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    std::fs::File::create(path)?.write_all(&b)
}

/// 20 ms of the three signals, from where the held-out audio is loudest, as SVG polylines.
fn write_plot(path: &Path, x: &[f32], y: &[f32], model: &[f32]) -> std::io::Result<()> {
    let len = (0.02 * RATE) as usize;
    let peak = (0..x.len() - len).step_by(len).max_by(|&a, &b| {
        let e = |s: usize| y[s..s + len].iter().map(|v| v * v).sum::<f32>();
        e(a).total_cmp(&e(b))
    });
    let from = peak.unwrap_or(0);
    let (w, h) = (800.0, 300.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (data, colour, label, row) in [
        (x, "#999", "input", 0),
        (y, "#1f77b4", "target", 1),
        (model, "#d62728", "model", 2),
    ] {
        let points: Vec<String> = (0..len)
            .map(|i| {
                let px = i as f32 / len as f32 * w;
                let py = h / 2.0 - data[from + i] * h / 2.2;
                format!("{px:.1},{py:.1}")
            })
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\n\
             <text x=\"10\" y=\"{}\" fill=\"{colour}\" font-family=\"sans-serif\">{label}</text>\n",
            points.join(" "),
            20 + 18 * row
        ));
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg)
}
