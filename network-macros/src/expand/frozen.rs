//! The inference form of a network (`XorFrozen` for `Xor`): every layer's `network-core`
//! `Freeze::Frozen` type under the same field name, the network's `freeze()`, and the frozen
//! network's passes: `forward` and `forward_batch` for a dense network, `step` and
//! `step_block` with the network's own state for a sequence network. Each pass is the
//! straight-line walk over the layers' `FrozenLayer::step_isa`, implemented once for every
//! instruction set (`Infer`, `InferSteps`) and run by `network-core`'s dispatch, which
//! chooses the instruction set once per call (per batch or buffer for the batched forms).
//!
//! Every trait is named by its full path: the layers' types are projections
//! (`<Dense<..> as Freeze<T>>::Frozen`), reached through their traits only, and a user's glob
//! import may bring other traits with methods of the same names into scope.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::Gen;

/// The frozen network's struct, `freeze()`, and its passes.
pub fn frozen(g: &Gen) -> TokenStream {
    let (name, vis) = (g.name, &g.plan.ast.vis);
    let frozen = format_ident!("{}Frozen", name);
    let state = format_ident!("{}State", name);
    let (fields, tys) = (&g.fields, &g.tys);
    let ftys: Vec<TokenStream> = tys
        .iter()
        .map(|ty| quote!(<#ty as ::network::Freeze<T>>::Frozen))
        .collect();
    let layer_docs = g.layer_docs();
    let walk = Walk::new(g, &ftys);
    let (how, passes) = if g.recurrent {
        (
            format!(
                "Step it through time with [`step`](Self::step) or \
                 [`step_block`](Self::step_block) and a [`{state}`], the state the trainable \
                 network steps with."
            ),
            sequence_passes(g, &frozen, &state, &walk),
        )
    } else {
        (
            "Run it with [`forward`](Self::forward) or [`forward_batch`](Self::forward_batch), \
             which choose the instruction set once per call."
                .to_string(),
            dense_passes(g, &frozen, &walk),
        )
    };
    let doc = format!(
        "[`{name}`] in its inference form, made by [`{name}::freeze`]: the same layers, their \
         weights laid out for the forward pass (a dense layer's column by column, \
         `network::FrozenDense`), computing what `{name}` computes within rounding. {how} \
         It is a copy: refresh it with [`{name}::freeze_into`] after the weights change."
    );
    let warn = &g.warn.freeze;
    let freeze_doc = format!(
        "This network in its inference form, [`{frozen}`]: each layer's weights copied into \
         the layout of its forward pass (`network::Freeze`), for inference or streaming until \
         the weights change again."
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #frozen<T: ::network::Float = f32> {
            #( #[doc = #layer_docs] pub #fields: #ftys, )*
        }

        impl<T: ::network::Float> #name<T> {
            #[doc = #freeze_doc]
            #warn
            pub fn freeze(&self) -> #frozen<T> {
                #frozen { #( #fields: <#tys as ::network::Freeze<T>>::freeze(&self.#fields), )* }
            }

            /// [`freeze`](Self::freeze) into `frozen`, in place: refreshes a frozen network
            /// after training without building another.
            pub fn freeze_into(&self, frozen: &mut #frozen<T>) {
                #( <#tys as ::network::Freeze<T>>::freeze_into(&self.#fields, &mut frozen.#fields); )*
            }
        }

        // Zero bytes are a valid frozen network: `boxed_freeze` allocates it on the heap
        // directly and fills it in place, never passing through the stack.
        ::network::__zero_bits_frozen!(#name, #frozen, [#(#fields),*]);

        #passes
    }
}

/// The straight-line walk over the frozen layers: `a1`, `a2`, ... each layer's output, the
/// next one's input.
struct Walk {
    /// Each layer's output, `a1`, `a2`, ...
    outs: Vec<Ident>,
    /// Each layer's input: `x`, `&a1`, ...
    ins: Vec<TokenStream>,
    /// Each layer's frozen type.
    ftys: Vec<TokenStream>,
    /// Each layer's field.
    fields: Vec<Ident>,
}

