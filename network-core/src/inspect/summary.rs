//! A Keras-like `summary()` table of a network's layers, written from [`Network::LAYOUT`].

use core::fmt;
use core::marker::PhantomData;

use crate::inspect::budget::MemoryBudget;
use crate::inspect::metrics::digits;
use crate::network::Network;
use crate::scalar::Float;

/// The architecture of network type `N` as a table: each layer's name, kind, input and output
/// widths, activation and parameter count, then the total and the memory budget. Made by the
/// generated `summary()` method and used by the generated `Display`; it needs no allocation.
///
/// ```text
/// Xor (f32): 2 inputs, 1 output
/// layer  kind   inputs  outputs  activation  params
/// -------------------------------------------------
/// l1     dense       2        8  tanh            24
/// l2     dense       8        1  sigmoid          9
/// -------------------------------------------------
/// total parameters: 33 (132 bytes)
/// memory: network 132 B, gradients 132 B, trace 80 B
/// optimizer state: SGD 8 B, momentum 148 B, Adam 288 B, AdamW 288 B
/// batched step scratch: 3456 B (32 rows per chunk)
/// ```
///
/// The last three lines are the [`MemoryBudget`] constants.
pub struct Summary<T, N> {
    name: &'static str,
    types: PhantomData<fn() -> (T, N)>,
}

impl<T, N> Summary<T, N> {
    /// The summary of `N`, titled `name` (the struct's name).
    pub const fn new(name: &'static str) -> Self {
        Summary {
            name,
            types: PhantomData,
        }
    }
}

impl<T, N> Clone for Summary<T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, N> Copy for Summary<T, N> {}

impl<T, N> fmt::Debug for Summary<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Summary").field("name", &self.name).finish()
    }
}

const HEADERS: [&str; 6] = ["layer", "kind", "inputs", "outputs", "activation", "params"];

impl<T: Float, N: Network<T>> fmt::Display for Summary<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        writeln!(
            f,
            "{} ({}): {} input{}, {} output{}",
            self.name,
            T::NAME,
            N::INPUTS,
            plural(N::INPUTS),
            N::OUTPUTS,
            plural(N::OUTPUTS)
        )?;
        let mut w = HEADERS.map(str::len);
        for l in N::LAYOUT {
            let cells = [
                l.name.len(),
                l.kind.len(),
                digits(l.inputs),
                digits(l.outputs),
                l.activation.len(),
                digits(l.params()),
            ];
            for (w, c) in w.iter_mut().zip(cells) {
                *w = (*w).max(c);
            }
        }
        let width = w.iter().sum::<usize>() + 2 * (w.len() - 1);
        let [w0, w1, w2, w3, w4, w5] = w;
        let [h0, h1, h2, h3, h4, h5] = HEADERS;
        writeln!(
            f,
            "{h0:<w0$}  {h1:<w1$}  {h2:>w2$}  {h3:>w3$}  {h4:<w4$}  {h5:>w5$}"
        )?;
        writeln!(f, "{:-<width$}", "")?;
        let mut total = 0;
        for l in N::LAYOUT {
            total += l.params();
            writeln!(
                f,
                "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:<w4$}  {:>w5$}",
                l.name,
                l.kind,
                l.inputs,
                l.outputs,
                l.activation,
                l.params()
            )?;
        }
        writeln!(f, "{:-<width$}", "")?;
        writeln!(
            f,
            "total parameters: {total} ({} bytes)",
            total * core::mem::size_of::<T>()
        )?;
        // The memory budget (`MemoryBudget`): what training needs besides the network.
        writeln!(
            f,
            "memory: network {} B, gradients {} B, trace {} B",
            N::NETWORK_BYTES,
            N::GRADIENT_BYTES,
            N::TRACE_BYTES
        )?;
        writeln!(
            f,
            "optimizer state: SGD {} B, momentum {} B, Adam {} B, AdamW {} B",
            N::SGD_STATE_BYTES,
            N::MOMENTUM_STATE_BYTES,
            N::ADAM_STATE_BYTES,
            N::ADAMW_STATE_BYTES
        )?;
        write!(
            f,
            "batched step scratch: {} B ({} rows per chunk)",
            <N as MemoryBudget<T>>::BATCH_SCRATCH_BYTES,
            N::CHUNK
        )
    }
}
