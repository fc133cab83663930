//! The heap alternatives the warnings of a large sequence network name compile without one:
//! the network, its gradients, the optimizer, the window's traces and the frozen network all on
//! the heap.
#![deny(deprecated)]
use network::prelude::*;

network! { pub struct BigGru < gru(256 -> 256), dense(256 -> 1, identity) > }

fn main() {
    let mut net = BigGru::<f32>::boxed_seeded(1);
    let mut grads = BigGru::<f32>::boxed_gradients();
    let mut opt = Adam::boxed(1e-3);
    let mut window = BigGru::<f32>::boxed_window::<4>();
    let xs = [[0.5f32; 256]; 4];
    let ys = [[0.25f32; 1]; 4];
    let mut state = BigGruState::default();
    for _ in 0..2 {
        grads.set_zero();
        let (_loss, end) = net.window_gradients(&state, &xs, &ys, 1, &Mse, &mut window, &mut grads);
        opt.step(&mut *net, &grads);
        state = end;
    }
    let path = std::env::temp_dir().join(format!("big-gru-{}.model", std::process::id()));
    net.save(&path).unwrap();
    let mut back = BigGru::<f32>::boxed_zeroed();
    back.load_into(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(back.write_params(&mut vec![0.0; BigGru::<f32>::PARAMS]).is_ok());
    let mut frozen = back.boxed_freeze();
    back.freeze_into(&mut frozen);
    let _ = frozen.step(&mut BigGruState::default(), &[0.5; 256]);
}
