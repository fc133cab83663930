//! int8 inference: the integer-only scheme of TensorFlow Lite and CMSIS-NN.
//!
//! - Activations (each layer's input and output) are int8 with a per-tensor scale and zero
//!   point, `real = scale · (q − zero_point)`, from the range a calibration set reaches
//!   ([`QParams::from_range`]).
//! - Weights are int8, symmetric, with one scale per output row: `s_w[j] = max|W[j]| / 127`.
//! - Biases are int32 at scale `s_in · s_w[j]`, so they add straight into the int32
//!   accumulator `Σ w·(x − zp_in)`.
//! - The accumulator is brought to the output's scale by a fixed-point multiplier and shift,
//!   `round(acc · m0 / 2ⁿ)` with `m0` in `[2³⁰, 2³¹)` ([`quantize_multiplier`], [`requantize`]),
//!   plus the output's zero point, saturated to int8. `relu` and `identity` are fused into
//!   that saturation; every other element-wise activation (`sigmoid`, `tanh`, ...) goes through
//!   a 256-entry lookup table indexed by the int8 pre-activation. A `softmax` layer returns
//!   its int8 logits (the class is their argmax; the generated `forward` applies the softmax
//!   in floating point to the dequantized logits).
//!
//! Inference is integer arithmetic only (`i8` × `i8` products summed in `i32`, one `i64`
//! product per output), so it gives the same bits on every target; no heap, no `std`.
//! `network!` generates, for each network `Net`, a `NetI8` type built by `Net::quantize`.

// `round`, `abs`, `powi` on f32/f64 without `std`.
#[cfg_attr(feature = "std", allow(unused_imports))]
use num_traits::Float as _;

use core::fmt::{self, Write};

use crate::dense::Dense;
use crate::layers::activation::Activation;
use crate::scalar::Float;

/// Per-tensor affine quantization of int8 values: `real = scale · (q − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QParams {
    /// The real value of one step of `q`.
    pub scale: f32,
    /// The `q` that stands for 0 (exactly).
    pub zero_point: i32,
}

impl QParams {
    /// The parameters that map `[min, max]` (widened to contain 0, so that 0 is exact) onto
    /// the 256 int8 values.
    pub fn from_range(range: Range) -> Self {
        let (min, max) = (range.min.min(0.0), range.max.max(0.0));
        let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
        let zero_point = (-128.0 - min / scale).round().clamp(-128.0, 127.0) as i32;
        QParams {
            scale: scale as f32,
            zero_point,
        }
    }

    /// `x` quantized: `round(x / scale) + zero_point`, saturated.
    #[inline]
    pub fn quantize(&self, x: f32) -> i8 {
        let q = (x / self.scale).round() + self.zero_point as f32;
        q.clamp(-128.0, 127.0) as i8
    }

    /// The real value `q` stands for.
    #[inline]
    pub fn dequantize(&self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero_point) as f32
    }
}

/// The range of values a tensor took over a calibration set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// The smallest value seen.
    pub min: f64,
    /// The largest value seen.
    pub max: f64,
}

