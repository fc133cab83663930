use network::network;

network! {
    struct Net < dense(2 -> 8, elu(0)), dense(8 -> 1, elu(-1.0)), dense(1 -> 1, elu(a)) >
}

fn main() {}
