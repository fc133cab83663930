//! What the README promises embedded users: the memory a network takes, and a trained model
//! baked into the binary and decoded at compile time.

use core::mem::size_of;

use network::model::{self, f32_rows_le, f32s_le, params_offset};
use network::prelude::*;
use network::{Dense, MemoryBudget, Network};

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

// The memory budget is usable in `const` context: a firmware checks it against its RAM at
// compile time.
const _: () = assert!(Xor::<f32>::TRACE_BYTES + Xor::<f32>::ADAM_STATE_BYTES < 1024);
const _: () = assert!(Digits::<f32>::PARAM_BYTES == 9640);

/// Every budget constant is `size_of` of the type the library really uses, written out here
/// by hand, for both scalar types and for a network whose activation carries a value.
#[test]
fn the_memory_budget_is_the_size_of_the_real_types() {
    use network::layers::Batch;
    use network::optim::Momentum;
    use network::prelude::{LeakyRelu, Relu, Softmax};

    fn check<T: Float, N: Network<T>>(momentum: usize, adam: usize, adamw: usize, batch: usize) {
        assert_eq!(N::PARAM_BYTES, N::PARAMS * size_of::<T>());
        assert_eq!(N::NETWORK_BYTES, size_of::<N>());
        assert_eq!(N::GRADIENT_BYTES, size_of::<N::Gradients>());
        assert_eq!(N::TRACE_BYTES, size_of::<N::Trace>());
        assert_eq!(N::SGD_STATE_BYTES, size_of::<Sgd<T>>());
        assert_eq!(N::MOMENTUM_STATE_BYTES, momentum);
        assert_eq!(N::ADAM_STATE_BYTES, adam);
        assert_eq!(N::ADAMW_STATE_BYTES, adamw);
        assert_eq!(<N as MemoryBudget<T>>::BATCH_SCRATCH_BYTES, batch);
    }
    type G32 = XorGradients<f32>;
    check::<f32, Xor>(
        size_of::<Sgd<f32, Momentum<f32, G32>>>(),
        size_of::<Adam<f32, G32>>(),
        size_of::<AdamW<f32, G32>>(),
        size_of::<Batch<f32, Dense<f32, 2, 8, Tanh>, { Xor::<f32>::CHUNK }>>()
            + size_of::<Batch<f32, Dense<f32, 8, 1, Sigmoid>, { Xor::<f32>::CHUNK }>>(),
    );
    type D64 = DigitsGradients<f64>;
    check::<f64, Digits<f64>>(
        size_of::<Sgd<f64, Momentum<f64, D64>>>(),
        size_of::<Adam<f64, D64>>(),
        size_of::<AdamW<f64, D64>>(),
        size_of::<Batch<f64, Dense<f64, 64, 32, Relu>, { Digits::<f64>::CHUNK }>>()
            + size_of::<Batch<f64, Dense<f64, 32, 10, Softmax>, { Digits::<f64>::CHUNK }>>(),
    );
    type L32 = LeakyGradients<f32>;
    check::<f32, Leaky>(
        size_of::<Sgd<f32, Momentum<f32, L32>>>(),
        size_of::<Adam<f32, L32>>(),
        size_of::<AdamW<f32, L32>>(),
        size_of::<Batch<f32, Dense<f32, 4, 4, LeakyRelu>, { Leaky::<f32>::CHUNK }>>()
            + size_of::<Batch<f32, Dense<f32, 4, 1, Identity>, { Leaky::<f32>::CHUNK }>>(),
    );

    // The figures themselves, for XOR in f32: 33 parameters; the trace is the input and each
    // layer's z and a, (2 + 2·8 + 2·1) floats; Adam is two moment buffers shaped like the
    // gradients plus five settings and a step count; a batched step keeps, per layer, CHUNK
    // rows of z, a and δ.
    assert_eq!(Xor::<f32>::PARAM_BYTES, 132);
    assert_eq!(Xor::<f32>::GRADIENT_BYTES, 132);
    assert_eq!(Xor::<f32>::TRACE_BYTES, 80);
    assert_eq!(Xor::<f32>::ADAM_STATE_BYTES, 2 * 132 + 5 * 4 + 4);
    assert_eq!(
        Xor::<f32>::BATCH_SCRATCH_BYTES,
        Xor::<f32>::CHUNK * 3 * (8 + 1) * 4
    );
    // The figures of docs/embedded.md's table for the larger network.
    assert_eq!(Digits::<f32>::MOMENTUM_STATE_BYTES, 9656);
    assert_eq!(Digits::<f32>::ADAM_STATE_BYTES, 19304);
    assert_eq!(Digits::<f32>::TRACE_BYTES, 592);
    assert_eq!(Digits::<f32>::BATCH_SCRATCH_BYTES, 32 * 3 * (32 + 10) * 4);
    // The leaky ReLU's slope and padding count in the network, not in the parameters.
    assert_eq!(Leaky::<f32>::PARAM_BYTES, 100);
    assert_eq!(Leaky::<f32>::NETWORK_BYTES, 112);
}
