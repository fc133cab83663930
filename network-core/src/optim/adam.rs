//! Adam and AdamW.

use super::{LearningRate, Optimizer};
use crate::network::Trainable;
use crate::network::params::Parameters;
use crate::scalar::Float;
#[cfg(feature = "std")]
use crate::scalar::zero_bits::zeroed_box;
use crate::scalar::zero_bits::{ZeroBits, is_zero_bits};
#[cfg(feature = "std")]
use std::boxed::Box;

/// Adam (Kingma & Ba, 2015), `torch.optim.Adam` step for step (without `amsgrad`).
///
/// Each step `t = 1, 2, ...`, for weights and biases alike (`g = ∂L/∂p`):
///
/// ```text
/// g ← g + λ·p                              (L2 weight decay, if λ ≠ 0)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// The moments `m` and `v` live in `G`, the network's gradient type, zeroed until the first
/// step; `G` is inferred from the network the optimizer is used with. Defaults are PyTorch's:
/// `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`, `λ = 0`. For decoupled weight decay use [`AdamW`].
///
/// ```
/// use network_core::{Adam, LearningRate};
/// // `G`, the moment type, is normally inferred from the network the optimizer trains.
/// let adam: Adam<f32, [f32; 3]> = Adam::new(1e-3).betas(0.9, 0.99);
/// assert_eq!(adam.learning_rate(), 1e-3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam<T, G> {
    /// The learning rate.
    pub lr: T,
    /// Decay of the first moment, `β₁`.
    pub beta1: T,
    /// Decay of the second moment, `β₂`.
    pub beta2: T,
    /// Added to the denominator for stability, `ε`.
    pub eps: T,
    /// Weight decay `λ`: L2 (added to the gradient) in [`Adam`], decoupled in [`AdamW`].
    pub weight_decay: T,
    t: u32,
    m: G,
    v: G,
}

impl<T: Float, G: Default> Adam<T, G> {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: T) -> Self {
        Adam {
            lr,
            beta1: T::cast(0.9),
            beta2: T::cast(0.999),
            eps: T::cast(1e-8),
            weight_decay: T::zero(),
            t: 0,
            m: G::default(),
            v: G::default(),
        }
    }
}

/// Adam's state on the heap, for networks too large for the stack.
#[cfg(feature = "std")]
impl<T: Float, G: ZeroBits> Adam<T, G> {
    /// [`new`](Adam::new) allocated in place on the heap: the moments `m` and `v` (two values
    /// per parameter) never pass through the stack. Change the settings through the public
    /// fields (`opt.beta1 = 0.95`); the builder methods take the optimizer by value.
    pub fn boxed(lr: T) -> Box<Self> {
        let mut opt = zeroed_box::<Self>();
        opt.set_defaults(lr);
        opt
    }
}

impl<T: Float, G> Adam<T, G> {
    /// PyTorch's defaults, the state left as it is (zero in a new optimizer).
    #[cfg(feature = "std")]
    fn set_defaults(&mut self, lr: T) {
        self.lr = lr;
        self.beta1 = T::cast(0.9);
        self.beta2 = T::cast(0.999);
        self.eps = T::cast(1e-8);
        self.weight_decay = T::zero();
    }

    /// Sets `β₁` and `β₂`.
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Sets `ε`.
    pub fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// Sets the weight decay `λ` (L2: the gradient becomes `g + λ·p`).
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Number of steps taken so far, `t`.
    pub fn steps(&self) -> u32 {
        self.t
    }

    /// The first-moment estimate `m` (before bias correction).
    pub fn first_moment(&self) -> &G {
        &self.m
    }

    /// The second-moment estimate `v` (before bias correction).
    pub fn second_moment(&self) -> &G {
        &self.v
    }

    /// One Adam step; `decoupled` picks AdamW's weight decay.
    fn update<N>(&mut self, net: &mut N, grads: &N::Gradients, decoupled: bool)
    where
        N: Trainable<T, Gradients = G>,
        G: Parameters<T>,
    {
        self.t += 1;
        let t = self.t as i32;
        let (b1, b2, eps, wd, lr) = (self.beta1, self.beta2, self.eps, self.weight_decay, self.lr);
        // As PyTorch, the scalar corrections are worked out in double precision.
        let bc1 = 1.0 - num_traits::Float::powi(b1.as_f64(), t);
        let bc2_sqrt = num_traits::Float::sqrt(1.0 - num_traits::Float::powi(b2.as_f64(), t));
        let step_size = T::cast(lr.as_f64() / bc1);
        let bc2_sqrt = T::cast(bc2_sqrt);
        let decay = T::one() - lr * wd;
        let (one_b1, one_b2) = (T::one() - b1, T::one() - b2);
        for i in 0..N::TENSORS {
            let params = net.tensor_mut(i).iter_mut();
            let moments = self.m.tensor_mut(i).iter_mut().zip(self.v.tensor_mut(i));
            for ((p, &g), (m, v)) in params.zip(grads.tensor(i)).zip(moments) {
                let g = if decoupled {
                    *p *= decay;
                    g
                } else {
                    g + wd * *p
                };
                *m = b1 * *m + one_b1 * g;
                *v = b2 * *v + one_b2 * g * g;
                let denom = v.sqrt() / bc2_sqrt + eps;
                *p -= step_size * (*m / denom);
            }
        }
    }
}

