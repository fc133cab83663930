//! safetensors interop: a network trained in PyTorch (`fixtures/make_torch_fixture.py` wrote
//! `fixtures/torch_net.safetensors` and the outputs PyTorch computed, `fixtures/torch_outputs.json`)
//! loads here and computes the same outputs; our exports, of dense and of sequence networks,
//! read back exactly and carry PyTorch's names, shapes and dtypes.

use network::prelude::*;
use network_core::safetensors::{
    LAYOUT_KEY, SafetensorsError, from_safetensors, load_safetensors, save_safetensors,
    to_safetensors,
};
use serde_json::Value;

network! {
    /// The architecture of `make_torch_fixture.py`'s `Net`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct TorchNet <
        dense(4 -> 8, tanh),
        dense(8 -> 8, leaky_relu(0.1)),
        dense(8 -> 6, relu),
        dense(6 -> 5, sigmoid),
        dense(5 -> 3, softmax)
    >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    pub struct Narrower < dense(4 -> 7, tanh), dense(7 -> 3, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    pub struct SameShapes <
        dense(4 -> 8, relu),
        dense(8 -> 8, leaky_relu(0.1)),
        dense(8 -> 6, relu),
        dense(6 -> 5, sigmoid),
        dense(5 -> 3, softmax)
    >
}

const TORCH_FILE: &[u8] = include_bytes!("fixtures/torch_net.safetensors");

fn torch_outputs() -> Value {
    serde_json::from_str(include_str!("fixtures/torch_outputs.json")).unwrap()
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn pytorch_weights_give_pytorch_outputs_in_f32() {
    let mut net: TorchNet = TorchNet::zeroed();
    from_safetensors(&mut net, TORCH_FILE).unwrap();
    let v = torch_outputs();
    let (inputs, outputs) = (rows(&v["inputs"]), rows(&v["outputs_f32"]));
    assert_eq!(inputs.len(), 5);
    for (x, want) in inputs.iter().zip(&outputs) {
        let x: [f32; 4] = core::array::from_fn(|i| x[i] as f32);
        let y = net.forward(&x);
        for (&got, &want) in y.iter().zip(want) {
            assert!(
                (got as f64 - want).abs() <= 1e-6,
                "{x:?}: ours {y:?}, PyTorch {want}"
            );
        }
    }
}

#[test]
fn pytorch_weights_give_pytorch_outputs_in_f64() {
    // The F32 file widens exactly into an f64 network; PyTorch ran the same in float64.
    let mut net: TorchNet<f64> = TorchNet::zeroed();
    from_safetensors(&mut net, TORCH_FILE).unwrap();
    let v = torch_outputs();
    for (x, want) in rows(&v["inputs"]).iter().zip(rows(&v["outputs_f64"])) {
        let y = net.forward(&[x[0], x[1], x[2], x[3]]);
        for (&got, &want) in y.iter().zip(&want) {
            assert!(
                (got - want).abs() <= 1e-12,
                "{x:?}: ours {y:?}, PyTorch {want}"
            );
        }
    }
}

#[test]
fn export_then_import_is_exact() {
    let net: TorchNet = TorchNet::seeded(3);
    let bytes = to_safetensors(&net).unwrap();
    let mut back: TorchNet = TorchNet::zeroed();
    from_safetensors(&mut back, &bytes).unwrap();
    assert_eq!(back, net);

    let net64: TorchNet<f64> = TorchNet::seeded(4);
    let bytes = to_safetensors(&net64).unwrap();
    let mut back64: TorchNet<f64> = TorchNet::zeroed();
    from_safetensors(&mut back64, &bytes).unwrap();
    assert_eq!(back64, net64);
}

#[test]
fn the_export_has_pytorch_names_shapes_and_dtypes() {
    let net: TorchNet = TorchNet::seeded(5);
    let bytes = to_safetensors(&net).unwrap();
    // The format: an 8-byte little-endian header length, a JSON header, the raw data.
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    for (i, (inp, out)) in [(4, 8), (8, 8), (8, 6), (6, 5), (5, 3)]
        .into_iter()
        .enumerate()
    {
        let w = &header[format!("l{}.weight", i + 1)];
        assert_eq!(w["dtype"], "F32");
        assert_eq!(w["shape"], serde_json::json!([out, inp]));
        let b = &header[format!("l{}.bias", i + 1)];
        assert_eq!(b["shape"], serde_json::json!([out]));
    }
    // l1.weight[0][1] sits at its data offset plus one f32.
    let start = header["l1.weight"]["data_offsets"][0].as_u64().unwrap() as usize + 4;
    let w01 = f32::from_le_bytes(data[start..start + 4].try_into().unwrap());
    assert_eq!(w01, net.l1.weight[0][1]);
    assert_eq!(header["__metadata__"]["format"], "pt");
    assert_eq!(
        header["__metadata__"][LAYOUT_KEY],
        "l1=dense(4 -> 8, tanh); l2=dense(8 -> 8, leaky_relu(0.1)); l3=dense(8 -> 6, relu); \
         l4=dense(6 -> 5, sigmoid); l5=dense(5 -> 3, softmax)"
    );
}

fn refused<N: Architecture<f32> + Clone + PartialEq + core::fmt::Debug>(
    mut net: N,
    bytes: &[u8],
) -> SafetensorsError {
    let before = net.clone();
    let e = from_safetensors(&mut net, bytes).unwrap_err();
    assert_eq!(net, before, "a refused file changed the network");
    e
}

#[test]
fn another_architecture_is_refused() {
    // PyTorch's file has no layout metadata: names and shapes decide.
    match refused(Narrower::<f32>::seeded(1), TORCH_FILE) {
        SafetensorsError::UnexpectedTensor(t) => {
            assert!(t.starts_with("l3") || t.starts_with("l4") || t.starts_with("l5"))
        }
        e => panic!("{e}"),
    }
    // Same shapes, another activation: our own exports carry the layout, which decides.
    let ours = to_safetensors(&TorchNet::<f32>::seeded(2)).unwrap();
    assert!(matches!(
        refused(SameShapes::<f32>::seeded(3), &ours),
        SafetensorsError::Layout { .. }
    ));
}

#[test]
fn a_lossy_dtype_is_refused() {
    let ours = to_safetensors(&TorchNet::<f64>::seeded(2)).unwrap();
    assert!(matches!(
        refused(TorchNet::<f32>::seeded(3), &ours),
        SafetensorsError::Dtype {
            tensor: "l1.bias" | "l1.weight",
            ..
        }
    ));
}

#[test]
fn garbage_and_truncation_are_refused() {
    assert!(matches!(
        refused(TorchNet::<f32>::seeded(4), b"nonsense"),
        SafetensorsError::Format(_)
    ));
    for cut in [0, 7, 8, 100, TORCH_FILE.len() - 1] {
        assert!(matches!(
            refused(TorchNet::<f32>::seeded(4), &TORCH_FILE[..cut]),
            SafetensorsError::Format(_)
        ));
    }
}

#[test]
fn non_finite_weights_are_refused_both_ways() {
    let mut net: TorchNet = TorchNet::seeded(6);
    net.l2.bias[3] = f32::INFINITY;
    assert!(matches!(
        to_safetensors(&net),
        Err(SafetensorsError::NonFinite {
            tensor: "l2.bias",
            index: 3
        })
    ));
    // A file with a NaN (written by patching a valid one) is refused on import.
    let good = TorchNet::<f32>::seeded(7);
    let mut bytes = to_safetensors(&good).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let at = 8 + n + header["l3.weight"]["data_offsets"][0].as_u64().unwrap() as usize + 8;
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(
        refused(TorchNet::<f32>::seeded(8), &bytes),
        SafetensorsError::NonFinite {
            tensor: "l3.weight",
            index: 2
        }
    ));
}

#[test]
fn files_round_trip() {
    let dir = std::env::temp_dir().join(format!("network-safetensors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("net.safetensors");
    let net: TorchNet = TorchNet::seeded(9);
    save_safetensors(&net, &path).unwrap();
    let mut back: TorchNet = TorchNet::zeroed();
    load_safetensors(&mut back, &path).unwrap();
    assert_eq!(back, net);
    std::fs::remove_dir_all(&dir).unwrap();
}

network! {
    /// A PyTorch module with `l1 = nn.GRU(3, 5)` and `l2 = nn.Linear(5, 2)` (tanh after it).
    #[derive(Clone, Debug, PartialEq)]
    pub struct GruNet < gru(3 -> 5), dense(5 -> 2, tanh) >
    /// The same with `l1 = nn.LSTM(3, 5)`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct LstmNet < lstm(3 -> 5), dense(5 -> 2, tanh) >
}

/// The JSON header of a safetensors file, and where its data starts.
fn header_of(bytes: &[u8]) -> (Value, usize) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&bytes[8..8 + n]).unwrap(), 8 + n)
}

