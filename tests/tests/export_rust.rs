//! Weights as Rust source: `export_rust` writes the network bit for bit, and the file the
//! Cortex-M4F firmware compiles in is what it writes for the trained model of
//! `fixtures/xor.model`.

use network::kernels::dispatch::{Infer, Portable};
use network::prelude::*;
use network::{ModelFile, export_rust};

network! {
    /// The network of `examples/model_file.rs`, which wrote `fixtures/xor.model`.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

network! {
    /// An activation with an argument, and `f64`.
    pub struct Leaky < dense(3 -> 4, leaky_relu(0.2)), dense(4 -> 2, softmax) >
}

// What the firmware compiles: `XOR`, `XOR_SELF_TEST`, `xor_self_test`.
include!("../../embedded/cortex-m4/src/xor_model.rs");

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

fn trained() -> Xor {
    let mut net: Xor = Xor::zeroed();
    net.from_bytes(include_bytes!("fixtures/xor.model"))
        .expect("the fixture is a model of Xor");
    net
}

fn bits<N: Network<f32>>(net: &N) -> Vec<u32> {
    let mut p = vec![0.0f32; N::PARAMS];
    net.write_params(&mut p).unwrap();
    p.iter().map(|v| v.to_bits()).collect()
}

/// The checked-in file is exactly what the exporter writes today for the fixture (rerun
/// `cargo run --release --example export_rust -- tests/tests/fixtures/xor.model
/// embedded/cortex-m4/src/xor_model.rs` if this fails after a format change).
#[test]
fn the_firmware_source_is_the_export_of_the_fixture() {
    let mut source = Vec::new();
    export_rust(&trained(), "XOR", &INPUTS, &mut source).unwrap();
    let checked_in = include_str!("../../embedded/cortex-m4/src/xor_model.rs");
    assert_eq!(String::from_utf8(source).unwrap(), checked_in);
}

#[test]
fn the_constant_is_the_trained_network_bit_for_bit() {
    let net = trained();
    assert_eq!(bits(&XOR), bits(&net));
    assert!(xor_self_test());
    // The self-test's expected outputs are the portable code's, for the inputs given, the
    // same bits on every machine; `forward` on this CPU is within the self-test's tolerance.
    for ((x, want), input) in XOR_SELF_TEST.iter().zip(INPUTS) {
        assert_eq!(*x, input);
        assert_eq!(net.forward_isa(Portable, x)[0].to_bits(), want[0].to_bits());
    }
    // ... and it is a constant: usable in const context.
    const FIRST_BIAS: f32 = XOR.l1.bias[0];
    assert_eq!(FIRST_BIAS.to_bits(), net.l1.bias[0].to_bits());
}

#[test]
fn arguments_and_f64_are_written_as_bits() {
    let net: Leaky<f64> = Leaky::seeded(3);
    let mut source = Vec::new();
    export_rust(&net, "LEAKY", &[[0.5, -1.0, 2.0]], &mut source).unwrap();
    let text = String::from_utf8(source).unwrap();
    assert!(
        text.contains("pub const LEAKY: Leaky<f64> = Leaky {"),
        "{text}"
    );
    let slope = format!(
        "::network::activation::LeakyRelu::new(f64::from_bits({:#018x}))",
        0.2f64.to_bits()
    );
    assert!(text.contains(&slope), "{text}");
    assert!(text.contains("activation: ::network::activation::Softmax,"));
    let w = format!("f64::from_bits({:#018x})", net.l1.weight[0][0].to_bits());
    assert!(text.contains(&w), "{text}");
    assert!(text.contains("pub const LEAKY_SELF_TEST: [([f64; 3], [f64; 2]); 1] = ["));
    assert!(text.contains("pub fn leaky_self_test() -> bool {"));
    assert!(text.contains("let tol = 1e-10 *"));
}

#[test]
fn a_name_that_is_not_an_upper_case_identifier_is_refused() {
    for name in ["xor", "", "X-OR", "1XOR"] {
        let err = export_rust(&trained(), name, &INPUTS, Vec::new()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{name}");
    }
}
