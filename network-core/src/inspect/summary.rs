//! A Keras-like `summary()` table of a network's layers, written from
//! [`Architecture::LAYOUT`].

use core::fmt;
use core::marker::PhantomData;

use crate::inspect::budget::MemoryBudget;
use crate::inspect::metrics::digits;
use crate::network::Architecture;
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
/// The last three lines are the [`MemoryBudget`] constants. A sequence network (with a `gru`
/// or `lstm` layer, whose row has PyTorch's parameter count and no activation) shows its
/// state and the trace of one time step instead of the batched scratch, and with
/// [`window`](Self::window) the traces of a window of that many steps:
///
/// ```text
/// Amp (f32): 1 input, 1 output per time step
/// layer  kind   inputs  outputs  activation  params
/// -------------------------------------------------
/// l1     gru         1       16  -              912
/// l2     dense      16        1  identity        17
/// -------------------------------------------------
/// total parameters: 929 (3716 bytes)
/// memory: network 3716 B, gradients 3716 B, state 64 B
/// optimizer state: SGD 8 B, momentum 3732 B, Adam 7456 B, AdamW 7456 B
/// window traces: 396 B per time step, 811008 B for 2048 steps
/// ```
pub struct Summary<T, N> {
    name: &'static str,
    window: Option<usize>,
    types: PhantomData<fn() -> (T, N)>,
}

impl<T, N> Summary<T, N> {
    /// The summary of `N`, titled `name` (the struct's name).
    pub const fn new(name: &'static str) -> Self {
        Summary {
            name,
            window: None,
            types: PhantomData,
        }
    }

    /// For a sequence network, the summary with the trace memory of a window of `steps` time
    /// steps (what training by backpropagation through time over such windows keeps):
    /// `net.summary().window(2048)`. A dense network's summary has no window line.
    pub const fn window(self, steps: usize) -> Self {
        Summary {
            window: Some(steps),
            ..self
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
        f.debug_struct("Summary")
            .field("name", &self.name)
            .field("window", &self.window)
            .finish()
    }
}

const HEADERS: [&str; 6] = ["layer", "kind", "inputs", "outputs", "activation", "params"];

impl<T: Float, N: Architecture<T>> fmt::Display for Summary<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let sequence = N::LAYOUT.iter().any(|l| l.is_recurrent());
        writeln!(
            f,
            "{} ({}): {} input{}, {} output{}{}",
            self.name,
            T::NAME,
            N::INPUTS,
            plural(N::INPUTS),
            N::OUTPUTS,
            plural(N::OUTPUTS),
            if sequence { " per time step" } else { "" }
        )?;
        let mut w = HEADERS.map(str::len);
        for l in N::LAYOUT {
            let cells = [
                l.name.len(),
                l.kind.len(),
                digits(l.inputs),
                digits(l.outputs),
                activation(l.activation).len(),
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
                activation(l.activation),
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
        if sequence {
            writeln!(
                f,
                "memory: network {} B, gradients {} B, state {} B",
                N::NETWORK_BYTES,
                N::GRADIENT_BYTES,
                N::STATE_BYTES,
            )?;
        } else {
            writeln!(
                f,
                "memory: network {} B, gradients {} B, trace {} B",
                N::NETWORK_BYTES,
                N::GRADIENT_BYTES,
                N::TRACE_BYTES
            )?;
        }
        writeln!(
            f,
            "optimizer state: SGD {} B, momentum {} B, Adam {} B, AdamW {} B",
            N::SGD_STATE_BYTES,
            N::MOMENTUM_STATE_BYTES,
            N::ADAM_STATE_BYTES,
            N::ADAMW_STATE_BYTES
        )?;
        if sequence {
            write!(f, "window traces: {} B per time step", N::TRACE_BYTES)?;
            match self.window {
                Some(steps) => write!(
                    f,
                    ", {} B for {steps} step{}",
                    steps * N::TRACE_BYTES,
                    plural(steps)
                ),
                None => Ok(()),
            }
        } else {
            write!(
                f,
                "batched step scratch: {} B ({} rows per chunk)",
                <N as MemoryBudget<T>>::BATCH_SCRATCH_BYTES,
                N::CHUNK
            )
        }
    }
}

/// A layer's activation as the table shows it: `-` for a recurrent layer, which has none.
fn activation(name: &str) -> &str {
    if name.is_empty() { "-" } else { name }
}
