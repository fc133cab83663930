//! The `Architecture` impl of every network, dense or sequence: the architecture's constants
//! (widths, the layer table, the bytes of a trace and of a state) and the constructors. What
//! is generic over networks (model files, safetensors, `summary()`, the memory budget) is
//! written once in `network-core` against that trait.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Gen;

/// The `Architecture` impl. It is emitted inside the block that imports the layer traits, so
/// that `init_in_place` is called with method syntax.
pub fn architecture(g: &Gen) -> TokenStream {
    let name = g.name;
    let (fields, configs, layer_trait) = (&g.fields, &g.configs, &g.layer_trait);
    let (n_in, n_out, n_layers) = (g.n_in, g.n_out, fields.len());
    let layout = g.layers().iter().map(|l| {
        let (field, kind, i, o) = (l.field.to_string(), l.kind.name, l.inputs, l.outputs);
        // A recurrent layer's gates are fixed: it has no activation to record.
        let act = if l.kind.recurrent {
            String::new()
        } else {
            l.activation.source()
        };
        quote!(::network::LayerInfo::new(#field, #kind, #i, #o, #act),)
    });
    // What differs between the kinds of network: the trace of one input, the state, the
    // batched paths (dense networks only).
    let memory = if g.recurrent {
        let (step, state) = (
            format_ident!("{}Step", name),
            format_ident!("{}State", name),
        );
        quote! {
            const STEP_TRACE_BYTES: usize = ::core::mem::size_of::<#step<T>>();
            const STATE_BYTES: usize = ::core::mem::size_of::<#state<T>>();
        }
    } else {
        let (trace, tys, chunk) = (&g.trace, &g.tys, g.chunk);
        quote! {
            const STEP_TRACE_BYTES: usize = ::core::mem::size_of::<#trace<T>>();
            const CHUNK: usize = #chunk;
            const BATCH_SCRATCH_BYTES: usize =
                0 #( + ::core::mem::size_of::<::network::layers::Batch<T, #tys, #chunk>>() )*;
        }
    };
    // `boxed_zeroed` sets the activation of each dense layer (a parameterised one such as
    // `leaky_relu(0.2)` is not zero); recurrent layers have none.
    let activations = g
        .layers()
        .iter()
        .zip(configs.iter())
        .filter(|(l, _)| !l.kind.recurrent)
        .map(|(l, c)| {
            let f = &l.field;
            quote!(#f = #c)
        });
    quote! {
        impl<T: ::network::Float> ::network::Architecture<T> for #name<T> {
            const INPUTS: usize = #n_in;
            const OUTPUTS: usize = #n_out;
            const LAYERS: usize = #n_layers;
            const LAYOUT: &'static [::network::LayerInfo] = &[#(#layout)*];
            #memory

            fn zeroed() -> Self {
                #name { #( #fields: #layer_trait::zeroed(#configs), )* }
            }

            fn reseed(&mut self, seed: u64) {
                let mut rng = ::network::Rng::new(seed);
                #( self.#fields.init_in_place(&mut rng); )*
            }

            // `boxed_zeroed` and `boxed_gradients` allocated zeroed, never on the stack.
            ::network::__boxed_methods!(#( #activations ),*);
        }
    }
}
