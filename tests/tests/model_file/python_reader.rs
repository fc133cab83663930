//! Runs the Python reader printed in `docs/model-format.md` on files this crate writes, so the
//! specification cannot drift from the code. Needs `python3` (standard library only).

use std::process::Command;

use network::prelude::*;
use serde_json::Value;

network! {
    struct Mixed < dense(3 -> 4, leaky_relu(0.2)), dense(4 -> 2, sigmoid) >
    struct Sequence < gru(2 -> 3), lstm(3 -> 2), dense(2 -> 1, identity) >
}

/// The ```python block of the format document, verbatim.
fn reader_script() -> String {
    let doc = include_str!("../../../docs/model-format.md");
    let start = doc.find("```python\n").expect("the doc has a Python block") + 10;
    let len = doc[start..].find("\n```").expect("the Python block ends");
    doc[start..start + len].to_string()
}

fn read_with_python<T: Float, N: ModelFile<T>>(net: &N, name: &str) -> Value {
    let dir = std::env::temp_dir().join(format!("network-pyreader-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("reader.py");
    std::fs::write(&script, reader_script()).unwrap();
    let model = dir.join("m.model");
    network::model::save(net, &model).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg(&model)
        .output()
        .expect("python3 must be installed to check the documented reader");
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check<T: Float, N: ModelFile<T>>(net: &N, v: &Value) {
    assert_eq!(v["scalar"], T::NAME);
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), N::LAYERS);
    for (l, info) in layers.iter().zip(N::LAYOUT) {
        assert_eq!(l["name"], info.name);
        assert_eq!(l["kind"], info.kind);
        assert_eq!(l["inputs"], info.inputs);
        assert_eq!(l["outputs"], info.outputs);
        assert_eq!(l["activation"], info.activation);
    }
    for i in 0..N::TENSORS {
        let t = &v["tensors"][N::tensor_name(i)];
        let flat: Vec<f64> = match N::tensor_shape(i) {
            [_, _] => t
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|row| row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
                .collect(),
            _ => t
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect(),
        };
        let ours: Vec<f64> = net.tensor(i).iter().map(|p| p.as_f64()).collect();
        assert_eq!(flat, ours, "tensor {}", N::tensor_name(i));
    }
}

#[test]
fn the_documented_python_reader_reads_f32_models() {
    let net: Mixed = Mixed::seeded(5);
    let v = read_with_python(&net, "f32");
    check(&net, &v);
}

#[test]
fn the_documented_python_reader_reads_f64_models() {
    let net: Mixed<f64> = Mixed::seeded(6);
    let v = read_with_python(&net, "f64");
    check(&net, &v);
}

/// A sequence network's file: the reader cuts `gru` and `lstm` layers into PyTorch's four
/// tensors each, by the kind in the header.
#[test]
fn the_documented_python_reader_reads_sequence_models() {
    let net: Sequence<f64> = Sequence::seeded(7);
    let v = read_with_python(&net, "sequence");
    assert_eq!(v["tensors"].as_object().unwrap().len(), 10);
    assert_eq!(v["tensors"]["l2.weight_hh_l0"].as_array().unwrap().len(), 8);
    check(&net, &v);
}
