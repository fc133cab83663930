//! int8 inference: the generated `NetI8` computes exactly what a plain reference implementation
//! of the same integer scheme computes, and stays close to the `f32` network.

use network::prelude::*;
use network::quant::{QActivation, QDense};

network! {
    /// Fused activations (relu, identity) and tables (tanh, sigmoid).
    pub struct Mixed < dense(5 -> 9, relu), dense(9 -> 6, tanh), dense(6 -> 4, identity), dense(4 -> 2, sigmoid) >
}

network! {
    /// The network of `examples/digits.rs`, whose int8 form the Cortex-M3 firmware runs.
    pub struct Digits < dense(64 -> 32, relu), dense(32 -> 10, identity) >
}

// `DIGITS: DigitsI8` and `TEST_DIGITS`, as `cargo run --release --example digits -- PATH`
// wrote them for the Cortex-M3 firmware.
include!("../../embedded/cortex-m3/src/digits_i8.rs");

network! {
    /// A classifier: its int8 output is the logits.
    pub struct Classifier < dense(6 -> 12, leaky_relu(0.1)), dense(12 -> 8, gelu), dense(8 -> 3, softmax) >
}

/// The scheme written out plainly: the zero point subtracted from every input, the raw bias,
/// the product in i64 and `round(acc · m0 / 2ⁿ)` (halves up) by exact i128 division.
#[allow(clippy::needless_range_loop)] // indices, as the formula is written
fn reference<const IN: usize, const OUT: usize>(l: &QDense<IN, OUT>, x: &[i8; IN]) -> [i8; OUT] {
    let mut out = [0i8; OUT];
    for j in 0..OUT {
        let mut acc = i64::from(l.bias[j]);
        for i in 0..IN {
            acc += i64::from(l.weight[j][i]) * (i64::from(x[i]) - i64::from(l.input.zero_point));
        }
        let num = i128::from(acc) * i128::from(l.multiplier[j]);
        let d = 1i128 << l.shift[j];
        let v = (2 * num + d).div_euclid(2 * d) as i64;
        out[j] = match l.activation {
            QActivation::Clamp { zero_point, min } => {
                (v + i64::from(zero_point)).clamp(i64::from(min), 127) as i8
            }
            QActivation::Lut { zero_point, table } => {
                table[((v + i64::from(zero_point)).clamp(-128, 127) + 128) as usize]
            }
        };
    }
    out
}

fn inputs<const N: usize>(rng: &mut Rng, count: usize, spread: f64) -> Vec<[f32; N]> {
    (0..count)
        .map(|_| core::array::from_fn(|_| rng.uniform(-spread, spread)))
        .collect()
}

#[test]
fn mixed_int8_is_exactly_the_reference_on_random_networks() {
    for seed in 0..20 {
        let mut rng = Rng::new(1000 + seed);
        let mut net: Mixed = Mixed::seeded(seed);
        // Non-zero biases too.
        for b in net.l1.bias.iter_mut().chain(&mut net.l3.bias) {
            *b = rng.uniform(-0.5, 0.5);
        }
        let q = net.quantize(&inputs::<5>(&mut rng, 64, 1.0));
        // Inside the calibrated range and far outside it (saturation).
        for x in inputs::<5>(&mut rng, 200, 1.0)
            .into_iter()
            .chain(inputs::<5>(&mut rng, 50, 20.0))
        {
            let xq = q.quantize_input(&x);
            let r1 = reference(&q.l1, &xq);
            let r2 = reference(&q.l2, &r1);
            let r3 = reference(&q.l3, &r2);
            let r4 = reference(&q.l4, &r3);
            assert_eq!(q.forward_i8(&xq), r4, "seed {seed}, x {x:?}");
        }
    }
}

#[test]
fn classifier_int8_is_exactly_the_reference_and_keeps_the_class() {
    let (mut same, mut total) = (0, 0);
    for seed in 0..20 {
        let mut rng = Rng::new(2000 + seed);
        let net: Classifier = Classifier::seeded(seed);
        let q = net.quantize(&inputs::<6>(&mut rng, 128, 1.0));
        for x in inputs::<6>(&mut rng, 100, 1.0) {
            let xq = q.quantize_input(&x);
            let r = reference(&q.l3, &reference(&q.l2, &reference(&q.l1, &xq)));
            assert_eq!(q.forward_i8(&xq), r, "seed {seed}");
            // The dequantized probabilities are close to the f32 network's.
            let (p, p8) = (net.forward(&x), q.forward(&x));
            for (a, b) in p.iter().zip(&p8) {
                assert!((a - b).abs() < 0.1, "seed {seed}: {p:?} vs {p8:?}");
            }
            total += 1;
            same += usize::from(argmax(&p) == argmax(&p8));
        }
    }
    // Random networks have near-ties; most classes still agree.
    assert!(same * 10 >= total * 9, "{same}/{total}");
}

#[test]
fn int8_outputs_are_close_to_f32() {
    let mut rng = Rng::new(7);
    let net: Mixed = Mixed::seeded(7);
    let q = net.quantize(&inputs::<5>(&mut rng, 256, 1.0));
    let mut worst = 0.0f32;
    for x in inputs::<5>(&mut rng, 200, 1.0) {
        for (a, b) in net.forward(&x).iter().zip(q.forward(&x)) {
            worst = worst.max((a - b).abs());
        }
    }
    // Sigmoid outputs in (0, 1) quantized in 255 steps, after three int8 layers.
    assert!(worst < 0.05, "{worst}");
    assert!(worst > 0.0, "int8 cannot be exact");
}

/// A quantized network is a plain value: a `const` built from literals is a network.
#[test]
fn a_quantized_network_is_constructible_in_const_context() {
    const ID: QDense<1, 1> = QDense {
        weight: [[127]],
        bias: [0],
        folded_bias: [0],
        multiplier: [1 << 30],
        shift: [30],
        input: network::quant::QParams {
            scale: 1.0,
            zero_point: 0,
        },
        output: network::quant::QParams {
            scale: 1.0,
            zero_point: 0,
        },
        activation: QActivation::Clamp {
            zero_point: 0,
            min: -128,
        },
    };
    // 127 · x · 2³⁰ / 2³⁰, saturated to int8.
    assert_eq!(ID.forward(&[1]), [127]);
    assert_eq!(ID.forward(&[-1]), [-127]);
    assert_eq!(ID.forward(&[2]), [127]);
    assert_eq!(reference(&ID, &[-1]), [-127]);
}

/// The firmware's int8 network gives here, on another architecture, exactly the outputs the
/// Cortex-M3 checks; and writing it back as source gives the same text.
#[test]
fn the_firmware_network_is_bit_exact_here_too_and_round_trips() {
    for (x, _, want) in &TEST_DIGITS {
        assert_eq!(DIGITS.forward_i8(x), *want);
    }
    let mut text = String::new();
    DIGITS.write_rust("DIGITS", &mut text).unwrap();
    let file = include_str!("../../embedded/cortex-m3/src/digits_i8.rs");
    assert!(
        file.contains(&text),
        "write_rust does not reproduce the firmware's constant"
    );
}
