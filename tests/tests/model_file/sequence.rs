//! Model files of sequence networks (`gru`, `lstm`): round trips bit for bit through every
//! entry point, the layer kind in the header (a `gru` file is refused by an `lstm` or a dense
//! network, even one of the same parameter count, with an error naming both layers), and
//! the dense model file `fixtures/xor.model` still reads, and writes back byte for byte.

use network::model::{self, LayerDesc, ModelError};
use network::prelude::*;

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct GruNet < gru(3 -> 5), dense(5 -> 2, tanh) >
    #[derive(Clone, Debug, PartialEq)]
    struct LstmNet < lstm(3 -> 5), dense(5 -> 2, tanh) >
    #[derive(Clone, Debug, PartialEq)]
    struct Stacked < dense(2 -> 4, leaky_relu(0.2)), lstm(4 -> 3), gru(3 -> 2), dense(2 -> 1, identity) >
    /// `gru(1 -> 2)` has 3·2·(1 + 2 + 2) = 30 parameters.
    #[derive(Clone, Debug, PartialEq)]
    struct SmallGru < gru(1 -> 2) >
    /// 5·5 + 5 = 30 parameters, as `SmallGru`.
    #[derive(Clone, Debug, PartialEq)]
    struct SameCount < dense(5 -> 5, identity) >
    /// The network of `examples/model_file.rs`, which wrote `fixtures/xor.model`.
    #[derive(Clone, Debug, PartialEq)]
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "network-model-sequence-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bytes_of<T: Float, N: ModelFile<T>>(net: &N) -> Vec<u8> {
    let mut buf = vec![0u8; N::ENCODED_LEN];
    assert_eq!(net.to_bytes(&mut buf), Ok(N::ENCODED_LEN));
    buf
}

/// Every parameter's bits.
fn bits<T: Float, N: Parameters<T>>(net: &N) -> Vec<u64> {
    (0..N::TENSORS)
        .flat_map(|i| net.tensor(i).iter().map(|p| p.as_f64().to_bits()))
        .collect()
}

/// `net` written and read back through `to_bytes`/`from_bytes`, `save`/`load` and
/// `load_into`: the same bits every way, and the file's header as the network declares it.
fn round_trip<T: Float, N: ModelFile<T> + PartialEq + std::fmt::Debug>(net: &N, name: &str) {
    let dir = temp_dir(name);
    let bytes = bytes_of(net);
    assert!(model::verify::<T, N>(&bytes));
    let mut back = N::zeroed();
    back.from_bytes(&bytes).unwrap();
    assert_eq!(bits(&back), bits(net), "from_bytes");
    assert_eq!(&back, net);
    let path = dir.join("m.model");
    net.save(&path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "save writes to_bytes' bytes"
    );
    let loaded = N::load(&path).unwrap();
    assert_eq!(bits(&loaded), bits(net), "load");
    let mut into = N::boxed_zeroed();
    into.load_into(&path).unwrap();
    assert_eq!(bits(&*into), bits(net), "load_into");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Parameters that use every bit: seeded, then each nudged by a value of its own.
fn busy<N: Parameters<f64>>(mut net: N) -> N {
    let mut k = 0.0;
    for i in 0..N::TENSORS {
        for p in net.tensor_mut(i) {
            k += 1.0;
            *p += 1e-3 * (k * 0.618_033_988_749_895f64).sin();
        }
    }
    net
}

#[test]
fn gru_and_lstm_networks_round_trip_bit_for_bit() {
    round_trip(&GruNet::<f32>::seeded(1), "gru32");
    round_trip(&busy(GruNet::<f64>::seeded(2)), "gru64");
    round_trip(&LstmNet::<f32>::seeded(3), "lstm32");
    round_trip(&busy(LstmNet::<f64>::seeded(4)), "lstm64");
    round_trip(&busy(Stacked::<f64>::seeded(5)), "stacked");
}

#[test]
fn the_header_records_each_layer_kind_and_pytorchs_parameter_count() {
    // torch.nn.GRU(3, 5): 3·5·(3 + 5 + 2) = 150; nn.Linear(5, 2): 12.
    assert_eq!(GruNet::<f32>::LAYOUT[0].params(), 150);
    assert_eq!(LstmNet::<f32>::LAYOUT[0].params(), 4 * 5 * (3 + 5 + 2));
    assert_eq!(
        GruNet::<f32>::LAYOUT
            .iter()
            .map(|l| l.params())
            .sum::<usize>(),
        GruNet::<f32>::PARAMS
    );
    assert_eq!(
        Stacked::<f32>::LAYOUT
            .iter()
            .map(|l| l.params())
            .sum::<usize>(),
        Stacked::<f32>::PARAMS
    );
    let layers: Vec<String> = Stacked::<f32>::LAYOUT
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        layers,
        [
            "l1: dense(2 -> 4, leaky_relu(0.2))",
            "l2: lstm(4 -> 3)",
            "l3: gru(3 -> 2)",
            "l4: dense(2 -> 1, identity)"
        ]
    );
    assert!(GruNet::<f32>::LAYOUT[0].is_recurrent());
    assert!(!GruNet::<f32>::LAYOUT[1].is_recurrent());

    // The file holds the kind `gru` and an empty activation for the recurrent layer.
    let bytes = bytes_of(&GruNet::<f32>::seeded(1));
    let record = [
        &2u16.to_le_bytes()[..],
        b"l1",
        &3u16.to_le_bytes(),
        b"gru",
        &3u32.to_le_bytes(),
        &5u32.to_le_bytes(),
        &0u16.to_le_bytes(),
    ]
    .concat();
    assert_eq!(&bytes[28..28 + record.len()], &record[..]);
    let params_at = model::params_offset::<f32, GruNet>();
    assert_eq!(
        u64::from_le_bytes(bytes[params_at - 8..params_at].try_into().unwrap()),
        162
    );
    assert_eq!(bytes.len(), params_at + 162 * 4 + 4);
}