// SAFETY: the settings are `T`, the step count a `u32`, the moments `G`, all `ZeroBits`
// (`check_zero_bits` lists every field).
#[allow(unsafe_code)]
unsafe impl<T: ZeroBits, G: ZeroBits> ZeroBits for Adam<T, G> {}
// SAFETY: an `Adam` and nothing else (`check_zero_bits`).
#[allow(unsafe_code)]
unsafe impl<T: ZeroBits, G: ZeroBits> ZeroBits for AdamW<T, G> {}

/// Fails to compile if a field is added to `Adam` or `AdamW` without being `ZeroBits`.
#[allow(dead_code)]
fn check_zero_bits<T: ZeroBits, G: ZeroBits>(adam: Adam<T, G>, adamw: AdamW<T, G>) {
    let Adam {
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        t,
        m,
        v,
    } = adam;
    for x in [lr, beta1, beta2, eps, weight_decay] {
        is_zero_bits(&x);
    }
    is_zero_bits(&t);
    is_zero_bits(&m);
    is_zero_bits(&v);
    let AdamW { adam } = adamw;
    let _: Adam<T, G> = adam;
}

impl<T: Float, N: Trainable<T>> Optimizer<T, N> for Adam<T, N::Gradients> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        self.update::<N>(net, grads, false);
    }
}

impl<T: Float, G> LearningRate<T> for Adam<T, G> {
    fn learning_rate(&self) -> T {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }
}

/// AdamW (Loshchilov & Hutter, 2019), `torch.optim.AdamW` step for step: Adam with the weight
/// decay taken out of the gradient and applied to the parameters directly,
///
/// ```text
/// p ← p·(1 − lr·λ)
/// ```
///
/// then the [`Adam`] update with the raw gradient. The default `λ` is PyTorch's `0.01`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamW<T, G> {
    adam: Adam<T, G>,
}

impl<T: Float, G: Default> AdamW<T, G> {
    /// AdamW with learning rate `lr`, `λ = 0.01` and Adam's other defaults.
    pub fn new(lr: T) -> Self {
        AdamW {
            adam: Adam::new(lr).weight_decay(T::cast(0.01)),
        }
    }
}

/// AdamW's state on the heap, for networks too large for the stack.
#[cfg(feature = "std")]
impl<T: Float, G: ZeroBits> AdamW<T, G> {
    /// [`new`](AdamW::new) allocated in place on the heap, as [`Adam::boxed`].
    pub fn boxed(lr: T) -> Box<Self> {
        let mut opt = zeroed_box::<Self>();
        opt.adam.set_defaults(lr);
        opt.adam.weight_decay = T::cast(0.01);
        opt
    }
}

impl<T: Float, G> AdamW<T, G> {
    /// Sets `β₁` and `β₂`.
    pub fn betas(self, beta1: T, beta2: T) -> Self {
        AdamW {
            adam: self.adam.betas(beta1, beta2),
        }
    }

    /// Sets `ε`.
    pub fn eps(self, eps: T) -> Self {
        AdamW {
            adam: self.adam.eps(eps),
        }
    }

    /// Sets the decoupled weight decay `λ`.
    pub fn weight_decay(self, weight_decay: T) -> Self {
        AdamW {
            adam: self.adam.weight_decay(weight_decay),
        }
    }

    /// The underlying Adam settings and state (its `weight_decay` is the decoupled one).
    pub fn adam(&self) -> &Adam<T, G> {
        &self.adam
    }
}

impl<T: Float, N: Trainable<T>> Optimizer<T, N> for AdamW<T, N::Gradients> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        self.adam.update::<N>(net, grads, true);
    }
}

impl<T: Float, G> LearningRate<T> for AdamW<T, G> {
    fn learning_rate(&self) -> T {
        self.adam.lr
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.adam.lr = lr;
    }
}