impl Walk {
    fn new(g: &Gen, ftys: &[TokenStream]) -> Self {
        let outs: Vec<Ident> = (1..=g.fields.len())
            .map(|i| format_ident!("a{}", i))
            .collect();
        let ins = std::iter::once(quote!(x))
            .chain(outs.iter().map(|a| quote!(&#a)))
            .collect();
        Walk {
            outs,
            ins,
            ftys: ftys.to_vec(),
            fields: g.fields.iter().map(|f| (*f).clone()).collect(),
        }
    }

    /// The statements and the last output, with `state(field)` as each layer's state.
    fn body(&self, state: impl Fn(&Ident) -> TokenStream) -> TokenStream {
        let steps = self
            .outs
            .iter()
            .zip(&self.ins)
            .zip(self.ftys.iter().zip(&self.fields))
            .map(|((a, input), (fty, f))| {
                let st = state(f);
                quote! {
                    let #a = <#fty as ::network::FrozenLayer<T>>::step_isa(&self.#f, s, #st, #input);
                }
            });
        let last = &self.outs[self.outs.len() - 1];
        quote!(#(#steps)* #last)
    }
}

/// A dense network's frozen passes: the `Infer` impl and the inherent `forward` and
/// `forward_batch`.
fn dense_passes(g: &Gen, frozen: &Ident, walk: &Walk) -> TokenStream {
    let (n_in, n_out, n_layers) = (g.n_in, g.n_out, g.fields.len());
    let body = walk.body(|_| quote!(&mut ()));
    quote! {
        impl<T: ::network::Float> #frozen<T> {
            /// Width of the input.
            pub const INPUTS: usize = #n_in;
            /// Width of the output.
            pub const OUTPUTS: usize = #n_out;
            /// Number of layers.
            pub const LAYERS: usize = #n_layers;

            /// The network's output for input `x`, as the trainable network's `forward`
            /// computes it within rounding, compiled for the best instruction set of the CPU
            /// (chosen once per call).
            #[inline]
            pub fn forward(&self, x: &[T; #n_in]) -> [T; #n_out] {
                ::network::kernels::dispatch::forward(self, x)
            }

            /// [`forward`](Self::forward) with the instruction set `simd` chosen already: inside
            /// `network::with_simd`'s closure this inlines into the caller, where small
            /// layers cost no call.
            #[inline(always)]
            pub fn forward_with(&self, simd: ::network::Simd, x: &[T; #n_in]) -> [T; #n_out] {
                simd.forward(self, x)
            }

            /// The outputs of a batch of inputs, `ys[s] = forward(xs[s])`: one choice of
            /// instruction set for the whole batch, sample after sample inside the function
            /// compiled for it. Panics if the lengths differ.
            #[inline]
            pub fn forward_batch(&self, xs: &[[T; #n_in]], ys: &mut [[T; #n_out]]) {
                ::network::kernels::dispatch::forward_batch(self, xs, ys)
            }
        }

        // The forward pass once for every instruction set; `forward` picks one per call.
        impl<T: ::network::Float> ::network::kernels::dispatch::Infer for #frozen<T> {
            type Input = [T; #n_in];
            type Output = [T; #n_out];

            #[inline(always)]
            fn forward_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, x: &[T; #n_in],
            ) -> [T; #n_out] {
                #body
            }
        }
    }
}

/// A sequence network's frozen passes: the `InferSteps` impl and the inherent `step` and
/// `step_block`, with the trainable network's state.
fn sequence_passes(g: &Gen, frozen: &Ident, state: &Ident, walk: &Walk) -> TokenStream {
    let (n_in, n_out, n_layers) = (g.n_in, g.n_out, g.fields.len());
    let body = walk.body(|f| quote!(&mut state.#f));
    quote! {
        impl<T: ::network::Float> #frozen<T> {
            /// Width of the input of one time step.
            pub const INPUTS: usize = #n_in;
            /// Width of the output of one time step.
            pub const OUTPUTS: usize = #n_out;
            /// Number of layers.
            pub const LAYERS: usize = #n_layers;

            /// One time step: the output for `x`, advancing `state`, as the trainable
            /// network's `step` computes it within rounding, compiled for the best
            /// instruction set of the CPU (chosen once per call).
            #[inline]
            pub fn step(&self, state: &mut #state<T>, x: &[T; #n_in]) -> [T; #n_out] {
                ::network::kernels::dispatch::step(self, state, x)
            }

            /// [`step`](Self::step) with the instruction set `simd` chosen already: inside
            /// `network::with_simd`'s closure this inlines into the caller.
            #[inline(always)]
            pub fn step_with(
                &self, simd: ::network::Simd, state: &mut #state<T>, x: &[T; #n_in],
            ) -> [T; #n_out] {
                simd.step(self, state, x)
            }

            /// [`step`](Self::step) over a buffer, `ys[t]` the output for `xs[t]`: one choice
            /// of instruction set for the whole buffer, step after step inside the function
            /// compiled for it. Panics if the lengths differ.
            #[inline]
            pub fn step_block(&self, state: &mut #state<T>, xs: &[[T; #n_in]], ys: &mut [[T; #n_out]]) {
                ::network::kernels::dispatch::step_block(self, state, xs, ys)
            }
        }

        // The step once for every instruction set; `step` picks one per call, `step_block`
        // one per buffer.
        impl<T: ::network::Float> ::network::kernels::dispatch::InferSteps for #frozen<T> {
            type Input = [T; #n_in];
            type Output = [T; #n_out];
            type State = #state<T>;

            #[inline(always)]
            fn step_isa<S: ::network::kernels::dispatch::Isa>(
                &self, s: S, state: &mut #state<T>, x: &[T; #n_in],
            ) -> [T; #n_out] {
                #body
            }
        }
    }
}
