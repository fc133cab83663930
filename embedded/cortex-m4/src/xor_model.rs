// `Xor<f32>` with trained weights, written by `network::export_rust`. Every parameter is
// written as its bits, so this is the network that was exported, bit for bit.
// `include!` this file where `Xor` is declared.

/// `Xor` with its trained parameters (33 of them), as a constant: in flash, no start-up work.
pub const XOR: Xor<f32> = Xor {
    l1: ::network::Dense {
        weight: [
            [f32::from_bits(0xc0188801), f32::from_bits(0xc01b1f84)],
            [f32::from_bits(0x3f93ac72), f32::from_bits(0xbe07ff09)],
            [f32::from_bits(0x4052a79d), f32::from_bits(0xc011b6f5)],
            [f32::from_bits(0x3d14de2a), f32::from_bits(0xbef85144)],
            [f32::from_bits(0x3fd3539f), f32::from_bits(0xc02791c5)],
            [f32::from_bits(0xbf95ddaa), f32::from_bits(0xbf91fb59)],
            [f32::from_bits(0x3fbc305c), f32::from_bits(0xc01f9372)],
            [f32::from_bits(0xbe3b3c51), f32::from_bits(0xbf2aa4b3)],
        ],
        bias: [f32::from_bits(0x3f08440f), f32::from_bits(0xbecbea21), f32::from_bits(0x3f57cf61), f32::from_bits(0x3d9aa0ce),
               f32::from_bits(0xbf190c2e), f32::from_bits(0xbede54e2), f32::from_bits(0xbef762f6), f32::from_bits(0x3f030fb1)],
        activation: ::network::activation::Tanh,
    },
    l2: ::network::Dense {
        weight: [
            [f32::from_bits(0xc05a257b), f32::from_bits(0xbf87327e), f32::from_bits(0xc08df976), f32::from_bits(0x3ea05433),
               f32::from_bits(0x402d5865), f32::from_bits(0xbfa0bc6a), f32::from_bits(0x401efa67), f32::from_bits(0x3f4156c5)],
        ],
        bias: [f32::from_bits(0x3f6bda90)],
        activation: ::network::activation::Sigmoid,
    },
};

/// Inputs of `XOR`'s self-test, each with the output the host computed for it.
pub const XOR_SELF_TEST: [([f32; 2], [f32; 1]); 4] = [
    ([f32::from_bits(0x00000000), f32::from_bits(0x00000000)], [f32::from_bits(0x3bce5bb6)]),
    ([f32::from_bits(0x00000000), f32::from_bits(0x3f800000)], [f32::from_bits(0x3f7ce17f)]),
    ([f32::from_bits(0x3f800000), f32::from_bits(0x00000000)], [f32::from_bits(0x3f7d2838)]),
    ([f32::from_bits(0x3f800000), f32::from_bits(0x3f800000)], [f32::from_bits(0x3c55bfd2)]),
];

/// Runs `XOR` on every input of `XOR_SELF_TEST` and returns whether each output is within
/// 1e-4·(1 + |expected|) of the host's (the last bits differ between targets: summation
/// order, fused multiply-adds, libm). Run it at boot.
pub fn xor_self_test() -> bool {
    // Read from flash, not copied onto the stack.
    static NET: Xor<f32> = XOR;
    XOR_SELF_TEST.iter().all(|(x, want)| {
        NET.forward(x).iter().zip(want).all(|(&got, &want)| {
            let tol = 1e-4 * (1.0 + if want < 0.0 { -want } else { want });
            got - want <= tol && want - got <= tol // false for NaN
        })
    })
}
