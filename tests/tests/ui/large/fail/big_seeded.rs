//! The program of a new user, as written: `Big::seeded` warns and names `boxed_seeded`.
//! `deny` turns the warning into an error so that its text is compared.
#![deny(deprecated)]
use network::prelude::*;

network! { struct Big < dense(784 -> 2048, relu), dense(2048 -> 1024, relu), dense(1024 -> 10, softmax) > }

fn main() {
    let mut n: Big = Big::seeded(1);
    let _ = &mut n;
}
