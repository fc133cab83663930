use network::prelude::*;

const HIDDEN: usize = 8;

network! {
    struct Net < dense(2.5 -> HIDDEN, relu) >
}

fn main() {}
