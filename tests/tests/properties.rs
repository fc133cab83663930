//! Property tests over random architectures, parameters and inputs.
//!
//! Shapes are compile-time, so "random architectures" are a fixed set of declared networks
//! spanning 1 to 5 layers, widths 1 to 64 and every activation; proptest randomises their
//! parameters, inputs and targets. For each: backpropagation matches central finite
//! differences, a model file round-trips exactly, `read_params(write_params(x)) == x`, and the
//! serde and safetensors round trips are exact. Case counts are bounded and the seed is fixed,
//! so CI stays fast and deterministic (set `PROPTEST_CASES` to run more).

use network::Vector;
use network::prelude::*;
use network_core::safetensors::{from_safetensors, to_safetensors};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

network! {
    /// One layer, the smallest widths.
    pub struct N1 < dense(1 -> 1, identity) >
}
network! {
    /// One layer, the widest input.
    pub struct N2 < dense(64 -> 3, tanh) >
}
network! {
    /// Two layers through the widest hidden layer.
    pub struct N3 < dense(5 -> 64, sigmoid), dense(64 -> 2, identity) >
}
network! {
    /// Three layers ending in softmax.
    pub struct N4 < dense(7 -> 9, relu), dense(9 -> 4, leaky_relu(0.3)), dense(4 -> 3, softmax) >
}
network! {
    /// Four layers, odd widths.
    pub struct N5 <
        dense(3 -> 17, leaky_relu),
        dense(17 -> 33, tanh),
        dense(33 -> 8, sigmoid),
        dense(8 -> 1, sigmoid)
    >
}
network! {
    /// Five layers, the foundation's activations.
    pub struct N6 <
        dense(12 -> 40, tanh),
        dense(40 -> 64, relu),
        dense(64 -> 31, leaky_relu(0.05)),
        dense(31 -> 6, identity),
        dense(6 -> 4, softmax)
    >
}
network! {
    /// Five layers of width one.
    pub struct N7 <
        dense(1 -> 1, sigmoid),
        dense(1 -> 1, tanh),
        dense(1 -> 1, leaky_relu(0.5)),
        dense(1 -> 1, relu),
        dense(1 -> 1, identity)
    >
}
network! {
    /// The training toolkit's activations, five layers.
    pub struct N9 <
        dense(6 -> 24, gelu),
        dense(24 -> 16, gelu_tanh),
        dense(16 -> 12, softplus),
        dense(12 -> 8, elu(0.5)),
        dense(8 -> 3, silu)
    >
}
network! {
    /// `elu` with its default α, into softmax.
    pub struct N10 < dense(2 -> 40, elu), dense(40 -> 7, softmax) >
}
network! {
    /// Wide to one, then back out to softmax.
    pub struct N8 < dense(64 -> 1, tanh), dense(1 -> 64, identity), dense(64 -> 5, softmax) >
}

fn config() -> Config {
    Config {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x006e_6574_776f_726b),
        failure_persistence: None,
        ..Config::default()
    }
}

fn set<N: Network<f64>>(flat: &[f64]) -> N {
    let mut net = N::zeroed();
    net.read_params(flat).unwrap();
    net
}

fn flat<T: Float, N: Parameters<T>>(net: &N) -> Vec<T> {
    let mut v = vec![T::zero(); N::PARAMS];
    net.write_params(&mut v).unwrap();
    v
}

/// Backprop's gradient against central differences `(L(p+h) − L(p−h)) / 2h`, for the
/// parameters at `picks` (indices modulo PARAMS), in f64.
fn gradient_matches<N: Network<f64>>(params: &[f64], x: &[f64], y: &[f64], picks: &[usize])
where
    Mse: Loss<f64, N::OutputActivation>,
{
    let net: N = set(params);
    let mut xi = N::Input::zeroed();
    xi.as_mut().copy_from_slice(x);
    let mut yi = N::Output::zeroed();
    yi.as_mut().copy_from_slice(y);
    let (_, grads) = net.backprop(&xi, &yi, &Mse);
    let g = flat(&grads);
    let h = 1e-6;
    for &pick in picks {
        let i = pick % N::PARAMS;
        let mut p = params.to_vec();
        p[i] += h;
        let up = set::<N>(&p).loss(&xi, &yi, &Mse);
        p[i] -= 2.0 * h;
        let down = set::<N>(&p).loss(&xi, &yi, &Mse);
        let numeric = (up - down) / (2.0 * h);
        let tol = 1e-6 * (1.0 + numeric.abs().max(g[i].abs()));
        assert!(
            (numeric - g[i]).abs() <= tol,
            "parameter {i}: backprop {} vs finite difference {numeric}",
            g[i]
        );
    }
}

/// Model file, safetensors and serde: each round trip gives back the same bits.
fn round_trips<N>(params: &[f64])
where
    N: Network<f64> + serde::Serialize + serde::de::DeserializeOwned,
{
    let net: N = set(params);
    let mut buf = vec![0u8; network::model::encoded_len::<f64, N>()];
    network::model::to_bytes(&net, &mut buf).unwrap();
    let mut back = N::zeroed();
    network::model::from_bytes(&mut back, &buf).unwrap();
    assert_eq!(flat(&back), params);

    let mut back = N::zeroed();
    from_safetensors(&mut back, &to_safetensors(&net).unwrap()).unwrap();
    assert_eq!(flat(&back), params);

    let back: N = serde_json::from_str(&serde_json::to_string(&net).unwrap()).unwrap();
    assert_eq!(flat(&back), params);
}

/// `read_params` then `write_params` is the identity, bit for bit (f32 too).
fn params_identity<N: Network<f32>>(params: &[f64]) {
    let x: Vec<f32> = params.iter().map(|&p| p as f32).collect();
    let mut net = N::zeroed();
    net.read_params(&x).unwrap();
    assert_eq!(flat(&net), x);
}

macro_rules! properties {
    ($($name:ident: $net:ident,)*) => {$(
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn backprop_matches_finite_differences(
                    params in prop::collection::vec(-1.0f64..1.0, $net::<f64>::PARAMS),
                    x in prop::collection::vec(-2.0f64..2.0, $net::<f64>::INPUTS),
                    y in prop::collection::vec(0.0f64..1.0, $net::<f64>::OUTPUTS),
                    picks in prop::collection::vec(any::<usize>(), 8),
                ) {
                    gradient_matches::<$net<f64>>(&params, &x, &y, &picks);
                }

                #[test]
                fn save_then_load_is_exact(
                    params in prop::collection::vec(-1e3f64..1e3, $net::<f64>::PARAMS),
                ) {
                    round_trips::<$net<f64>>(&params);
                }

                #[test]
                fn read_write_params_is_identity(
                    params in prop::collection::vec(-1e3f64..1e3, $net::<f64>::PARAMS),
                ) {
                    params_identity::<$net<f32>>(&params);
                }
            }
        }
    )*};
}

properties! {
    n1: N1,
    n2: N2,
    n3: N3,
    n4: N4,
    n5: N5,
    n6: N6,
    n7: N7,
    n8: N8,
    n9: N9,
    n10: N10,
}
