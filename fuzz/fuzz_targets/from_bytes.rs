//! Arbitrary bytes into `from_bytes` (and the `const` checker): no panic, no hang, and an
//! error leaves the network exactly as it was. `tests/tests/model_file/fuzz_corpus.rs` replays the corpus.
//!
//! An odd first byte means "reseal": the checksum is recomputed over the rest before reading,
//! so that the fuzzer also explores everything the checksum would otherwise hide (the header
//! parser, architecture checks, finiteness).

#![no_main]

use libfuzzer_sys::fuzz_target;
use network::model::{self, crc32};
use network::prelude::*;

network! {
    struct Net < dense(3 -> 5, leaky_relu(0.1)), dense(5 -> 2, softmax) >
    struct Seq < gru(3 -> 2), dense(2 -> 2, softmax) >
}

fn check<T: Float, N: ModelFile<T>>(bytes: &[u8]) {
    let mut net = N::seeded(1);
    let before: Vec<T> = (0..N::TENSORS).flat_map(|i| net.tensor(i).to_vec()).collect();
    let verified = model::verify::<T, N>(bytes);
    match model::from_bytes(&mut net, bytes) {
        Ok(()) => {
            assert!(verified, "from_bytes accepted what verify refused");
            assert!(net.all_finite());
        }
        Err(_) => {
            let after: Vec<T> = (0..N::TENSORS).flat_map(|i| net.tensor(i).to_vec()).collect();
            assert!(
                before.iter().zip(&after).all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits()),
                "a refused model changed the network"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = rest.to_vec();
    if mode & 1 == 1 && bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
    check::<f32, Net<f32>>(&bytes);
    check::<f64, Net<f64>>(&bytes);
    // A sequence network: the same header parser, with a `gru` layer record to match.
    check::<f32, Seq<f32>>(&bytes);
});
