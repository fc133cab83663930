//! Model files: round trips, and one test per way a file can be wrong, each checking that the
//! error is the right one and that the network it was read into is unchanged.

use network::model::{self, FileError, LayerDesc, ModelError, crc32, encoded_len};
use network::prelude::*;

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Small < dense(3 -> 5, leaky_relu(0.1)), dense(5 -> 4, tanh), dense(4 -> 2, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct SmallRelu < dense(3 -> 5, relu), dense(5 -> 4, tanh), dense(4 -> 2, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Wider < dense(3 -> 6, leaky_relu(0.1)), dense(6 -> 4, tanh), dense(4 -> 2, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Shorter < dense(3 -> 5, leaky_relu(0.1)), dense(5 -> 2, softmax) >
}

fn bytes_of<N: ModelFile<f32>>(net: &N) -> Vec<u8> {
    let mut buf = vec![0u8; N::ENCODED_LEN];
    assert_eq!(net.to_bytes(&mut buf), Ok(buf.len()));
    buf
}

/// Recomputes the trailing checksum after a test edits the contents on purpose.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 4;
    let crc = crc32(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
}

/// Reads `bytes` into a seeded network, expects `want`, and checks nothing changed.
fn refused(bytes: &[u8], want: ModelError) {
    let mut net: Small = Small::seeded(99);
    let before = net.clone();
    assert_eq!(net.from_bytes(bytes), Err(want));
    assert_eq!(net, before, "a refused model changed the network");
}

#[test]
fn round_trip_is_bit_exact_f32() {
    let net: Small = Small::seeded(1);
    let bytes = bytes_of(&net);
    let mut back: Small = Small::zeroed();
    back.from_bytes(&bytes).unwrap();
    assert_eq!(back, net);
}

#[test]
fn round_trip_is_bit_exact_f64() {
    let mut net: Small<f64> = Small::seeded(2);
    // Values an f32 could not hold, to prove nothing is narrowed.
    net.l2.bias = [1.0 + 1e-12, -1e-300, 1e300, core::f64::consts::PI];
    let mut buf = vec![0u8; encoded_len::<f64, Small<f64>>()];
    model::to_bytes(&net, &mut buf).unwrap();
    let mut back: Small<f64> = Small::zeroed();
    model::from_bytes(&mut back, &buf).unwrap();
    assert_eq!(back, net);
}

#[test]
fn encoded_len_matches_the_layout() {
    // 20 fixed + 4 scalar + 4 layer count + 3 layers of strings and widths + 8 count
    // + 4 bytes per parameter + 4 checksum.
    let per_layer = |name: &str, act: &str| 2 + name.len() + 2 + "dense".len() + 8 + 2 + act.len();
    let header = 20
        + 4
        + 4
        + per_layer("l1", "leaky_relu(0.1)")
        + per_layer("l2", "tanh")
        + per_layer("l3", "softmax")
        + 8;
    assert_eq!(model::params_offset::<f32, Small>(), header);
    assert_eq!(Small::<f32>::PARAMS, 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2);
    assert_eq!(<Small as ModelFile<f32>>::ENCODED_LEN, header + 4 * 54 + 4);
}

#[test]
fn the_file_starts_with_magic_version_and_length() {
    let bytes = bytes_of(&Small::<f32>::seeded(3));
    assert_eq!(&bytes[..8], b"\x89NNM\r\n\x1a\n");
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1);
    assert_eq!(
        u64::from_le_bytes(bytes[12..20].try_into().unwrap()),
        bytes.len() as u64
    );
    assert_eq!(&bytes[20..24], b"\x03f32");
}

#[test]
fn a_small_buffer_is_refused_and_left_alone() {
    let net: Small = Small::seeded(4);
    let mut buf = vec![0xAAu8; Small::<f32>::ENCODED_LEN - 1];
    assert_eq!(
        net.to_bytes(&mut buf),
        Err(ModelError::BufferTooSmall {
            needed: buf.len() + 1,
            available: buf.len()
        })
    );
    assert!(buf.iter().all(|&b| b == 0xAA));
}

#[test]
fn wrong_magic() {
    let mut bytes = bytes_of(&Small::<f32>::seeded(5));
    bytes[0] = b'P';
    refused(&bytes, ModelError::BadMagic);
    refused(b"", ModelError::BadMagic);
    refused(b"{\"not\": \"a model\"}", ModelError::BadMagic);
}

#[test]
fn unknown_version() {
    let mut bytes = bytes_of(&Small::<f32>::seeded(6));
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    reseal(&mut bytes);
    refused(&bytes, ModelError::UnsupportedVersion { found: 2 });
}

#[test]
fn other_scalar_type() {
    let net: Small<f64> = Small::seeded(7);
    let mut bytes = vec![0u8; encoded_len::<f64, Small<f64>>()];
    model::to_bytes(&net, &mut bytes).unwrap();
    refused(
        &bytes,
        ModelError::ScalarType {
            expected: "f32",
            found: "f64",
        },
    );
}

/// The error for a file whose layer 0 is `file[0]` read into a `Small`.
fn layer_0_differs(file: &[network::LayerInfo]) -> ModelError {
    ModelError::Layer {
        index: 0,
        found: LayerDesc::of(&file[0]),
        expected: &Small::<f32>::LAYOUT[0],
    }
}

#[test]
fn other_activation() {
    let bytes = bytes_of(&SmallRelu::<f32>::seeded(8));
    refused(&bytes, layer_0_differs(SmallRelu::<f32>::LAYOUT));
}

#[test]
fn other_widths() {
    let bytes = bytes_of(&Wider::<f32>::seeded(9));
    refused(&bytes, layer_0_differs(Wider::<f32>::LAYOUT));
}

#[test]
fn other_layer_count() {
    let bytes = bytes_of(&Shorter::<f32>::seeded(10));
    refused(
        &bytes,
        ModelError::LayerCount {
            expected: 3,
            found: 2,
        },
    );
}

#[test]
fn truncated_file() {
    let bytes = bytes_of(&Small::<f32>::seeded(11));
    let n = bytes.len() as u64;
    refused(
        &bytes[..bytes.len() - 1],
        ModelError::Truncated {
            needed: n,
            found: bytes.len() - 1,
        },
    );
    // Every prefix is refused, wherever the file was cut, and none touches the network.
    let mut net: Small = Small::seeded(12);
    let before = net.clone();
    for cut in 0..bytes.len() {
        assert!(net.from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    assert_eq!(net, before);
}

#[test]
fn trailing_bytes() {
    let mut bytes = bytes_of(&Small::<f32>::seeded(13));
    let n = bytes.len();
    bytes.push(0);
    refused(
        &bytes,
        ModelError::TrailingBytes {
            expected: n as u64,
            found: n + 1,
        },
    );
}

#[test]
fn bad_checksum() {
    let mut bytes = bytes_of(&Small::<f32>::seeded(14));
    let at = model::params_offset::<f32, Small>() + 2;
    bytes[at] ^= 0x10;
    let body = bytes.len() - 4;
    let stored = u32::from_le_bytes(bytes[body..].try_into().unwrap());
    refused(
        &bytes,
        ModelError::Checksum {
            stored,
            computed: crc32(&bytes[..body]),
        },
    );
}

#[test]
fn every_single_bit_flip_is_caught() {
    let bytes = bytes_of(&Small::<f32>::seeded(15));
    let mut net: Small = Small::seeded(16);
    let before = net.clone();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            assert!(net.from_bytes(&b).is_err(), "flip of bit {bit} of byte {i}");
        }
    }
    assert_eq!(net, before);
}

fn with_param(value: f32) -> Vec<u8> {
    let mut bytes = bytes_of(&Small::<f32>::seeded(17));
    let at = model::params_offset::<f32, Small>() + 4 * 7;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    reseal(&mut bytes);
    bytes
}

#[test]
fn nan_parameter() {
    refused(&with_param(f32::NAN), ModelError::NonFinite { index: 7 });
}

#[test]
fn infinite_parameter() {
    refused(
        &with_param(f32::INFINITY),
        ModelError::NonFinite { index: 7 },
    );
    refused(
        &with_param(f32::NEG_INFINITY),
        ModelError::NonFinite { index: 7 },
    );
}

#[test]
fn a_non_finite_network_is_not_written() {
    let mut net: Small = Small::seeded(18);
    net.l3.bias[1] = f32::NAN;
    let mut buf = vec![0u8; Small::<f32>::ENCODED_LEN];
    assert_eq!(
        net.to_bytes(&mut buf),
        Err(ModelError::NonFinite {
            index: Small::<f32>::PARAMS - 1
        })
    );
    assert!(buf.iter().all(|&b| b == 0));
}

#[test]
fn the_const_checker_agrees_with_from_bytes() {
    let good = bytes_of(&Small::<f32>::seeded(19));
    assert!(model::verify::<f32, Small>(&good));
    assert!(!model::verify::<f32, SmallRelu>(&good));
    assert!(!model::verify::<f64, Small<f64>>(&good));
    assert!(!model::verify::<f32, Small>(&good[..good.len() - 1]));
    let mut bad = good.clone();
    bad[40] ^= 1;
    assert!(!model::verify::<f32, Small>(&bad));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("network-model-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn save_then_load_is_exact_and_leaves_no_temporary_file() {
    let dir = temp_dir("save");
    let path = dir.join("small.model");
    let net: Small = Small::seeded(20);
    net.save(&path).unwrap();
    assert_eq!(Small::<f32>::load(&path).unwrap(), net);
    // Saving again replaces the file.
    let other: Small = Small::seeded(21);
    other.save(&path).unwrap();
    assert_eq!(Small::<f32>::load(&path).unwrap(), other);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["small.model"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_into_leaves_the_network_alone_on_error() {
    let dir = temp_dir("load-into");
    let path = dir.join("relu.model");
    SmallRelu::<f32>::seeded(22).save(&path).unwrap();
    let mut net: Small = Small::seeded(23);
    let before = net.clone();
    match net.load_into(&path) {
        Err(FileError::Model {
            error: ModelError::Layer { index: 0, .. },
            ..
        }) => {}
        other => panic!("expected a layer mismatch, got {other:?}"),
    }
    match net.load_into(dir.join("missing.model")) {
        Err(FileError::Io { error, .. }) => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
        other => panic!("expected not found, got {other:?}"),
    }
    assert_eq!(net, before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_save_keeps_the_old_file() {
    let dir = temp_dir("failed-save");
    let path = dir.join("good.model");
    let good: Small = Small::seeded(24);
    good.save(&path).unwrap();
    let old = std::fs::read(&path).unwrap();
    // A network that cannot be saved (NaN) fails before touching the disk.
    let mut bad: Small = Small::seeded(25);
    bad.l1.weight[0][0] = f32::NAN;
    assert!(matches!(
        bad.save(&path),
        Err(FileError::Model {
            error: ModelError::NonFinite { index: 0 },
            ..
        })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), old);
    // A target that cannot be replaced (a folder in its place) fails at the rename: the
    // temporary file is cleaned up and nothing else changes.
    let blocked = dir.join("blocked.model");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), b"x").unwrap();
    assert!(matches!(good.save(&blocked), Err(FileError::Io { .. })));
    assert_eq!(std::fs::read(blocked.join("keep")).unwrap(), b"x");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["blocked.model", "good.model"]);
    assert_eq!(Small::<f32>::load(&path).unwrap(), good);
    std::fs::remove_dir_all(&dir).unwrap();
}
