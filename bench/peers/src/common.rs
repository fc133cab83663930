//! Shared workload definitions, seeded RNG, initial weights and synthetic data.

/// SplitMix64 -> f32 uniform in [0,1). Deterministic, dependency-free.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Tanh,
    Sigmoid,
    Relu,
    /// softmax output trained with cross-entropy (-sum y ln softmax(z)); forward returns softmax
    SoftmaxCe,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    Xor,
    Iris,
    Mnist,
}

impl Net {
    pub fn sizes(self) -> &'static [usize] {
        match self {
            Net::Xor => &[2, 8, 1],
            Net::Iris => &[4, 32, 32, 3],
            Net::Mnist => &[784, 128, 10],
        }
    }
    /// activation after each layer
    pub fn acts(self) -> &'static [Act] {
        match self {
            Net::Xor => &[Act::Tanh, Act::Sigmoid],
            Net::Iris => &[Act::Relu, Act::Relu, Act::SoftmaxCe],
            Net::Mnist => &[Act::Relu, Act::SoftmaxCe],
        }
    }
    pub fn lr(self) -> f32 {
        match self {
            Net::Xor => 0.5,
            Net::Iris => 0.05,
            Net::Mnist => 0.01,
        }
    }
    pub fn n_in(self) -> usize {
        self.sizes()[0]
    }
    pub fn n_out(self) -> usize {
        *self.sizes().last().unwrap()
    }
    pub fn n_params(self) -> usize {
        self.sizes().windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }
    pub fn name(self) -> &'static str {
        match self {
            Net::Xor => "xor",
            Net::Iris => "iris",
            Net::Mnist => "mnist",
        }
    }
}

/// Flat parameters in PyTorch nn.Linear layout, layer by layer: weight [out][in] row-major, then bias [out].
/// Weights and biases uniform in +-sqrt(6/(in+out)).
pub fn init_params(net: Net, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    let mut p = Vec::with_capacity(net.n_params());
    for w in net.sizes().windows(2) {
        let (i, o) = (w[0], w[1]);
        let a = (6.0f32 / (i + o) as f32).sqrt();
        for _ in 0..(i * o + o) {
            p.push(rng.range(-a, a));
        }
    }
    p
}

/// A data set: inputs [n][n_in], one-hot (or real for xor) targets [n][n_out].
pub struct Data {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub n: usize,
    pub n_in: usize,
    pub n_out: usize,
}
impl Data {
    pub fn x(&self, i: usize) -> &[f32] {
        &self.x[i * self.n_in..(i + 1) * self.n_in]
    }
    pub fn y(&self, i: usize) -> &[f32] {
        &self.y[i * self.n_out..(i + 1) * self.n_out]
    }
    /// `b` consecutive samples starting at i (wrapping is the caller's business)
    pub fn xb(&self, i: usize, b: usize) -> &[f32] {
        &self.x[i * self.n_in..(i + b) * self.n_in]
    }
    pub fn yb(&self, i: usize, b: usize) -> &[f32] {
        &self.y[i * self.n_out..(i + b) * self.n_out]
    }
}

pub fn data(net: Net, seed: u64) -> Data {
    let mut rng = Rng(seed);
    match net {
        Net::Xor => Data {
            x: vec![0., 0., 0., 1., 1., 0., 1., 1.],
            y: vec![0., 1., 1., 0.],
            n: 4,
            n_in: 2,
            n_out: 1,
        },
        // synthetic iris-like: 150 samples, 3 classes, 4 features around class means
        Net::Iris => {
            let means = [[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]];
            let n = 150;
            let (mut x, mut y) = (vec![], vec![]);
            for s in 0..n {
                let c = s % 3;
                for f in 0..4 {
                    x.push(means[c][f] + rng.range(-0.5, 0.5));
                }
                for k in 0..3 {
                    y.push(if k == c { 1.0 } else { 0.0 });
                }
            }
            Data { x, y, n, n_in: 4, n_out: 3 }
        }
        // synthetic mnist-like: 256 samples of 784 pixels in [0,1], class template + noise
        Net::Mnist => {
            let n = 256;
            let templates: Vec<Vec<f32>> = (0..10)
                .map(|_| (0..784).map(|_| if rng.uniform() < 0.2 { 1.0 } else { 0.0 }).collect())
                .collect();
            let (mut x, mut y) = (vec![], vec![]);
            for _ in 0..n {
                let c = rng.below(10);
                for p in 0..784 {
                    let v = templates[c][p] * 0.7 + rng.range(0.0, 0.3);
                    x.push(v);
                }
                for k in 0..10 {
                    y.push(if k == c { 1.0 } else { 0.0 });
                }
            }
            Data { x, y, n, n_in: 784, n_out: 10 }
        }
    }
}

/// The interface each implementation (network, dfdx, burn) provides for one network.
pub trait Trainer {
    /// One SGD step on one sample (forward, backward, update). Returns the loss before the update.
    fn step(&mut self, x: &[f32], y: &[f32]) -> f32;
    /// One SGD step on a mini-batch of `b` samples (gradient = batch mean). Returns mean loss.
    fn step_batch(&mut self, x: &[f32], y: &[f32], b: usize) -> f32;
    /// Forward only, one sample; writes the network output (after the output activation).
    fn forward(&mut self, x: &[f32], out: &mut [f32]);
    /// Current parameters, flat, PyTorch layout.
    fn params(&self) -> Vec<f32>;
}
