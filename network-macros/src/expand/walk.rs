//! The backward walk, from the last layer down: one generator for the four backward passes
//! of a network. Its sink is what each layer does with its `δ`: add its gradients, or apply
//! the SGD update in place; per sample (from a trace) or per mini-batch chunk (from the
//! buffers of the batched forward pass, which [`batch_forward`] emits).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::Gen;

/// What each layer does with its `δ`.
#[derive(Clone, Copy, PartialEq)]
pub enum Sink {
    /// Add the layer's gradients into `grads`.
    Accumulate,
    /// Update the layer's parameters in place (`lr` per sample, `scale` per batch), after its
    /// `δ` has been carried to the layer below with the old parameters.
    Sgd,
}

/// One sample, or a chunk of a mini-batch.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// From `trace` and `delta`, the last layer's `δ`.
    Sample,
    /// From the row buffers `p1`, `o1`, `d1`, ... of [`batch_forward`], over rows `..n`.
    Batch,
}

/// The row buffers of layer `k` (from 0) in the batched paths: what the forward pass keeps
/// (`p`), the outputs (`o`), the `δ`s (`d`). Three arrays of their own, not one struct: LLVM
/// then sees that `pass_delta_batch`'s zeroing of `d` repeats the initial one and drops it.
struct Rows {
    pre: Ident,
    out: Ident,
    delta: Ident,
}

fn buffer(k: usize) -> Rows {
    Rows {
        pre: format_ident!("p{}", k + 1),
        out: format_ident!("o{}", k + 1),
        delta: format_ident!("d{}", k + 1),
    }
}

/// `δ` of layer `k` (from 0) in the per-sample paths.
fn delta(k: usize) -> Ident {
    format_ident!("d{}", k + 1)
}

/// The statements of one backward walk.
pub fn walk(g: &Gen, sink: Sink, mode: Mode) -> TokenStream {
    let fields = &g.fields;
    let mut out = TokenStream::new();
    if mode == Mode::Sample {
        let d = delta(fields.len() - 1);
        out.extend(quote!(let #d = *delta;));
    }
    for k in (0..fields.len()).rev() {
        let field = fields[k];
        let (step, below) = match mode {
            Mode::Sample => {
                let d = delta(k);
                let input = match k {
                    0 => quote!(&trace.input),
                    _ => {
                        let below = fields[k - 1];
                        quote!(trace.#below.output())
                    }
                };
                let step = match sink {
                    Sink::Accumulate => {
                        quote!(self.#field.accumulate(&mut grads.#field, #input, &trace.#field, &#d);)
                    }
                    Sink::Sgd => quote!(self.#field.update_sgd(#input, &trace.#field, &#d, lr);),
                };
                let below = (k > 0).then(|| {
                    let (below, d_below) = (fields[k - 1], delta(k - 1));
                    quote!(let #d_below = self.#field.pass_delta(&#d, &self.#below, &trace.#below);)
                });
                (step, below)
            }
            Mode::Batch => {
                let Rows { pre, delta, .. } = buffer(k);
                let input = match k {
                    0 => quote!(xs),
                    _ => {
                        let out = buffer(k - 1).out;
                        quote!(&#out[..n])
                    }
                };
                let rows = quote!(#input, &#pre[..n], &#delta[..n]);
                let step = match sink {
                    Sink::Accumulate => {
                        quote!(self.#field.accumulate_batch(&mut grads.#field, #rows);)
                    }
                    Sink::Sgd => quote!(self.#field.update_sgd_batch(#rows, scale);),
                };
                let below = (k > 0).then(|| {
                    let (below, b) = (fields[k - 1], buffer(k - 1));
                    let (b_pre, b_out, b_delta) = (b.pre, b.out, b.delta);
                    quote! {
                        self.#field.pass_delta_batch(&#delta[..n], &self.#below,
                            &#b_pre[..n], &#b_out[..n], &mut #b_delta[..n]);
                    }
                });
                (step, below)
            }
        };
        // Accumulating per sample adds the layer's gradients first; every other walk carries
        // `δ` below first (for SGD, with the weights not yet updated).
        if sink == Sink::Accumulate && mode == Mode::Sample {
            out.extend(step);
            out.extend(below);
        } else {
            out.extend(below);
            out.extend(step);
        }
    }
    out
}

/// The batched forward pass over `xs` (at most `chunk` rows) into per-layer buffers, and the
/// last layer's loss and `δ` rows against `ys`, summed into `total`.
pub fn batch_forward(g: &Gen) -> TokenStream {
    let (fields, chunk) = (&g.fields, g.chunk);
    let rows: Vec<Rows> = (0..fields.len()).map(buffer).collect();
    let pre: Vec<&Ident> = rows.iter().map(|r| &r.pre).collect();
    let out: Vec<&Ident> = rows.iter().map(|r| &r.out).collect();
    let delta: Vec<&Ident> = rows.iter().map(|r| &r.delta).collect();
    let inputs = std::iter::once(quote!(xs)).chain(out.iter().map(|o| quote!(&#o[..n])));
    let last = g.last;
    let (p_last, o_last, d_last) = (
        pre[pre.len() - 1],
        out[out.len() - 1],
        delta[delta.len() - 1],
    );
    let zero = quote!([::network::Vector::<T>::zeroed(); #chunk]);
    quote! {
        let n = xs.len();
        #( let mut #pre = #zero; let mut #out = #zero; let mut #delta = #zero; )*
        #( self.#fields.forward_batch(#inputs, &mut #pre[..n], &mut #out[..n]); )*
        let total = ::network::loss::loss_rows(
            loss, &self.#last, &#p_last[..n], &#o_last[..n], ys, &mut #d_last[..n],
        );
    }
}

/// The body of `forward_chunk`: every layer's batched forward pass over rows `..n` of buffers
/// on the stack (no `δ` rows), the last one straight into `ys`.
pub fn chunk_forward(g: &Gen) -> TokenStream {
    let (fields, chunk) = (&g.fields, g.chunk);
    let rows: Vec<Rows> = (0..fields.len()).map(buffer).collect();
    let pre: Vec<&Ident> = rows.iter().map(|r| &r.pre).collect();
    let out: Vec<&Ident> = rows.iter().map(|r| &r.out).collect();
    let hidden = fields.len() - 1;
    let inputs = std::iter::once(quote!(xs)).chain(out.iter().map(|o| quote!(&#o[..n])));
    let outs = out[..hidden]
        .iter()
        .map(|o| quote!(&mut #o[..n]))
        .chain(std::iter::once(quote!(ys)));
    let (hidden_out, zero) = (
        &out[..hidden],
        quote!([::network::Vector::<T>::zeroed(); #chunk]),
    );
    quote! {
        let n = xs.len();
        #( let mut #pre = #zero; )*
        #( let mut #hidden_out = #zero; )*
        #( self.#fields.forward_batch(#inputs, &mut #pre[..n], #outs); )*
    }
}
