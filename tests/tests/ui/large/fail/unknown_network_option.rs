use network::prelude::*;

network! {
    #[network(allow_big)]
    struct Big < dense(784 -> 2048, relu), dense(2048 -> 10, softmax) >
}

fn main() {}
