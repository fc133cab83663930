//! The playground's 2-D data sets: points in `[-1, 1]²` with a 0/1 label, split into a training
//! and a test set.

use network::Rng;

/// Which data set to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Label 1 in the quadrants where `x` and `y` have different signs.
    Xor,
    /// Label 1 inside a disc, 0 on a ring around it.
    Circles,
    /// Two interleaved spiral arms, one per label.
    Spirals,
    /// Two Gaussian blobs, one per label.
    Blobs,
}

impl Kind {
    /// The data set numbered as on the page's menu: 0 xor, 1 circles, 2 spirals, 3 blobs.
    pub fn from_index(i: u32) -> Option<Kind> {
        match i {
            0 => Some(Kind::Xor),
            1 => Some(Kind::Circles),
            2 => Some(Kind::Spirals),
            3 => Some(Kind::Blobs),
            _ => None,
        }
    }
}

/// One labelled point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Coordinates in `[-1, 1]²` (noise may push a point slightly outside).
    pub x: [f32; 2],
    /// 0 or 1.
    pub label: f32,
}

/// A data set split into training and test points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Data {
    /// What the network trains on.
    pub train: Vec<Point>,
    /// Held out: only evaluated.
    pub test: Vec<Point>,
}

impl Data {
    /// `n` points of `kind` with `noise` (0 = none, 0.5 = a lot; a fraction of the square's
    /// half-width), `test_percent` of them held out, all fixed by `seed`.
    pub fn generate(kind: Kind, n: usize, noise: f32, test_percent: u32, seed: u64) -> Data {
        let mut rng = Rng::new(seed);
        let noise = f64::from(noise.clamp(0.0, 1.0));
        let mut points: Vec<Point> = (0..n)
            .map(|i| {
                let (x, label) = match kind {
                    Kind::Xor => xor(&mut rng, noise),
                    Kind::Circles => circles(&mut rng, i % 2, noise),
                    Kind::Spirals => spirals(&mut rng, i, n, noise),
                    Kind::Blobs => blobs(&mut rng, i % 2, noise),
                };
                Point {
                    x: [x[0] as f32, x[1] as f32],
                    label,
                }
            })
            .collect();
        rng.shuffle(&mut points);
        let n_test = n * test_percent.min(90) as usize / 100;
        let train = points.split_off(n_test);
        Data {
            train,
            test: points,
        }
    }
}

/// A standard normal sample (Box–Muller).
fn gaussian(rng: &mut Rng) -> f64 {
    let u = 1.0 - rng.next_f64(); // (0, 1]: ln stays finite
    let v = rng.next_f64();
    (-2.0 * u.ln()).sqrt() * (core::f64::consts::TAU * v).cos()
}

fn jitter(rng: &mut Rng, p: [f64; 2], noise: f64) -> [f64; 2] {
    [
        p[0] + noise * rng.uniform::<f64>(-1.0, 1.0),
        p[1] + noise * rng.uniform::<f64>(-1.0, 1.0),
    ]
}

fn xor(rng: &mut Rng, noise: f64) -> ([f64; 2], f32) {
    // Keep a small gap around the axes so the noise-free set is cleanly separable.
    let coord = |rng: &mut Rng| {
        let v = rng.uniform::<f64>(0.05, 1.0);
        if rng.next_u64() & 1 == 0 { v } else { -v }
    };
    let p = [coord(rng), coord(rng)];
    let label = f32::from(u8::from((p[0] > 0.0) != (p[1] > 0.0)));
    (jitter(rng, p, noise), label)
}

fn circles(rng: &mut Rng, class: usize, noise: f64) -> ([f64; 2], f32) {
    let r = if class == 1 {
        rng.uniform::<f64>(0.0, 0.45)
    } else {
        rng.uniform::<f64>(0.65, 0.95)
    };
    let angle = rng.uniform::<f64>(0.0, core::f64::consts::TAU);
    let p = [r * angle.cos(), r * angle.sin()];
    (jitter(rng, p, noise), class as f32)
}

fn spirals(rng: &mut Rng, i: usize, n: usize, noise: f64) -> ([f64; 2], f32) {
    let class = i % 2;
    // Position along the arm, evenly spaced: 1.5 turns from the centre outwards.
    let t = (i / 2) as f64 / (n / 2).max(1) as f64;
    let r = 0.05 + 0.9 * t;
    let angle = 1.5 * core::f64::consts::TAU * t + class as f64 * core::f64::consts::PI;
    let p = [r * angle.sin(), r * angle.cos()];
    (jitter(rng, p, noise), class as f32)
}

fn blobs(rng: &mut Rng, class: usize, noise: f64) -> ([f64; 2], f32) {
    let centre = if class == 1 { 0.4 } else { -0.4 };
    let sd = 0.15 + 0.5 * noise;
    let p = [centre + sd * gaussian(rng), centre + sd * gaussian(rng)];
    (p, class as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_sizes_and_labels() {
        for kind in [Kind::Xor, Kind::Circles, Kind::Spirals, Kind::Blobs] {
            let d = Data::generate(kind, 200, 0.1, 25, 3);
            assert_eq!((d.train.len(), d.test.len()), (150, 50), "{kind:?}");
            let ones = d
                .train
                .iter()
                .chain(&d.test)
                .filter(|p| p.label == 1.0)
                .count();
            assert!(
                (80..=120).contains(&ones),
                "{kind:?}: {ones} of 200 labelled 1"
            );
            for p in d.train.iter().chain(&d.test) {
                assert!(p.label == 0.0 || p.label == 1.0);
                assert!(p.x.iter().all(|c| c.is_finite() && c.abs() < 2.0), "{p:?}");
            }
        }
    }

    #[test]
    fn seed_fixes_the_data() {
        let a = Data::generate(Kind::Spirals, 100, 0.2, 30, 9);
        assert_eq!(a, Data::generate(Kind::Spirals, 100, 0.2, 30, 9));
        assert_ne!(a, Data::generate(Kind::Spirals, 100, 0.2, 30, 10));
    }

    #[test]
    fn noise_free_xor_and_circles_follow_their_rule() {
        let d = Data::generate(Kind::Xor, 100, 0.0, 0, 1);
        for p in &d.train {
            assert_eq!(p.label == 1.0, p.x[0] * p.x[1] < 0.0, "{p:?}");
        }
        let d = Data::generate(Kind::Circles, 100, 0.0, 0, 1);
        for p in &d.train {
            let r = (p.x[0] * p.x[0] + p.x[1] * p.x[1]).sqrt();
            assert_eq!(p.label == 1.0, r < 0.5, "{p:?}");
        }
    }
}
