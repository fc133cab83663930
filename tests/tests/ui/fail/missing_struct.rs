use network::prelude::*;

network! {
    pub Net < dense(2 -> 1, sigmoid) >
}

fn main() {}
