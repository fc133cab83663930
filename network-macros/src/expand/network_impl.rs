//! The `Network` impl: the architecture's constants and types, the constructors, the forward
//! passes and the backward walks. Everything generic over networks is a provided method of
//! the trait in `network-core`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::Gen;
use super::walk::{Mode, Sink, batch_forward, chunk_forward, walk};

pub fn network_impl(g: &Gen) -> TokenStream {
    let l = quote!(::network::Layer);
    let (name, grads, trace) = (g.name, &g.grads, &g.trace);
    let (fields, configs, tys) = (&g.fields, &g.configs, &g.tys);
    let (n_in, n_out, n_layers, chunk) = (g.n_in, g.n_out, fields.len(), g.chunk);
    let (last, last_act) = (g.last, &g.last_act);
    let layout = g.layers().iter().map(|l| {
        let (field, kind, i, o) = (l.field.to_string(), l.kind.name, l.inputs, l.outputs);
        let act = l.activation.source();
        quote!(::network::LayerInfo::new(#field, #kind, #i, #o, #act),)
    });
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

        // The forward pass once for every instruction set; `forward` picks one per call.
        impl<T: ::network::Float> ::network::kernels::dispatch::Forward for #name<T> {
            type Input = [T; #n_in];
            type Output = [T; #n_out];

            type Trace = #trace<T>;

            #[inline(always)]
            fn forward_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, x: &[T; #n_in],
            ) -> [T; #n_out] {
                #( let #outs = self.#fields.forward_isa(s, #ins); )*
                #last_out
            }

            #[inline(always)]
            fn forward_trace_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, x: &[T; #n_in],
            ) -> #trace<T> {
                #( let #traces = self.#fields.forward_trace_isa(s, #trace_ins); )*
                #trace { input: *x, #( #fields: #traces, )* }
            }
        }

        impl<T: ::network::Float> ::network::Network<T> for #name<T> {
            const INPUTS: usize = #n_in;
            const OUTPUTS: usize = #n_out;
            const LAYERS: usize = #n_layers;
            const LAYOUT: &'static [::network::LayerInfo] = &[#(#layout)*];
            const CHUNK: usize = #chunk;
            const BATCH_SCRATCH_BYTES: usize =
                0 #( + ::core::mem::size_of::<::network::layers::Batch<T, #tys, #chunk>>() )*;
            type Input = [T; #n_in];
            type Output = [T; #n_out];
            type Trace = #trace<T>;
            type OutputActivation = #last_act;

            fn zeroed() -> Self {
                #name { #( #fields: #l::zeroed(#configs), )* }
            }

            fn reseed(&mut self, seed: u64) {
                let mut rng = ::network::Rng::new(seed);
                #( self.#fields.init_in_place(&mut rng); )*
            }

            // `boxed_zeroed` and `boxed_gradients` allocated zeroed, never on the stack.
            ::network::__boxed_methods!(#( #fields = #configs ),*);

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
                self.#last.activation()
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
