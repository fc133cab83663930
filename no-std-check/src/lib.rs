//! A network declared, trained and run with neither `std` nor `alloc`.
//!
//! CI builds the `firmware` binary of this crate for `thumbv7em-none-eabihf` (a Cortex-M4F with
//! no operating system): that target has no `std`, and the binary has no global allocator, so
//! any use of `std` or `alloc` by `network`, `network-core` or the code `network!` generates
//! fails the build. On a hosted target the library also runs as an ordinary test.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use network::prelude::*;

network! {
    /// The network the check trains: XOR, small enough for any microcontroller.
    pub struct Tiny < dense(2 -> 4, tanh), dense(4 -> 1, sigmoid) >
}

/// The XOR truth table.
pub const DATA: [([f32; 2], [f32; 1]); 4] = [
    ([0.0, 0.0], [0.0]),
    ([0.0, 1.0], [1.0]),
    ([1.0, 0.0], [1.0]),
    ([1.0, 1.0], [0.0]),
];

/// Trains a seeded [`Tiny`] for `epochs` passes over [`DATA`] with per-sample SGD, entirely on
/// the stack, and returns it with the mean loss of the first and of the last epoch.
pub fn train(epochs: usize) -> (Tiny, f32, f32) {
    let mut net: Tiny = Tiny::seeded(7);
    let mut sgd = Sgd::new(0.5f32);
    let (mut first, mut last) = (0.0, 0.0);
    for epoch in 0..epochs {
        let mut total = 0.0;
        for (x, y) in &DATA {
            total += net.train_step(x, y, &Mse, &mut sgd);
        }
        let mean = total / DATA.len() as f32;
        if epoch == 0 {
            first = mean;
        }
        last = mean;
    }
    (net, first, last)
}

/// Bytes of [`Tiny`]'s model file.
pub const MODEL_LEN: usize = network::model::encoded_len::<f32, Tiny>();

/// Trains, writes the model into a stack buffer and reads it back into a fresh network (the
/// model-file code also needs neither std nor alloc), then classifies every XOR input with the
/// copy and with its frozen form (`freeze`); returns how many of the four both get right (0 if
/// the model did not round-trip).
pub fn run() -> usize {
    let (trained, _, _) = train(2000);
    let mut buf = [0u8; MODEL_LEN];
    let mut net: Tiny = Tiny::zeroed();
    if trained.to_bytes(&mut buf).is_err() || net.from_bytes(&buf).is_err() {
        return 0;
    }
    let frozen = net.freeze();
    DATA.iter()
        .filter(|(x, y)| {
            let ([p], [q]) = (net.forward(x), frozen.forward(x));
            (p >= 0.5) == (y[0] >= 0.5) && (q >= 0.5) == (y[0] >= 0.5)
        })
        .count()
}

network! {
    /// A sequence network: its items (state, step traces, model file) need neither std nor
    /// alloc either.
    pub struct Echo < gru(1 -> 4), dense(4 -> 1, identity) >
}

/// Bytes of [`Echo`]'s model file.
pub const ECHO_MODEL_LEN: usize = network::model::encoded_len::<f32, Echo>();

/// Writes a seeded [`Echo`] into a stack buffer, reads it back into a zeroed one, and returns
/// whether both step through a short signal to the same outputs.
pub fn sequence_model_round_trips() -> bool {
    let net: Echo = Echo::seeded(3);
    let mut buf = [0u8; ECHO_MODEL_LEN];
    let mut back: Echo = Echo::zeroed();
    if net.to_bytes(&mut buf).is_err() || back.from_bytes(&buf).is_err() {
        return false;
    }
    let (mut a, mut b) = (EchoState::default(), EchoState::default());
    (0..16).all(|t| {
        let x = [t as f32 * 0.1 - 0.5];
        net.step(&mut a, &x) == back.step(&mut b, &x)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_lowers_the_loss() {
        let (_, first, last) = train(200);
        assert!(last < first, "loss went from {first} to {last}");
    }

    #[test]
    fn it_learns_xor() {
        assert_eq!(run(), 4);
    }

    #[test]
    fn a_sequence_model_round_trips() {
        assert!(sequence_model_round_trips());
    }
}
