//! Replays the `from_bytes` fuzz corpus (`fuzz/corpus/from_bytes`, kept small with
//! `cargo fuzz cmin`) with the fuzz target's own checks, so every input the fuzzer found
//! interesting, and every crash it ever found, stays a test without nightly or libFuzzer.

use network::model::{self, crc32};
use network::prelude::*;

network! {
    struct Net < dense(3 -> 5, leaky_relu(0.1)), dense(5 -> 2, softmax) >
    struct Seq < gru(3 -> 2), dense(2 -> 2, softmax) >
}

/// The body of `fuzz/fuzz_targets/from_bytes.rs`.
fn check<T: Float, N: ModelFile<T>>(bytes: &[u8]) -> bool {
    let mut net = N::seeded(1);
    let before: Vec<T> = (0..N::TENSORS)
        .flat_map(|i| net.tensor(i).to_vec())
        .collect();
    let verified = model::verify::<T, N>(bytes);
    match model::from_bytes(&mut net, bytes) {
        Ok(()) => {
            assert!(verified, "from_bytes accepted what verify refused");
            assert!(net.all_finite());
            true
        }
        Err(_) => {
            let after: Vec<T> = (0..N::TENSORS)
                .flat_map(|i| net.tensor(i).to_vec())
                .collect();
            assert!(
                before
                    .iter()
                    .zip(&after)
                    .all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits()),
                "a refused model changed the network"
            );
            false
        }
    }
}

fn run(data: &[u8]) -> usize {
    let Some((&mode, rest)) = data.split_first() else {
        return 0;
    };
    let mut bytes = rest.to_vec();
    if mode & 1 == 1 && bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
    // No input of the corpus is a model of `Seq`: it is only refused, and left unchanged.
    assert!(!check::<f32, Seq<f32>>(&bytes));
    usize::from(check::<f32, Net<f32>>(&bytes)) + usize::from(check::<f64, Net<f64>>(&bytes))
}

#[test]
fn the_from_bytes_corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/from_bytes");
    let mut files = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        accepted += run(&std::fs::read(&path).unwrap());
        files += 1;
    }
    // The seeds include valid models of both scalar types, so some inputs must load.
    assert!(files >= 5, "corpus missing: {}", dir.display());
    assert!(accepted >= 2, "no valid model in the corpus loaded");
}
