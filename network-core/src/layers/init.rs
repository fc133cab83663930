//! Deterministic initialisation: a small seeded generator and the Glorot and He schemes.

use crate::scalar::Float;

/// How a layer's weights are drawn. Biases always start at zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Glorot/Xavier uniform: `U(−b, b)` with `b = √(6 / (fan_in + fan_out))`. Keeps the variance
    /// of activations and gradients level through `sigmoid`, `tanh`, `identity` and `softmax`.
    GlorotUniform,
    /// He/Kaiming uniform: `U(−b, b)` with `b = gain · √(3 / fan_in)` and
    /// `gain = √(2 / (1 + slope²))`, PyTorch's `kaiming_uniform_`. For `relu` (`slope = 0`) and
    /// `leaky_relu`, which zero or shrink half their inputs.
    HeUniform {
        /// The slope of the activation for negative inputs (0 for `relu`).
        negative_slope: f64,
    },
}

impl Init {
    /// The half-width `b` of the uniform distribution for a layer with these fans.
    pub fn bound(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::GlorotUniform => libm_sqrt(6.0 / (fan_in + fan_out) as f64),
            Init::HeUniform { negative_slope } => {
                let gain = libm_sqrt(2.0 / (1.0 + negative_slope * negative_slope));
                gain * libm_sqrt(3.0 / fan_in as f64)
            }
        }
    }
}

fn libm_sqrt(x: f64) -> f64 {
    num_traits::Float::sqrt(x)
}

/// A small, fast, seeded pseudo-random generator (xoshiro256++, seeded through SplitMix64).
///
/// Not for cryptography. The same seed gives the same sequence on every platform, so
/// `seeded(seed)` networks and seeded shuffles are reproducible bit for bit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        // SplitMix64 spreads any seed, even 0, over the 256-bit state.
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform value in `[lo, hi)`.
    pub fn uniform<T: Float>(&mut self, lo: f64, hi: f64) -> T {
        T::cast(lo + (hi - lo) * self.next_f64())
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below needs a non-empty range");
        let n = n as u64;
        // Lemire's multiply-shift with rejection of the biased low zone.
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<X>(&mut self, items: &mut [X]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b, mut c) = (Rng::new(7), Rng::new(7), Rng::new(8));
        let xs: [u64; 8] = core::array::from_fn(|_| a.next_u64());
        let ys: [u64; 8] = core::array::from_fn(|_| b.next_u64());
        let zs: [u64; 8] = core::array::from_fn(|_| c.next_u64());
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn uniform_stays_in_range_and_spreads() {
        let mut r = Rng::new(1);
        let (mut lo, mut hi, mut sum) = (f64::MAX, f64::MIN, 0.0);
        for _ in 0..10_000 {
            let v: f64 = r.uniform(-2.0, 3.0);
            assert!((-2.0..3.0).contains(&v));
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v;
        }
        assert!(lo < -1.99 && hi > 2.99, "range [{lo}, {hi}]");
        assert!(
            (sum / 10_000.0 - 0.5).abs() < 0.05,
            "mean {}",
            sum / 10_000.0
        );
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut r = Rng::new(3);
        let mut seen = [0u32; 5];
        for _ in 0..5_000 {
            seen[r.below(5)] += 1;
        }
        assert!(seen.iter().all(|&c| (850..1150).contains(&c)), "{seen:?}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(5);
        let mut v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        r.shuffle(&mut v);
        assert_ne!(v, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let mut sorted = v;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn bounds() {
        assert!((Init::GlorotUniform.bound(2, 8) - 0.6f64.sqrt()).abs() < 1e-15);
        let he = Init::HeUniform {
            negative_slope: 0.0,
        }
        .bound(6, 1);
        assert!((he - 1.0).abs() < 1e-15, "{he}");
        let leaky = Init::HeUniform {
            negative_slope: 1.0,
        }
        .bound(3, 1);
        assert!((leaky - 1.0).abs() < 1e-15, "{leaky}");
    }
}
