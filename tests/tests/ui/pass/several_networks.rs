//! Several networks in one invocation, each with its own types; generic code handles all.
use network::prelude::*;

network! {
    /// The first.
    pub struct Policy < dense(6 -> 32, relu), dense(32 -> 32, relu), dense(32 -> 4, softmax) >
    /// The second.
    pub struct Value < dense(6 -> 32, tanh), dense(32 -> 1, identity) >
    pub struct Single < dense(1 -> 1, identity) >
}

fn params<N: Network<f32>>(_: &N) -> usize {
    N::PARAMS
}

fn main() {
    let p: Policy = Policy::seeded(1);
    let v: Value = Value::seeded(2);
    let s: Single = Single::seeded(3);
    assert_eq!(params(&p), 6 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4);
    assert_eq!(params(&v), 6 * 32 + 32 + 32 + 1);
    assert_eq!(params(&s), 2);
    let _: PolicyGradients = PolicyGradients::zeroed();
    let _: ValueTrace = v.forward_trace(&[0.0; 6]);
}
