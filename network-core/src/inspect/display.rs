//! Human-readable printing of gradients, without `std` or a heap.
//!
//! The `network!` macro implements [`Display`](core::fmt::Display) for each generated gradient
//! type by calling [`fmt_gradients`], so `println!("{grads}")` prints a table with one row per
//! layer: a summary of `∂L/∂W` (shape, smallest, largest and mean magnitude, L2 norm) and the
//! full vector `∂L/∂b`, which is each neuron's `δ = ∂L/∂z` summed over the samples seen.

use core::fmt;

use crate::network::params::Parameters;
use crate::scalar::Float;

/// Writes `grads` as a per-layer table: for each layer (tensors `2k` and `2k + 1` in
/// [`Parameters`] order), the shape of `∂L/∂W`, the minimum, maximum and mean of `|∂L/∂W|`
/// and its L2 norm, then every element of `∂L/∂b`.
///
/// Numbers are in scientific notation with 4 decimals, or as many as the formatter's
/// precision asks (`{:.6}`).
///
/// ```text
/// layer   ∂L/∂W  shape    min |·|     max |·|    mean |·|        ‖·‖₂  ∂L/∂b
/// l1               2×2  4.3857e-4   9.9537e-4   7.1697e-4   7.6088e-4  [+8.7714e-3, +9.9543e-3]
/// ```
pub fn fmt_gradients<T: Float, G: Parameters<T>>(
    grads: &G,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let p = f.precision().unwrap_or(4);
    let w = p + 7;
    writeln!(
        f,
        "{:<7} {:>w$}  {:>w$}  {:>w$}  {:>w$}  {:>w$}  ∂L/∂b",
        "layer", "∂L/∂W  shape", "min |·|", "max |·|", "mean |·|", "‖·‖₂",
    )?;
    for k in 0..G::TENSORS / 2 {
        let (wi, bi) = (2 * k, 2 * k + 1);
        let name = G::tensor_name(wi);
        let layer = name.split('.').next().unwrap_or(name);
        let s = Summary::of(grads.tensor(wi));
        write!(
            f,
            "{:<7} {:>w$}  {:>w$.p$e}  {:>w$.p$e}  {:>w$.p$e}  {:>w$.p$e}  [",
            layer,
            Shape(G::tensor_shape(wi)).to_padded(),
            s.min,
            s.max,
            s.mean,
            s.norm,
        )?;
        for (j, b) in grads.tensor(bi).iter().enumerate() {
            if j > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{:+.p$e}", b.as_f64())?;
        }
        f.write_str("]\n")?;
    }
    Ok(())
}

/// Magnitude statistics of one tensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Smallest `|x|` (0 for an empty tensor).
    pub min: f64,
    /// Largest `|x|`.
    pub max: f64,
    /// Mean of `|x|`.
    pub mean: f64,
    /// `√Σ x²`.
    pub norm: f64,
}

impl Summary {
    /// The statistics of `values`, computed in `f64`.
    pub fn of<T: Float>(values: &[T]) -> Self {
        if values.is_empty() {
            return Summary {
                min: 0.0,
                max: 0.0,
                mean: 0.0,
                norm: 0.0,
            };
        }
        let (mut min, mut max, mut sum, mut sq) = (f64::INFINITY, 0.0f64, 0.0, 0.0);
        for v in values {
            let a = v.as_f64().abs();
            min = min.min(a);
            max = max.max(a);
            sum += a;
            sq += a * a;
        }
        Summary {
            min,
            max,
            mean: sum / values.len() as f64,
            norm: num_traits::Float::sqrt(sq),
        }
    }
}

/// A shape as `2×3` or `3`.
pub(crate) struct Shape(pub(crate) &'static [usize]);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, d) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str("×")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Formats a short value into a stack buffer so that it can be padded with `{:<w}`: the
/// formatter's width applies to one `str`, not to a `Display` that writes in pieces.
pub(crate) trait ToPadded: fmt::Display {
    fn to_padded(&self) -> Padded {
        let mut buf = Padded {
            bytes: [0; 32],
            len: 0,
        };
        // A value too long for the buffer is cut short rather than failing the whole table;
        // shapes and indices are far shorter.
        let _ = fmt::write(&mut buf, format_args!("{self}"));
        buf
    }
}

impl<D: fmt::Display> ToPadded for D {}

/// A short string in a stack buffer.
pub(crate) struct Padded {
    bytes: [u8; 32],
    len: usize,
}

impl Padded {
    fn as_str(&self) -> &str {
        // Only whole `char`s are ever written (see `write_str`), so this never fails.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for Padded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let n = c.len_utf8();
            if self.len + n > self.bytes.len() {
                return Err(fmt::Error);
            }
            c.encode_utf8(&mut self.bytes[self.len..]);
            self.len += n;
        }
        Ok(())
    }
}

impl fmt::Display for Padded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn summary_of_magnitudes() {
        let s = Summary::of(&[3.0f64, -4.0, 0.0, 1.0]);
        assert_eq!(
            s,
            Summary {
                min: 0.0,
                max: 4.0,
                mean: 2.0,
                norm: 26.0f64.sqrt()
            }
        );
        assert_eq!(Summary::of::<f32>(&[]).max, 0.0);
    }

    #[test]
    fn padded_pads_by_chars_and_truncates_long_values() {
        let mut out = Padded {
            bytes: [0; 32],
            len: 0,
        };
        write!(
            out,
            "{:<6}|{:>4}",
            Shape(&[2, 3]).to_padded(),
            Shape(&[7]).to_padded()
        )
        .unwrap();
        assert_eq!(out.as_str(), "2×3   |   7");
        // 40 characters, more than a `Padded` holds: cut to 32, not an error.
        let long = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_padded();
        assert_eq!(long.as_str().len(), 32);
    }
}