impl Range {
    /// No value seen yet.
    pub const EMPTY: Range = Range {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// Widens the range to include every value of `xs`.
    pub fn add<T: Float>(&mut self, xs: &[T]) {
        for &x in xs {
            let x = x.as_f64();
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
    }
}

/// The fixed-point form `(m0, n)` of a positive real multiplier `m ≈ m0 / 2ⁿ`, with `m0` in
/// `[2³⁰, 2³¹)` (31 significant bits) and `1 ≤ n ≤ 63`. `m ≤ 0` gives `(0, 1)`: everything maps
/// to 0.
pub fn quantize_multiplier(m: f64) -> (i32, u8) {
    if m.is_nan() || m <= 0.0 {
        return (0, 1);
    }
    // m = f · 2^e with f in [0.5, 1).
    let (mut f, mut e) = (m, 0i32);
    while f >= 1.0 {
        f /= 2.0;
        e += 1;
    }
    while f < 0.5 {
        f *= 2.0;
        e -= 1;
    }
    let mut m0 = (f * 2f64.powi(31)).round() as i64;
    if m0 == 1 << 31 {
        m0 /= 2;
        e += 1;
    }
    // m = m0 · 2^(e − 31).
    let n = 31 - e;
    if n > 63 {
        return (0, 1);
    }
    // A multiplier of 2³⁰ or more never occurs for scales from real data; saturate it.
    let n = n.max(1);
    (m0 as i32, n as u8)
}

/// `round(acc · m0 / 2ⁿ)`, halves rounded up (towards +∞): one 32×32→64-bit product and a
/// shift (`SMULL` on a Cortex-M3/M4). `n` is at least 1.
#[inline(always)]
pub fn requantize(acc: i32, m0: i32, n: u8) -> i32 {
    if n >= 63 {
        // |acc · m0| < 2⁶², so the quotient lies in (−½, ½).
        return 0;
    }
    let p = i64::from(acc) * i64::from(m0) + (1i64 << (n - 1));
    // |p| < 2⁶² and n ≥ 1: the quotient fits an i32.
    (p >> n) as i32
}

/// How a quantized layer turns its requantized accumulator into its int8 output.
// The table is inline on purpose: no heap, and a `const` network keeps it in flash.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QActivation {
    /// `identity` or `relu`, fused: `clamp(v + zero_point, min, 127)`, with `min` the output's
    /// zero point for `relu` (real 0) and −128 otherwise.
    Clamp {
        /// The output's zero point.
        zero_point: i32,
        /// The lowest output.
        min: i8,
    },
    /// Any other element-wise activation: `v + zero_point` is the pre-activation `z` in int8
    /// (its own scale), and `table[z + 128]` the output.
    Lut {
        /// The pre-activation's zero point.
        zero_point: i32,
        /// The activation of each of the 256 int8 pre-activations, quantized to the output.
        table: [i8; 256],
    },
}

/// A dense layer in int8: `IN` inputs, `OUT` outputs. Built by [`quantize`](Self::quantize);
/// its fields are public so that a quantized network can be written as a `const`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QDense<const IN: usize, const OUT: usize> {
    /// Weights, `OUT` rows of `IN`: `round(W[j][i] / s_w[j])`, in −127..=127.
    pub weight: [[i8; IN]; OUT],
    /// Biases at scale `s_in · s_w[j]`: `round(b[j] / (s_in · s_w[j]))`.
    pub bias: [i32; OUT],
    /// `bias[j] − zp_in · Σᵢ weight[j][i]`: the input's zero point folded in, so that the
    /// forward pass sums `w · x` only.
    pub folded_bias: [i32; OUT],
    /// Per row, the fixed-point multiplier `m0` of `s_in · s_w[j] / s_target`.
    pub multiplier: [i32; OUT],
    /// Per row, its shift `n`.
    pub shift: [u8; OUT],
    /// The input's quantization.
    pub input: QParams,
    /// The output's quantization (the logits' for a `softmax` layer).
    pub output: QParams,
    /// The activation, fused or as a table.
    pub activation: QActivation,
}

impl<const IN: usize, const OUT: usize> QDense<IN, OUT> {
    // Accumulators stay within i32 without a check: |folded bias| ≤ 2³⁰ + IN·127·128 and
    // |Σ w·x| ≤ IN·127·128.
    const FITS: () = assert!(IN <= 16384, "QDense: at most 16384 inputs");

