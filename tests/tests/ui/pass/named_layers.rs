//! Named layers become the field names of the network, its gradients and its trace.
use network::prelude::*;

network! {
    struct Classifier <
        encoder: dense(4 -> 16, leaky_relu(0.2)),
        dense(16 -> 8, tanh),
        head: dense(8 -> 3, softmax)
    >
}

fn main() {
    let net: Classifier = Classifier::seeded(7);
    let x = [0.1, 0.2, 0.3, 0.4];
    let (loss, grads) = net.backprop(&x, &[0.0, 1.0, 0.0], &CrossEntropy);
    assert!(loss > 0.0);
    let _: [f32; 16] = grads.encoder.bias;
    let _: [[f32; 16]; 8] = grads.l2.weight;
    let _: [f32; 3] = grads.head.bias;
    let trace = net.forward_trace(&x);
    let _: [f32; 8] = trace.l2.a;
    let _: [f32; 3] = trace.head.z;
    let _: &network::Dense<f32, 4, 16, LeakyRelu> = &net.encoder;
}
