//! Fast `f32` transcendentals for activations: `exp` (softmax, sigmoid) and `tanh`.
//!
//! Written branch-free in plain arithmetic (a polynomial after Cody–Waite range reduction,
//! scaling by building the power of two from its bits), so the compiler vectorises them over
//! a layer, and they don't call into libm. Accuracy, measured over every `f32` bit pattern by
//! `cargo run --release --example activation_accuracy` against `f64` references rounded to
//! `f32`, is documented in the README; both stay within a few ulps.
//! [`Float`](crate::Float) uses them for `f32` activations; `f64` keeps libm.

/// `eˣ` for `f32`: finite inputs give results within a few ulps (0 below −104, ∞ above
/// 88.73); NaN stays NaN.
#[inline]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    // ln 2 split so that n·LN2_HI is exact for |n| ≤ 256 (LN2_HI has 9 significant bits).
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5·2²³: adding and subtracting it rounds to the nearest integer (|x·log₂e| < 2²²).
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-104.0, 88.8);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    // The integer n sits in t's low mantissa bits: read it with integer arithmetic (a float to
    // int cast saturates, which keeps the compiler from vectorising).
    let ni = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Cephes' minimax polynomial for e^r on [−ln2/2, ln2/2], in pairs of terms joined by
    // powers of r² (Estrin's scheme): 4 dependent steps after r² instead of Horner's 10.
    let r2 = r * r;
    let p = ((1.987_569_1e-4 * r + 1.398_2e-3) * r2 + (8.333_452e-3 * r + 4.166_579_6e-2)) * r2
        + (1.666_666_5e-1 * r + 5e-1);
    let y = p * r2 + r + 1.0;
    // 2ⁿ for n in [−150, 128] as two normal factors, so subnormal and overflowing results
    // come out right.
    let n1 = ni >> 1;
    let n2 = ni.wrapping_sub(n1);
    let s1 = f32::from_bits((n1.wrapping_add(127) as u32) << 23);
    let s2 = f32::from_bits((n2.wrapping_add(127) as u32) << 23);
    y * s1 * s2
}

/// `tanh x` for `f32`, within a few ulps; NaN stays NaN.
#[inline]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    // Near 0: Cephes' odd minimax polynomial, no cancellation.
    let z = x * x;
    let small =
        ((((-5.704_988_7e-3 * z + 2.063_909e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328e-1)
            * z
            * a
            + a;
    // Elsewhere 1 − 2/(e^{2|x|} + 1) ≥ 0.55, where the subtraction loses little.
    let big = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    // tanh is odd: work on |x|, then give the result x's sign (also for ±0).
    (if a < 0.625 { small } else { big }).copysign(x)
}

/// The logistic function `1/(1 + e^(−x))` for `f32`, without overflow for any `x`.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    let e = exp(-x.abs());
    // Pick the numerator, then divide once (a select, not a branch, over a layer).
    let num = if x >= 0.0 { 1.0 } else { e };
    num / (1.0 + e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place, counting across zero.
    fn ulps(a: f32, b: f32) -> u32 {
        let key = |v: f32| {
            let i = v.to_bits() as i32;
            if i < 0 { i32::MIN - i } else { i }
        };
        (key(a) as i64 - key(b) as i64).unsigned_abs() as u32
    }

    /// The worst ulp error of `f` against an `f64` reference on a stride through all bit
    /// patterns (the exhaustive sweep is the `activation_accuracy` example).
    fn worst(f: fn(f32) -> f32, reference: fn(f64) -> f64) -> u32 {
        let mut worst = 0;
        for bits in (0..=u32::MAX).step_by(9973) {
            let x = f32::from_bits(bits);
            let want = reference(x as f64) as f32;
            let got = f(x);
            if want.is_nan() {
                assert!(got.is_nan(), "{x}: {got}, want NaN");
                continue;
            }
            let e = ulps(got, want);
            assert!(e <= 8, "{x:e}: {got:e}, want {want:e} ({e} ulps)");
            worst = worst.max(e);
        }
        worst
    }

    #[test]
    fn exp_is_within_a_few_ulps() {
        assert!(worst(exp, f64::exp) <= 3);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(89.0), f32::INFINITY);
        assert!(exp(-100.0) > 0.0, "subnormal results survive");
    }

    #[test]
    fn tanh_is_within_a_few_ulps() {
        assert!(worst(tanh, f64::tanh) <= 4);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(-20.0), -1.0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn sigmoid_is_within_a_few_ulps() {
        assert!(worst(sigmoid, |x| 1.0 / (1.0 + (-x).exp())) <= 4);
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(200.0), 1.0);
    }
}
