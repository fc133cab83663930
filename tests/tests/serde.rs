//! The `serde` feature: generated networks and gradients of any width serialise and come back
//! exactly, with their declared activations, and malformed input is refused.

use network::prelude::*;

network! {
    /// Wider than serde's 32-element array limit, and with a parameterised activation.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Wide < dense(40 -> 33, leaky_relu(0.2)), dense(33 -> 2, softmax) >
}

network! {
    #[derive(Clone, Debug, PartialEq)]
    pub struct Tiny < dense(2 -> 2, tanh), dense(2 -> 1, identity) >
}

#[test]
fn json_round_trip_is_exact_and_keeps_the_activation() {
    let net: Wide = Wide::seeded(1);
    let json = serde_json::to_string(&net).unwrap();
    let back: Wide = serde_json::from_str(&json).unwrap();
    assert_eq!(back, net);
    assert_eq!(back.l1.activation.alpha, 0.2);

    let net64: Wide<f64> = Wide::seeded(2);
    let back64: Wide<f64> = serde_json::from_str(&serde_json::to_string(&net64).unwrap()).unwrap();
    assert_eq!(back64, net64);
}

#[test]
fn gradients_round_trip() {
    let net: Wide = Wide::seeded(3);
    let x = [0.5f32; 40];
    let (_, grads) = net.backprop(&x, &[1.0, 0.0], &CrossEntropy);
    let json = serde_json::to_string(&grads).unwrap();
    let back: WideGradients = serde_json::from_str(&json).unwrap();
    assert_eq!(back, grads);
}

#[test]
fn the_json_shape_is_layers_of_weight_rows_and_bias() {
    let mut net: Tiny = Tiny::zeroed();
    net.l1.weight = [[1.0, 2.0], [3.0, 4.0]];
    net.l1.bias = [5.0, 6.0];
    net.l2.weight = [[7.0, 8.0]];
    net.l2.bias = [9.0];
    assert_eq!(
        serde_json::to_string(&net).unwrap(),
        r#"{"l1":{"weight":[[1.0,2.0],[3.0,4.0]],"bias":[5.0,6.0]},"l2":{"weight":[[7.0,8.0]],"bias":[9.0]}}"#
    );
    // Field order does not matter in a self-describing format.
    let back: Tiny = serde_json::from_str(
        r#"{"l2":{"bias":[9],"weight":[[7,8]]},"l1":{"weight":[[1,2],[3,4]],"bias":[5,6]}}"#,
    )
    .unwrap();
    assert_eq!(back, net);
}

#[test]
fn malformed_input_is_refused() {
    let bad = [
        // A row too short, a row too long, a missing row, an extra row.
        r#"{"l1":{"weight":[[1,2],[3]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
        r#"{"l1":{"weight":[[1,2],[3,4,0]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
        r#"{"l1":{"weight":[[1,2]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
        r#"{"l1":{"weight":[[1,2],[3,4],[0,0]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
        // A missing layer, an unknown layer, a repeated layer, a missing bias.
        r#"{"l1":{"weight":[[1,2],[3,4]],"bias":[5,6]}}"#,
        r#"{"l1":{"weight":[[1,2],[3,4]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]},"l3":{}}"#,
        r#"{"l1":{"weight":[[1,2],[3,4]],"bias":[5,6]},"l1":{"weight":[[1,2],[3,4]],"bias":[5,6]}}"#,
        r#"{"l1":{"weight":[[1,2],[3,4]]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
        // Not numbers.
        r#"{"l1":{"weight":[[1,"2"],[3,4]],"bias":[5,6]},"l2":{"weight":[[7,8]],"bias":[9]}}"#,
    ];
    for json in bad {
        assert!(
            serde_json::from_str::<Tiny>(json).is_err(),
            "accepted {json}"
        );
    }
}

#[test]
fn a_format_without_field_names_round_trips() {
    // postcard, like bincode, writes structs as bare sequences: the other half of the
    // deserialiser (sequences instead of maps) and the declared field count are exercised.
    let net: Wide = Wide::seeded(4);
    let bytes = postcard::to_stdvec(&net).unwrap();
    // Nothing but the 40·33 + 33 + 33·2 + 2 floats, 4 bytes each.
    assert_eq!(bytes.len(), 4 * Wide::<f32>::PARAMS);
    let back: Wide = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, net);
    assert!(postcard::from_bytes::<Wide>(&bytes[..bytes.len() - 1]).is_err());
}
