//! The `Network` impl of a dense network: its types, the forward passes and the backward
//! walks (its `Architecture` impl, the constants and constructors, is [`architecture`]'s).
//! Everything generic over networks is a provided method of the traits in `network-core`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::Gen;
use super::architecture::architecture;
use super::walk::{Mode, Sink, batch_forward, chunk_forward, walk};

pub fn network_impl(g: &Gen) -> TokenStream {
    let (name, grads, trace) = (g.name, &g.grads, &g.trace);
    let fields = &g.fields;
    let (n_in, n_out, n_layers) = (g.n_in, g.n_out, fields.len());
    let (last, last_act) = (g.last, &g.last_act);
    let last_ty = &g.tys[g.tys.len() - 1];
    let architecture = architecture(g);
    // The forward chains: each layer's output is the next one's input.
    let outs: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("a{}", i)).collect();
    let ins = std::iter::once(quote!(x)).chain(outs.iter().map(|a| quote!(&#a)));
    let last_out = &outs[n_layers - 1];
    let traces: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("t{}", i)).collect();
    let trace_ins = std::iter::once(quote!(x)).chain(traces.iter().map(|t| quote!(#t.output())));
    let backward_delta = walk(g, Sink::Accumulate, Mode::Sample);
    let sgd_backward = walk(g, Sink::Sgd, Mode::Sample);
    let forward_rows = batch_forward(g);
    let forward_chunk = chunk_forward(g);
    let accumulate_chunk = walk(g, Sink::Accumulate, Mode::Batch);
    let sgd_chunk = walk(g, Sink::Sgd, Mode::Batch);
    quote! {
        impl<T: ::network::Float> ::network::Trainable<T> for #name<T> {
            type Gradients = #grads<T>;
        }

        #architecture

        // The forward pass once for every instruction set; `forward` picks one per call.
        impl<T: ::network::Float> ::network::kernels::dispatch::Infer for #name<T> {
            type Input = [T; #n_in];
            type Output = [T; #n_out];

            #[inline(always)]
            fn forward_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, x: &[T; #n_in],
            ) -> [T; #n_out] {
                #( let #outs = self.#fields.forward_isa(s, #ins); )*
                #last_out
            }
        }

        impl<T: ::network::Float> #name<T> {
            /// `forward` with the instruction set `simd` chosen already: inside
            /// `network::with_simd`'s closure this inlines into the caller, where small
            /// layers cost no call.
            #[inline(always)]
            pub fn forward_with(&self, simd: ::network::Simd, x: &[T; #n_in]) -> [T; #n_out] {
                simd.forward(self, x)
            }
        }

        impl<T: ::network::Float> ::network::kernels::dispatch::Forward for #name<T> {
            type Trace = #trace<T>;

            #[inline(always)]
            fn forward_trace_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, x: &[T; #n_in],
            ) -> #trace<T> {
                #( let #traces = self.#fields.forward_trace_isa(s, #trace_ins); )*
                #trace { input: *x, #( #fields: #traces, )* }
            }
        }

        impl<T: ::network::Float> ::network::Network<T> for #name<T> {
            type Input = [T; #n_in];
            type Output = [T; #n_out];
            type Trace = #trace<T>;
            type OutputActivation = #last_act;

            #[inline]
            fn forward(&self, x: &[T; #n_in]) -> [T; #n_out] {
                ::network::kernels::dispatch::forward(self, x)
            }

            #[inline]
            fn forward_trace(&self, x: &[T; #n_in]) -> #trace<T> {
                ::network::kernels::dispatch::forward_trace(self, x)
            }

            #[inline]
            fn trace_output(trace: &#trace<T>) -> (&[T; #n_out], &[T; #n_out]) {
                trace.#last.output_za()
            }

            #[inline]
            fn output_activation(&self) -> &#last_act {
                // Spelled out: a dense layer is a `Layer` and a `StepLayer`, both with
                // `activation`, and a user's glob import brings both into scope.
                <#last_ty as ::network::Layer<T>>::activation(&self.#last)
            }

            fn forward_chunk(&self, xs: &[[T; #n_in]], ys: &mut [[T; #n_out]]) {
                #forward_chunk
            }

            #[inline]
            fn backward_delta(&self, trace: &#trace<T>, delta: &[T; #n_out], grads: &mut #grads<T>) {
                #backward_delta
            }

            #[inline]
            fn sgd_backward(&mut self, trace: &#trace<T>, delta: &[T; #n_out], lr: T) {
                #sgd_backward
            }

            fn accumulate_chunk<L: ::network::Loss<T, #last_act>>(
                &self, xs: &[[T; #n_in]], ys: &[[T; #n_out]], loss: &L, grads: &mut #grads<T>,
            ) -> T {
                #forward_rows
                #accumulate_chunk
                total
            }

            fn sgd_chunk<L: ::network::Loss<T, #last_act>>(
                &mut self, xs: &[[T; #n_in]], ys: &[[T; #n_out]], loss: &L, scale: T,
            ) -> T {
                #forward_rows
                #sgd_chunk
                total
            }
        }
    }
}
