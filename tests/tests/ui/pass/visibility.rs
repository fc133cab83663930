//! Visibility applies to the network and to its gradient and trace types.
mod inner {
    use network::prelude::*;

    network! {
        pub struct Public < dense(2 -> 1, identity) >
        pub(crate) struct Crate < dense(2 -> 1, identity) >
        pub(super) struct Super < dense(2 -> 1, identity) >
    }

    network! {
        struct Private < dense(2 -> 1, identity) >
    }

    pub fn private_works() -> f32 {
        let net: Private = Private::zeroed();
        net.forward(&[1.0, 2.0])[0]
    }
}

fn main() {
    let net: inner::Public = inner::Public::zeroed();
    let _grads: inner::PublicGradients = inner::PublicGradients::zeroed();
    let _trace: inner::PublicTrace = net.forward_trace(&[0.0, 0.0]);
    let _c: inner::Crate = inner::Crate::zeroed();
    let _s: inner::Super = inner::Super::zeroed();
    assert_eq!(inner::private_works(), 0.0);
}
