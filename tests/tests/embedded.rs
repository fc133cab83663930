//! What the README promises embedded users: the memory a network takes, and a trained model
//! baked into the binary and decoded at compile time.

use core::mem::size_of;

use network::model::{self, f32_rows_le, f32s_le, params_offset};
use network::prelude::*;
use network::{Dense, Network};

network! {
    /// The network of `examples/model_file.rs`, which wrote `fixtures/xor.model`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

network! {
    /// A larger network, to measure.
    pub struct Digits < dense(64 -> 32, relu), dense(32 -> 10, softmax) >
}

network! {
    /// A network whose activation carries a value (the slope of the leaky ReLU).
    pub struct Leaky < dense(4 -> 4, leaky_relu(0.2)), dense(4 -> 1, identity) >
}

/// The trained model, in the binary.
const MODEL: &[u8] = include_bytes!("fixtures/xor.model");

// A wrong or corrupt model file is a compile error, not a surprise on the device.
const _: () = assert!(model::verify::<f32, Xor>(MODEL));

/// Where the parameters start; then each tensor in turn (weight row by row, then bias).
const P: usize = params_offset::<f32, Xor>();

/// The trained network as a constant: it lives in flash (read-only data), costs no start-up
/// work and needs no RAM of its own.
const BAKED: Xor = Xor {
    l1: Dense {
        weight: f32_rows_le::<2, 8>(MODEL, P),
        bias: f32s_le::<8>(MODEL, P + 4 * 16),
        activation: Tanh,
    },
    l2: Dense {
        weight: f32_rows_le::<8, 1>(MODEL, P + 4 * 24),
        bias: f32s_le::<1>(MODEL, P + 4 * 32),
        activation: Sigmoid,
    },
};

#[test]
fn the_const_network_is_the_model_file() {
    let mut loaded: Xor = Xor::zeroed();
    loaded.from_bytes(MODEL).unwrap();
    assert_eq!(BAKED, loaded);
}

#[test]
fn the_baked_network_computes_xor() {
    for (x, want) in [
        ([0.0, 0.0], 0.0),
        ([0.0, 1.0], 1.0),
        ([1.0, 0.0], 1.0),
        ([1.0, 1.0], 0.0),
    ] {
        let [p] = BAKED.forward(&x);
        assert!((p - want).abs() < 0.1, "{x:?} -> {p}");
    }
}

/// The network is its parameters and nothing else: no pointers, no lengths, no padding.
fn parameters_only<N: Network<f32>>() -> usize {
    N::PARAMS * size_of::<f32>()
}

#[test]
fn a_network_is_exactly_its_parameters() {
    assert_eq!(size_of::<Xor>(), parameters_only::<Xor>());
    assert_eq!(size_of::<Xor>(), 132);
    assert_eq!(size_of::<Xor<f64>>(), 264);
    assert_eq!(size_of::<XorGradients>(), 132);
    assert_eq!(size_of::<XorGradients<f64>>(), 264);
    assert_eq!(size_of::<XorTrace<f64>>(), 160);
    assert_eq!(size_of::<Digits<f64>>(), 19280);
    // The trace keeps the input and each layer's z and a: (2 + 2·8 + 2·1) floats.
    assert_eq!(size_of::<XorTrace>(), 4 * (2 + 16 + 2));
    assert_eq!(size_of::<Digits>(), parameters_only::<Digits>());
    assert_eq!(size_of::<Digits>(), 4 * (64 * 32 + 32 + 32 * 10 + 10));
    // A leaky ReLU stores its slope (an f64) beside the layer's parameters, which also
    // aligns the struct to 8 bytes: 25 parameters (100 bytes) + 8 + 4 of padding.
    assert_eq!(parameters_only::<Leaky>(), 100);
    assert_eq!(size_of::<Leaky>(), 112);
}