    /// Quantizes `layer`, whose input is quantized by `input` and whose pre-activation `z`
    /// and output `a` took the ranges `z` and `a` over the calibration set.
    pub fn quantize<T: Float, A: Activation>(
        layer: &Dense<T, IN, OUT, A>,
        input: QParams,
        z: Range,
        a: Range,
    ) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        let name = layer.activation.name();
        let (output, target, activation) = match name {
            "relu" | "identity" | "softmax" => {
                // `identity` and `softmax` return z (the logits); `relu` its positive part.
                let out = QParams::from_range(if name == "relu" { a } else { z });
                let min = if name == "relu" {
                    out.zero_point as i8
                } else {
                    -128
                };
                let act = QActivation::Clamp {
                    zero_point: out.zero_point,
                    min,
                };
                (out, out, act)
            }
            _ => {
                let (zq, out) = (QParams::from_range(z), QParams::from_range(a));
                let mut table = [0i8; 256];
                for (i, t) in table.iter_mut().enumerate() {
                    let zv = f64::from(zq.dequantize((i as i32 - 128) as i8));
                    let mut av = [0.0f64];
                    layer.activation.forward(&[zv], &mut av);
                    *t = out.quantize(av[0] as f32);
                }
                let act = QActivation::Lut {
                    zero_point: zq.zero_point,
                    table,
                };
                (out, zq, act)
            }
        };
        let mut q = QDense {
            weight: [[0; IN]; OUT],
            bias: [0; OUT],
            folded_bias: [0; OUT],
            multiplier: [0; OUT],
            shift: [1; OUT],
            input,
            output,
            activation,
        };
        let s_in = f64::from(input.scale);
        for j in 0..OUT {
            let row = &layer.weight[j];
            let max = row.iter().fold(0.0f64, |m, w| m.max(w.as_f64().abs()));
            let s_w = if max > 0.0 { max / 127.0 } else { 1.0 };
            let mut sum = 0i64;
            for (qw, w) in q.weight[j].iter_mut().zip(row) {
                *qw = (w.as_f64() / s_w).round().clamp(-127.0, 127.0) as i8;
                sum += i64::from(*qw);
            }
            let limit = f64::from(1u32 << 30);
            let b = (layer.bias[j].as_f64() / (s_in * s_w))
                .round()
                .clamp(-limit, limit) as i32;
            q.bias[j] = b;
            q.folded_bias[j] = (i64::from(b) - i64::from(input.zero_point) * sum) as i32;
            let (m0, n) = quantize_multiplier(s_in * s_w / f64::from(target.scale));
            q.multiplier[j] = m0;
            q.shift[j] = n;
        }
        q
    }

    /// The layer's int8 output for int8 input `x` (quantized by [`input`](Self::input)).
    #[inline]
    pub fn forward(&self, x: &[i8; IN]) -> [i8; OUT] {
        let mut out = [0i8; OUT];
        for (j, o) in out.iter_mut().enumerate() {
            let acc = self.folded_bias[j] + crate::kernels::int8::dot_i8(&self.weight[j], x);
            *o = self.activate(j, acc);
        }
        out
    }

    /// Output `j` from its accumulator: requantized, then the fused clamp or the table.
    #[inline(always)]
    pub fn activate(&self, j: usize, acc: i32) -> i8 {
        let v = requantize(acc, self.multiplier[j], self.shift[j]);
        match &self.activation {
            QActivation::Clamp { zero_point, min } => {
                v.saturating_add(*zero_point).clamp(i32::from(*min), 127) as i8
            }
            QActivation::Lut { zero_point, table } => {
                let z = v.saturating_add(*zero_point).clamp(-128, 127);
                table[(z + 128) as usize]
            }
        }
    }
}

/// Writes `values` as a Rust array literal, `per_line` on a line.
fn write_array<W: Write, V: fmt::Display>(
    out: &mut W,
    values: &[V],
    per_line: usize,
) -> fmt::Result {
    out.write_char('[')?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.write_str(if i % per_line == 0 { ",\n    " } else { ", " })?;
        }
        write!(out, "{v}")?;
    }
    out.write_char(']')
}

impl QParams {
    /// Writes the value as a Rust expression, the scale as its bits (so it is the same value).
    pub fn write_rust<W: Write>(&self, out: &mut W) -> fmt::Result {
        write!(
            out,
            "::network::quant::QParams {{ scale: f32::from_bits({:#010x}), zero_point: {} }}",
            self.scale.to_bits(),
            self.zero_point
        )
    }
}

