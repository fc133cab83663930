//! Doc comments and attributes, derives included, pass through to the struct.
use network::prelude::*;

network! {
    /// A documented network.
    ///
    /// With two paragraphs.
    #[derive(Clone, Copy, Debug, PartialEq, Default)]
    #[allow(dead_code)]
    pub struct Documented < dense(2 -> 3, relu), dense(3 -> 1, sigmoid) >
}

fn main() {
    let a: Documented = Documented::seeded(1);
    let b = a;
    assert_eq!(a, b);
    assert_eq!(Documented::<f64>::default(), Documented::<f64>::zeroed());
    println!("{a:?}");
}
