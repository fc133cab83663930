//! The page's API: plain `extern "C"` functions on one [`App`], numbers in and out, results left
//! in wasm memory for JavaScript to read through a pointer and a length. No bindings generator.
//!
//! Pointers stay valid until the next call that rewrites the same buffer. The functions are
//! prefixed `pg_` so they cannot clash with C symbols when the crate is linked on the host.
// `no_mangle` is the only `unsafe` here: it exports each function under its own name.
#![allow(unsafe_code)]

use std::cell::RefCell;

use crate::App;
use crate::data::Kind;

thread_local! {
    // wasm32-unknown-unknown runs one thread: this is the page's single App.
    static APP: RefCell<App> = RefCell::new(App::default());
}

fn with<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with_borrow_mut(f)
}

/// Address of the networks' menu as UTF-8 JSON (see [`crate::models_json`]).
#[unsafe(no_mangle)]
pub extern "C" fn pg_models() -> *const u8 {
    with(|a| a.models.as_ptr())
}

/// Length in bytes of [`pg_models`]'s JSON.
#[unsafe(no_mangle)]
pub extern "C" fn pg_models_len() -> usize {
    with(|a| a.models.len())
}

/// Draws data set `kind` (0 xor, 1 circles, 2 spirals, 3 blobs) of `n` points with `noise`,
/// `test_percent` held out, from `seed`. Returns the number of points, 0 for an unknown kind.
#[unsafe(no_mangle)]
pub extern "C" fn pg_set_data(kind: u32, n: u32, noise: f32, test_percent: u32, seed: u32) -> u32 {
    let Some(kind) = Kind::from_index(kind) else {
        return 0;
    };
    with(|a| a.set_data(kind, n as usize, noise, test_percent, u64::from(seed)));
    n
}

/// Address of the points, 4 `f32` each: `x, y, label, is_test`.
#[unsafe(no_mangle)]
pub extern "C" fn pg_points() -> *const f32 {
    with(|a| a.points.as_ptr())
}

/// Number of points in [`pg_points`].
#[unsafe(no_mangle)]
pub extern "C" fn pg_points_len() -> usize {
    with(|a| a.points.len() / 4)
}

/// A fresh network `model` (index into the menu) initialised from `seed`; 0 if there is no such
/// network, 1 otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn pg_reset(model: u32, seed: u32) -> u32 {
    u32::from(with(|a| a.reset(model as usize, u64::from(seed))))
}

/// Switches the optimizer: 0 SGD, 1 SGD with momentum 0.9, 2 Adam (fresh state).
#[unsafe(no_mangle)]
pub extern "C" fn pg_set_optimizer(kind: u32) {
    with(|a| a.set_optimizer(kind));
}

/// Sets the learning rate.
#[unsafe(no_mangle)]
pub extern "C" fn pg_set_learning_rate(lr: f32) {
    with(|a| a.set_learning_rate(lr));
}

/// Sets the mini-batch size (at least 1).
#[unsafe(no_mangle)]
pub extern "C" fn pg_set_batch(batch: u32) {
    with(|a| a.set_batch(batch as usize));
}

/// Runs `batches` mini-batch updates; returns their mean loss (NaN without training data).
#[unsafe(no_mangle)]
pub extern "C" fn pg_train(batches: u32) -> f32 {
    with(|a| a.model.train(&a.data, batches as usize).unwrap_or(f32::NAN))
}

/// Evaluates the network; returns the address of 6 `f32`: train loss, test loss, train
/// accuracy, test accuracy, mini-batch updates, epochs.
#[unsafe(no_mangle)]
pub extern "C" fn pg_evaluate() -> *const f32 {
    with(|a| {
        a.evaluate();
        a.metrics.as_ptr()
    })
}

/// Renders the decision boundary, `res × res` RGBA bytes; returns their address.
#[unsafe(no_mangle)]
pub extern "C" fn pg_render(res: u32) -> *const u8 {
    with(|a| {
        let App { model, pixels, .. } = a;
        model.render(res as usize, pixels);
        pixels.as_ptr()
    })
}

/// Layer `layer`'s (0-based) biases and the training set's mean `∂L/∂b`; returns the address
/// of `2 · width` `f32`, biases first. [`pg_bias_width`] gives the width.
#[unsafe(no_mangle)]
pub extern "C" fn pg_bias(layer: u32) -> *const f32 {
    with(|a| {
        let App {
            model, data, bias, ..
        } = a;
        model.bias_and_gradient(data, layer as usize, bias);
        bias.as_ptr()
    })
}

/// Width of the layer [`pg_bias`] last read (0 for no such layer).
#[unsafe(no_mangle)]
pub extern "C" fn pg_bias_width() -> usize {
    with(|a| a.bias.len() / 2)
}
