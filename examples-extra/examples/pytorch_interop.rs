//! Loads the network PyTorch trained in `tests/tests/fixtures/make_torch_fixture.py`, checks
//! that it computes what PyTorch computed, and exports it (fine-tuned one SGD step) for PyTorch
//! again.
//!
//! Run with `cargo run --release -p network-examples-extra --example pytorch_interop [OUT]`
//! (default OUT: `torch_net_finetuned.safetensors` in the system's temporary folder). Load OUT
//! in PyTorch with `Net().load_state_dict(safetensors.torch.load_file(OUT))`, `Net` being the
//! script's module. Exits non-zero if an output differs from PyTorch's by more than 1e-6.

use network::prelude::*;
use network::safetensors::{load_safetensors, save_safetensors};

network! {
    /// The architecture of the script's `Net`: its `nn.Linear` attributes are `l1` ... `l5`.
    pub struct TorchNet <
        dense(4 -> 8, tanh),
        dense(8 -> 8, leaky_relu(0.1)),
        dense(8 -> 6, relu),
        dense(6 -> 5, sigmoid),
        dense(5 -> 3, softmax)
    >
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tests/fixtures");
    let mut net: TorchNet = TorchNet::zeroed();
    load_safetensors(&mut net, fixtures.join("torch_net.safetensors"))?;

    // What PyTorch computed for a few inputs, saved next to the weights.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        fixtures.join("torch_outputs.json"),
    )?)?;
    let floats = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_f64())
            .map(|x| x as f32)
            .collect()
    };
    let pairs = json["inputs"]
        .as_array()
        .ok_or("no inputs")?
        .iter()
        .zip(json["outputs_f32"].as_array().ok_or("no outputs")?);
    let mut worst = 0.0f32;
    let mut first = [0.0f32; 4];
    for (i, (x, want)) in pairs.enumerate() {
        let x: [f32; 4] = floats(x)
            .try_into()
            .map_err(|_| "an input is not 4 floats")?;
        let want = floats(want);
        let y = net.forward(&x);
        println!("{x:?} -> ours {y:?}, PyTorch {want:?}");
        for (a, b) in y.iter().zip(&want) {
            worst = worst.max((a - b).abs());
        }
        if i == 0 {
            first = x;
        }
    }
    println!("largest difference from PyTorch: {worst:e}");

    // Fine-tune one step here, then hand the weights back to PyTorch.
    let loss = net.train_step(&first, &[0.0, 1.0, 0.0], &CrossEntropy, &mut Sgd::new(0.1));
    println!("cross-entropy before the step: {loss:.6}");
    let out = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("torch_net_finetuned.safetensors"));
    save_safetensors(&net, &out)?;
    println!("wrote {}", out.display());
    if worst > 1e-6 {
        return Err("outputs differ from PyTorch's".into());
    }
    Ok(())
}
