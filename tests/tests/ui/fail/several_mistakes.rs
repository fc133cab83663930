use network::prelude::*;

// Independent mistakes are all reported, each on its own token.
network! {
    struct Net < dense(2 -> 8, tanhh), dense(4 -> 0, relu), dense(1 -> 3, softmax) >
}

fn main() {}
