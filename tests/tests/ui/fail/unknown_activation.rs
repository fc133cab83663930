use network::prelude::*;

network! {
    struct Net < dense(2 -> 8, rlu), dense(8 -> 1, sigmoid) >
}

fn main() {}
