//! A model file of another architecture is refused as such through every entry point, whatever
//! its length, and every error says what differs (and, for files, which file).

use network::model::{self, LayerDesc, ModelError};
use network::prelude::*;

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Wide < dense(13 -> 16, tanh), dense(16 -> 3, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Narrow < dense(13 -> 8, tanh), dense(8 -> 3, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    struct Tiny < dense(2 -> 1, sigmoid) >
}

// A header far longer than `Tiny`'s whole model: `load` must read past its first guess.
network! {
    #[derive(Clone, Debug, PartialEq)]
    struct LongNames <
        first_hidden_layer_with_a_long_name: dense(2 -> 3, leaky_relu(0.125)),
        second_hidden_layer_with_a_long_name: dense(3 -> 3, leaky_relu(0.125)),
        third_hidden_layer_with_a_long_name: dense(3 -> 3, leaky_relu(0.125)),
        fourth_hidden_layer_with_a_long_name: dense(3 -> 3, leaky_relu(0.125)),
        output_layer_with_a_long_name: dense(3 -> 1, sigmoid),
    >
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "network-model-errors-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bytes_of<T: Float, N: ModelFile<T>>(net: &N) -> Vec<u8> {
    let mut buf = vec![0u8; N::ENCODED_LEN];
    net.to_bytes(&mut buf).unwrap();
    buf
}

/// `found`'s file read into an `N` through `from_bytes`, `verify`, `load` and `load_into`: the
/// same error each time (or `false`), with the path for the file ones, and `N` untouched.
fn refused_everywhere<N>(file: &[u8], want: ModelError, dir: &std::path::Path)
where
    N: ModelFile<f32> + Clone + PartialEq + std::fmt::Debug,
{
    let mut net = N::seeded(5);
    let before = net.clone();
    assert!(want.is_other_architecture());
    assert_eq!(net.from_bytes(file), Err(want));
    assert!(!model::verify::<f32, N>(file));
    let path = dir.join("other.model");
    std::fs::write(&path, file).unwrap();
    let err = N::load(&path).unwrap_err();
    assert_eq!(err.model_error(), Some(&want), "load: {err}");
    assert_eq!(err.path(), path);
    let err = net.load_into(&path).unwrap_err();
    assert_eq!(err.model_error(), Some(&want), "load_into: {err}");
    assert_eq!(net, before, "a refused model changed the network");
}

#[test]
fn a_larger_file_of_another_architecture_gives_the_layer_error() {
    let dir = temp_dir("larger");
    let file = bytes_of(&Wide::<f32>::seeded(1));
    assert!(file.len() > Narrow::<f32>::ENCODED_LEN + 1);
    let want = ModelError::Layer {
        index: 0,
        found: LayerDesc::of(&Wide::<f32>::LAYOUT[0]),
        expected: &Narrow::<f32>::LAYOUT[0],
    };
    refused_everywhere::<Narrow>(&file, want, &dir);
    assert_eq!(
        want.to_string(),
        "layer 1: the file holds `l1: dense(13 -> 16, tanh)`, this network has `l1: dense(13 -> 8, tanh)`"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_smaller_file_of_another_architecture_gives_the_layer_error() {
    let dir = temp_dir("smaller");
    let file = bytes_of(&Narrow::<f32>::seeded(2));
    assert!(file.len() < Wide::<f32>::ENCODED_LEN);
    let want = ModelError::Layer {
        index: 0,
        found: LayerDesc::of(&Narrow::<f32>::LAYOUT[0]),
        expected: &Wide::<f32>::LAYOUT[0],
    };
    refused_everywhere::<Wide>(&file, want, &dir);
    assert_eq!(
        want.to_string(),
        "layer 1: the file holds `l1: dense(13 -> 8, tanh)`, this network has `l1: dense(13 -> 16, tanh)`"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_whose_header_alone_outgrows_the_network_gives_the_layer_count() {
    let dir = temp_dir("long-header");
    let file = bytes_of(&LongNames::<f32>::seeded(3));
    assert!(model::params_offset::<f32, LongNames>() > Tiny::<f32>::ENCODED_LEN + 1);
    let want = ModelError::LayerCount {
        expected: 1,
        found: 5,
    };
    refused_everywhere::<Tiny>(&file, want, &dir);
    assert_eq!(
        want.to_string(),
        "the file holds 5 layers, this network has 1"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_later_layer_that_differs_is_named_with_its_index() {
    network! {
        #[derive(Clone, Debug, PartialEq)]
        struct OtherOutput < dense(13 -> 16, tanh), dense(16 -> 3, sigmoid) >
    }
    let mut net: Wide = Wide::seeded(4);
    let err = net
        .from_bytes(&bytes_of(&OtherOutput::<f32>::seeded(4)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 2: the file holds `l2: dense(16 -> 3, sigmoid)`, this network has `l2: dense(16 -> 3, softmax)`"
    );
}

#[test]
fn an_f64_file_into_an_f32_network_names_both_types() {
    let dir = temp_dir("f64");
    let path = dir.join("wide64.model");
    Wide::<f64>::seeded(6).save(&path).unwrap();
    let err = Wide::<f32>::load(&path).unwrap_err();
    assert_eq!(
        err.model_error(),
        Some(&ModelError::ScalarType {
            expected: "f32",
            found: "f64"
        })
    );
    assert_eq!(
        err.to_string(),
        format!(
            "model file {}: the file holds f64 parameters, this network computes in f32 \
             (declare it as `Name<f64>` to read this file)",
            path.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_file_names_its_path() {
    let dir = temp_dir("missing");
    let path = dir.join("no-such.model");
    let err = Wide::<f32>::load(&path).unwrap_err();
    assert_eq!(err.path(), path);
    assert_eq!(
        err.io_error().map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound)
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("model file {}: ", path.display())),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_save_into_a_missing_folder_names_its_path() {
    let dir = temp_dir("save-missing");
    let path = dir.join("no-such-folder").join("m.model");
    let err = Wide::<f32>::seeded(7).save(&path).unwrap_err();
    assert_eq!(err.path(), path);
    assert!(err.io_error().is_some());
    assert!(err.to_string().contains(&path.display().to_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_truncated_file_of_this_architecture_is_still_truncated() {
    let dir = temp_dir("truncated");
    let file = bytes_of(&Wide::<f32>::seeded(8));
    assert!(!ModelError::Malformed.is_other_architecture());
    let path = dir.join("cut.model");
    std::fs::write(&path, &file[..file.len() - 10]).unwrap();
    let err = Wide::<f32>::load(&path).unwrap_err();
    assert_eq!(
        err.model_error(),
        Some(&ModelError::Truncated {
            needed: file.len() as u64,
            found: file.len() - 10
        })
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn long_names_are_cut_at_a_character_boundary() {
    let d = network::model::ShortStr::<4>::new("ab€cd");
    assert_eq!(d.as_str(), "ab");
    assert_eq!(d.to_string(), "ab…");
    assert_eq!(
        network::model::ShortStr::<8>::new("tanh").to_string(),
        "tanh"
    );
}
