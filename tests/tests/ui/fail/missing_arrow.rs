use network::prelude::*;

network! {
    struct Net < dense(2, 8, relu) >
}

fn main() {}