impl<const IN: usize, const OUT: usize> QDense<IN, OUT> {
    /// Writes the layer as a Rust expression (a struct literal, usable in `const` context).
    pub fn write_rust<W: Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("::network::quant::QDense {\n    weight: [")?;
        for row in &self.weight {
            out.write_str("\n    ")?;
            write_array(out, row, 16)?;
            out.write_char(',')?;
        }
        out.write_str("],\n    bias: ")?;
        write_array(out, &self.bias, 8)?;
        out.write_str(",\n    folded_bias: ")?;
        write_array(out, &self.folded_bias, 8)?;
        out.write_str(",\n    multiplier: ")?;
        write_array(out, &self.multiplier, 8)?;
        out.write_str(",\n    shift: ")?;
        write_array(out, &self.shift, 16)?;
        out.write_str(",\n    input: ")?;
        self.input.write_rust(out)?;
        out.write_str(",\n    output: ")?;
        self.output.write_rust(out)?;
        out.write_str(",\n    activation: ")?;
        match &self.activation {
            QActivation::Clamp { zero_point, min } => write!(
                out,
                "::network::quant::QActivation::Clamp {{ zero_point: {zero_point}, min: {min} }}"
            )?,
            QActivation::Lut { zero_point, table } => {
                write!(
                    out,
                    "::network::quant::QActivation::Lut {{ zero_point: {zero_point}, table: "
                )?;
                write_array(out, table, 16)?;
                out.write_str(" }")?;
            }
        }
        out.write_str(",\n}")
    }
}

/// The index of the largest value (the first of equal ones): the class of int8 logits or
/// probabilities, in integer arithmetic.
pub fn argmax_i8(q: &[i8]) -> usize {
    let mut best = 0;
    for (i, &v) in q.iter().enumerate() {
        if v > q[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_are_31_bit_fixed_point() {
        for m in [0.3, 0.5, 0.999_999_9, 1.0, 3.7, 1e-6] {
            let (m0, n) = quantize_multiplier(m);
            assert!((1 << 30..=i32::MAX).contains(&m0), "{m}: {m0}");
            let back = f64::from(m0) / 2f64.powi(i32::from(n));
            assert!((back / m - 1.0).abs() < 1e-9, "{m}: {back}");
        }
        assert_eq!(quantize_multiplier(0.0), (0, 1));
        // Below 2⁻³² every product rounds to 0.
        assert_eq!(quantize_multiplier(1e-12), (0, 1));
    }

    #[test]
    fn requantize_rounds_halves_up() {
        // m0 / 2ⁿ = 2³⁰ / 2³¹ = ½.
        let half = (1 << 30, 31);
        assert_eq!(requantize(3, half.0, half.1), 2); // 1.5
        assert_eq!(requantize(-3, half.0, half.1), -1); // −1.5
        assert_eq!(requantize(-1, half.0, half.1), 0); // −0.5
        assert_eq!(requantize(4, half.0, half.1), 2);
        assert_eq!(requantize(i32::MAX, i32::MAX, 62), 1); // (2³¹−1)²/2⁶² ≈ 1
    }

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax_i8(&[-3, 7, 7, 2]), 1);
        assert_eq!(argmax_i8(&[-128]), 0);
    }

    #[test]
    fn zero_is_exact_and_ranges_map_onto_int8() {
        let p = QParams::from_range(Range {
            min: -1.0,
            max: 3.0,
        });
        assert_eq!(p.dequantize(p.quantize(0.0)), 0.0);
        assert_eq!(p.quantize(-1.0), -128);
        assert_eq!(p.quantize(3.0), 127);
        assert_eq!(p.quantize(100.0), 127);
        // A range of positive values still contains 0.
        let r = QParams::from_range(Range { min: 2.0, max: 4.0 });
        assert_eq!(r.zero_point, -128);
    }
}
