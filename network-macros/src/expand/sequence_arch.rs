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
    let budget = super::inherent::budget(true);
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