#[test]
fn a_gru_file_is_refused_by_an_lstm_network_naming_both_layers() {
    let dir = temp_dir("gru-into-lstm");
    let file = bytes_of(&GruNet::<f32>::seeded(6));
    let want = ModelError::Layer {
        index: 0,
        found: LayerDesc::of(&GruNet::<f32>::LAYOUT[0]),
        expected: &LstmNet::<f32>::LAYOUT[0],
    };
    let mut net: LstmNet = LstmNet::seeded(7);
    let before = net.clone();
    assert_eq!(net.from_bytes(&file), Err(want));
    assert!(want.is_other_architecture());
    assert!(!model::verify::<f32, LstmNet>(&file));
    assert_eq!(
        want.to_string(),
        "layer 1: the file holds `l1: gru(3 -> 5)`, this network has `l1: lstm(3 -> 5)`"
    );
    let path = dir.join("gru.model");
    std::fs::write(&path, &file).unwrap();
    let err = LstmNet::<f32>::load(&path).unwrap_err();
    assert_eq!(err.model_error(), Some(&want));
    assert_eq!(
        err.to_string(),
        format!(
            "model file {}: layer 1: the file holds `l1: gru(3 -> 5)`, this network has \
             `l1: lstm(3 -> 5)`",
            path.display()
        )
    );
    assert_eq!(net.load_into(&path).unwrap_err().model_error(), Some(&want));
    assert_eq!(net, before, "a refused model changed the network");

    // And the other way round.
    let err = GruNet::<f32>::zeroed()
        .from_bytes(&bytes_of(&LstmNet::<f32>::seeded(8)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 1: the file holds `l1: lstm(3 -> 5)`, this network has `l1: gru(3 -> 5)`"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_gru_file_is_refused_by_a_dense_network_of_the_same_parameter_count() {
    assert_eq!(SmallGru::<f32>::PARAMS, SameCount::<f32>::PARAMS);
    // The same bytes of parameters after headers of their own.
    assert_eq!(
        SmallGru::<f32>::ENCODED_LEN - model::params_offset::<f32, SmallGru>(),
        SameCount::<f32>::ENCODED_LEN - model::params_offset::<f32, SameCount>()
    );
    let mut dense: SameCount = SameCount::seeded(1);
    let before = dense.clone();
    let err = dense
        .from_bytes(&bytes_of(&SmallGru::<f32>::seeded(2)))
        .unwrap_err();
    assert!(matches!(err, ModelError::Layer { index: 0, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "layer 1: the file holds `l1: gru(1 -> 2)`, this network has `l1: dense(5 -> 5, identity)`"
    );
    assert_eq!(dense, before);
    let err = SmallGru::<f32>::zeroed()
        .from_bytes(&bytes_of(&SameCount::<f32>::seeded(3)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 1: the file holds `l1: dense(5 -> 5, identity)`, this network has `l1: gru(1 -> 2)`"
    );
}

#[test]
fn the_dense_fixture_model_reads_and_writes_back_byte_for_byte() {
    let file = include_bytes!("../fixtures/xor.model");
    let mut net: Xor = Xor::zeroed();
    net.from_bytes(file).unwrap();
    // Written again, the file is the same bytes: a dense network's file is what it was.
    assert_eq!(bytes_of(&net), file);
    assert_eq!(model::VERSION, 1);
    // A sequence network refuses it as another architecture.
    let err = SmallGru::<f32>::zeroed().from_bytes(file).unwrap_err();
    assert!(err.is_other_architecture(), "{err:?}");
}

#[test]
fn sequence_networks_still_step_after_a_round_trip() {
    let net: Stacked<f64> = busy(Stacked::seeded(9));
    let mut back: Stacked<f64> = Stacked::zeroed();
    back.from_bytes(&bytes_of(&net)).unwrap();
    let (mut s1, mut s2) = (StackedState::default(), StackedState::default());
    for t in 0..20 {
        let x = [(t as f64 * 0.4).sin(), 0.3];
        assert_eq!(net.step(&mut s1, &x), back.step(&mut s2, &x));
    }
}

/// Every single-byte change of a sequence network's file, with the checksum made right again
/// so that the header checks are reached: a changed header byte (magic, version, length,
/// scalar, any layer record's name, kind, widths or activation, the parameter count) is always
/// refused and leaves the network as it was; a changed parameter byte loads exactly the
/// changed value, or is refused if that value is not finite.
#[test]
fn every_changed_byte_of_a_sequence_file_is_refused_or_read_exactly() {
    let file = bytes_of(&LstmNet::<f32>::seeded(10));
    let start = model::params_offset::<f32, LstmNet>();
    let body = file.len() - 4;
    let mut loaded = 0;
    for at in 0..body {
        for flip in [0x01u8, 0x80] {
            let mut bytes = file.clone();
            bytes[at] ^= flip;
            let crc = model::crc32(&bytes[..body]);
            bytes[body..].copy_from_slice(&crc.to_le_bytes());
            let mut net: LstmNet = LstmNet::seeded(11);
            let before = net.clone();
            let result = net.from_bytes(&bytes);
            // `verify` runs the same header checks, parameters aside.
            if result.is_ok() {
                assert!(model::verify::<f32, LstmNet>(&bytes), "byte {at}");
            }
            if at < start {
                assert!(result.is_err(), "header byte {at} ^ {flip:#x} was accepted");
                assert_eq!(net, before, "header byte {at}");
                continue;
            }
            let k = (at - start) / 4;
            let value =
                f32::from_le_bytes(bytes[start + 4 * k..start + 4 * k + 4].try_into().unwrap());
            if value.is_finite() {
                assert_eq!(result, Ok(()), "parameter byte {at}");
                let mut flat = vec![0.0f32; LstmNet::<f32>::PARAMS];
                net.write_params(&mut flat).unwrap();
                assert_eq!(flat[k].to_bits(), value.to_bits());
                loaded += 1;
            } else {
                assert_eq!(result, Err(ModelError::NonFinite { index: k }));
                assert_eq!(net, before);
            }
        }
    }
    assert!(loaded > 0);
}
