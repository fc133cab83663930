use network::prelude::*;

network! {
    struct Net < dense(2 -> 8) >
}

fn main() {}
