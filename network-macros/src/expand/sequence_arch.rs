//! The items of a sequence network that rest on its `Architecture` impl: the memory budget as
//! inherent constants, `summary()` and `Display`, the zero-bits proofs behind the boxed
//! constructors and `boxed_window`, and the large-network `load`. The network's own types and
//! its stepping and training through time are [`recurrent`](super::recurrent)'s.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Gen;

pub fn items(g: &Gen) -> TokenStream {
    let (name, grads, fields) = (g.name, &g.grads, &g.fields);
    let (step, window) = (
        format_ident!("{}Step", name),
        format_ident!("{}Window", name),
    );
    let name_str = name.to_string();
    let budget = budget();
    let load = &g.warn.load;
    quote! {
        impl<T: ::network::Float> #name<T> {
            #budget

            /// The architecture as a table, like Keras' `model.summary()`, with the state and
            /// the trace memory of one time step; `.window(W)` adds a window's. Print it with
            /// `{}`.
            pub fn summary(&self) -> ::network::Summary<T, Self> {
                ::network::Summary::new(#name_str)
            }
        }

        impl<T: ::network::Float> ::core::fmt::Display for #name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&::network::Summary::<T, Self>::new(#name_str), f)
            }
        }

        // Zero bytes are a valid network, gradients and trace storage: they can be allocated
        // on the heap directly (`boxed_zeroed`, `boxed_window`), never passing through the
        // stack.
        ::network::__zero_bits!(#name, #grads, [#(#fields),*]);
        ::network::__zero_bits_window!(#name, #step, #window, [#(#fields),*]);
        #load
    }
}

/// The memory budget (`network-core`'s `MemoryBudget`) as inherent constants, so that a
/// firmware reads `Net::<f32>::STATE_BYTES` without importing a trait.
fn budget() -> TokenStream {
    let budget = [
        ("PARAM_BYTES", "Bytes of the parameters."),
        (
            "NETWORK_BYTES",
            "Bytes of the network value (`size_of::<Self>()`).",
        ),
        (
            "GRADIENT_BYTES",
            "Bytes of one gradient, as a training step keeps it.",
        ),
        (
            "TRACE_BYTES",
            "Bytes of the trace of one time step: a window of `W` steps keeps `W` of them.",
        ),
        ("SGD_STATE_BYTES", "Bytes of a plain `Sgd` optimizer."),
        (
            "MOMENTUM_STATE_BYTES",
            "Bytes of an `Sgd` optimizer with momentum.",
        ),
        ("ADAM_STATE_BYTES", "Bytes of an `Adam` optimizer's state."),
        (
            "ADAMW_STATE_BYTES",
            "Bytes of an `AdamW` optimizer's state.",
        ),
    ]
    .iter()
    .map(|(name, doc)| {
        let id = format_ident!("{}", name);
        quote! {
            #[doc = #doc]
            pub const #id: usize = <Self as ::network::MemoryBudget<T>>::#id;
        }
    });
    quote! {
        #(#budget)*
        /// Bytes of the state carried from one time step to the next.
        pub const STATE_BYTES: usize = <Self as ::network::Architecture<T>>::STATE_BYTES;
    }
}
