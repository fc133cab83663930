// A confusion matrix must have as many classes as the network has outputs.
use network::prelude::*;
use network::ConfusionMatrix;

network! {
    struct Net < dense(2 -> 4, relu), dense(4 -> 3, softmax) >
}

fn main() {
    let net: Net = Net::seeded(0);
    let data = [([0.0f32, 1.0], [0.0f32, 1.0, 0.0])];
    let m: ConfusionMatrix<4> = confusion_matrix(&net, &data);
    println!("{m}");
}
