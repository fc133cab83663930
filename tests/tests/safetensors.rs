//! safetensors interop: a network trained in PyTorch (`fixtures/make_torch_fixture.py` wrote
//! `fixtures/torch_net.safetensors` and the outputs PyTorch computed, `fixtures/torch_outputs.json`)
//! loads here and computes the same outputs; our exports read back exactly and carry PyTorch's
//! names, shapes and dtypes.

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

fn refused<N: Network<f32> + Clone + PartialEq + core::fmt::Debug>(
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