/// The file without its `__metadata__`, as PyTorch's `save_file` writes one.
fn without_metadata(bytes: &[u8]) -> Vec<u8> {
    let (mut header, data) = header_of(bytes);
    header.as_object_mut().unwrap().remove("__metadata__");
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    out.extend_from_slice(&bytes[data..]);
    out
}

fn bits<T: Float, N: Parameters<T>>(net: &N) -> Vec<u64> {
    (0..N::TENSORS)
        .flat_map(|i| net.tensor(i).iter().map(|p| p.as_f64().to_bits()))
        .collect()
}

#[test]
fn sequence_networks_export_and_import_exactly() {
    fn exact<T: Float, N: Architecture<T> + PartialEq + core::fmt::Debug>(net: &N) {
        let bytes = to_safetensors(net).unwrap();
        let mut back = N::zeroed();
        from_safetensors(&mut back, &bytes).unwrap();
        assert_eq!(bits(&back), bits(net));
        assert_eq!(&back, net);
        // PyTorch's own files carry no layout: names and shapes suffice.
        let mut back = N::zeroed();
        from_safetensors(&mut back, &without_metadata(&bytes)).unwrap();
        assert_eq!(bits(&back), bits(net));
    }
    exact(&GruNet::<f32>::seeded(1));
    exact(&GruNet::<f64>::seeded(2));
    exact(&LstmNet::<f32>::seeded(3));
    exact(&LstmNet::<f64>::seeded(4));

    let dir = std::env::temp_dir().join(format!("network-safetensors-seq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gru.safetensors");
    let net: GruNet<f64> = GruNet::seeded(5);
    save_safetensors(&net, &path).unwrap();
    let mut back: GruNet<f64> = GruNet::zeroed();
    load_safetensors(&mut back, &path).unwrap();
    assert_eq!(bits(&back), bits(&net));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sequence_exports_have_pytorchs_state_dict_names_and_shapes() {
    let net: GruNet = GruNet::seeded(6);
    let bytes = to_safetensors(&net).unwrap();
    let (header, data) = header_of(&bytes);
    let shapes = [
        ("l1.weight_ih_l0", serde_json::json!([15, 3])),
        ("l1.weight_hh_l0", serde_json::json!([15, 5])),
        ("l1.bias_ih_l0", serde_json::json!([15])),
        ("l1.bias_hh_l0", serde_json::json!([15])),
        ("l2.weight", serde_json::json!([2, 5])),
        ("l2.bias", serde_json::json!([2])),
    ];
    for (name, shape) in &shapes {
        assert_eq!(header[name]["dtype"], "F32", "{name}");
        assert_eq!(header[name]["shape"], *shape, "{name}");
    }
    assert_eq!(header.as_object().unwrap().len(), shapes.len() + 1);
    // `weight_hh_l0` holds the gates r, z, n one after the other: its row 5 is the first row
    // of z's, `W_hz[0]`, and element 1 of that row sits 5·5 + 1 values in.
    let at = data
        + header["l1.weight_hh_l0"]["data_offsets"][0]
            .as_u64()
            .unwrap() as usize;
    let at = at + 4 * (5 * 5 + 1);
    let w = f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(w, net.l1.weight_hh[1][0][1]);
    assert_eq!(
        header["__metadata__"][LAYOUT_KEY],
        "l1=gru(3 -> 5); l2=dense(5 -> 2, tanh)"
    );
    let lstm = to_safetensors(&LstmNet::<f32>::seeded(7)).unwrap();
    let (header, _) = header_of(&lstm);
    assert_eq!(
        header["l1.weight_ih_l0"]["shape"],
        serde_json::json!([20, 3])
    );
    assert_eq!(header["l1.bias_hh_l0"]["shape"], serde_json::json!([20]));
}

#[test]
fn a_gru_file_is_refused_by_an_lstm_network() {
    let gru = to_safetensors(&GruNet::<f32>::seeded(8)).unwrap();
    // Our export carries the layout, which names both layers.
    let e = refused(LstmNet::<f32>::seeded(9), &gru);
    assert!(matches!(e, SafetensorsError::Layout { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "the file is for `l1=gru(3 -> 5); l2=dense(5 -> 2, tanh)` but the network is \
         `l1=lstm(3 -> 5); l2=dense(5 -> 2, tanh)`"
    );
    // PyTorch's file has none: the GRU's three gates are not the LSTM's four.
    let e = refused(LstmNet::<f32>::seeded(9), &without_metadata(&gru));
    match e {
        SafetensorsError::Shape {
            tensor: "l1.weight_ih_l0",
            expected: [20, 3],
            ref found,
        } => assert_eq!(found, &[15, 3]),
        e => panic!("{e}"),
    }
}
