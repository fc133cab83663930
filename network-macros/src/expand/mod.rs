//! Code generation: from checked [`Plan`]s to the items of each network, assembled from small
//! builders:
//!
//! - [`types`]: the network, gradient and trace structs;
//! - [`inherent`]: the inherent items, one builder each, so that an item's attributes are
//!   easy to add, delegating to the trait;
//! - [`architecture`]: the `Architecture` impl of every network, dense or sequence: the
//!   constants, the layer table, the constructors;
//! - [`network_impl`]: the `Network` impl of a dense network, whose backward passes come from
//!   [`walk`];
//! - [`params`]: the `Parameters` impls and the gradients' operators;
//! - [`quantized`]: the int8 twin (`XorI8`) and `quantize`;
//! - [`frozen`]: the inference form (`XorFrozen`) and `freeze`, for every network;
//! - [`recurrent`]: the items of a sequence network (one with a `gru` or `lstm` layer), and
//!   [`sequence_arch`] those of them that rest on its `Architecture` impl.
//!
//! Every path goes through `::network`, the crate users depend on, so a crate that depends on
//! `network` alone can invoke the macro. What a layer computes is `network-core`'s `Layer`
//! trait; what is generated here is the per-layer sequence of calls, with no loop over layers.

mod architecture;
mod frozen;
mod inherent;
mod network_impl;
mod params;
mod quantized;
mod recurrent;
mod sequence_arch;
mod types;
mod walk;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::ast::Input;
use crate::ctxt::Ctxt;
use crate::stack;
use crate::valid::{self, LayerPlan, Plan};

/// Expands every network of the invocation, or returns all of their mistakes.
pub fn expand(input: &Input) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let plans: Vec<Plan> = input
        .networks
        .iter()
        .filter_map(|net| valid::validate(net, &cx))
        .collect();
    cx.check()?;
    Ok(plans.iter().map(|plan| network(&Gen::new(plan))).collect())
}

/// All the items of one network.
fn network(g: &Gen) -> TokenStream {
    if g.recurrent {
        return recurrent::network(g);
    }
    let types = types::types(g);
    let inherent = inherent::inherent(g);
    let network = network_impl::network_impl(g);
    let params = params::params(g);
    let quantized = quantized::quantized(g);
    let frozen = frozen::frozen(g);
    let (name, grads, fields, warn_load) = (g.name, &g.grads, &g.fields, &g.warn.load);
    // The trait impls call the layers' trait methods with method syntax, so the traits are in
    // scope there, and only there.
    quote! {
        #types
        #inherent
        const _: () = {
            use ::network::{Layer as _, LayerGradients as _, TraceOutput as _};
            #network
            #params
        };
        // Zero bytes are a valid network and gradients: they can be allocated on the heap
        // directly (`boxed_zeroed`), never passing through the stack.
        ::network::__zero_bits!(#name, #grads, [#(#fields),*]);
        #warn_load
        #quantized
        #frozen
    }
}

/// What the builders share about one network.
struct Gen<'a> {
    plan: &'a Plan<'a>,
    /// The network struct's name, and those of its gradient and trace types.
    name: &'a Ident,
    grads: Ident,
    trace: Ident,
    /// Every layer's field.
    fields: Vec<&'a Ident>,
    /// Every layer's `network-core` type, `::network::Dense<T, IN, OUT, Act>`.
    tys: Vec<TokenStream>,
    /// Every layer's config value (its activation), for the constructors.
    configs: Vec<TokenStream>,
    /// Whether a layer is recurrent: then the network is a sequence network, stepped
    /// through time (`recurrent.rs`), and its layers are used through `StepLayer`.
    recurrent: bool,
    /// The core trait the layers are used through: `::network::Layer` or
    /// `::network::StepLayer`.
    layer_trait: TokenStream,
    n_in: usize,
    n_out: usize,
    n_params: usize,
    n_tensors: usize,
    /// The last layer's field and type, and the type of its activation.
    last: &'a Ident,
    last_act: TokenStream,
    /// Rows per chunk of the batched paths.
    chunk: usize,
    /// The compile-time warnings on items that return a large network by value (empty for
    /// small networks).
    warn: stack::Warnings,
}

impl<'a> Gen<'a> {
    fn new(plan: &'a Plan<'a>) -> Self {
        let layers = &plan.layers;
        let name = &plan.ast.ident;
        let act_ty = |l: &LayerPlan| {
            let core = format_ident!("{}", l.activation.def.core);
            quote!(::network::activation::#core)
        };
        let tys = layers
            .iter()
            .map(|l| {
                let kind = format_ident!("{}", l.kind.core);
                let (i, o, a) = (l.inputs, l.outputs, act_ty(l));
                if l.kind.recurrent {
                    quote!(::network::#kind<T, #i, #o>)
                } else {
                    quote!(::network::#kind<T, #i, #o, #a>)
                }
            })
            .collect();
        let configs = layers
            .iter()
            .map(|l| {
                let ty = act_ty(l);
                if l.kind.recurrent {
                    return quote!(());
                }
                match l.activation.arg {
                    Some(arg) => {
                        let arg = Literal::f64_suffixed(arg);
                        quote!(#ty::new(#arg))
                    }
                    None => ty,
                }
            })
            .collect();
        // Per-layer buffers of `chunk` rows for the batched paths; keep them to about 256 KiB
        // in all so that they fit a 2 MiB thread stack.
        let widths: usize = layers.iter().map(|l| l.outputs).sum();
        let chunk = (65536 / (3 * widths).max(1)).clamp(1, 32);
        // Validation guarantees at least one layer.
        let (first, last) = (&layers[0], &layers[layers.len() - 1]);
        let grads = format_ident!("{}Gradients", name);
        let recurrent = layers.iter().any(|l| l.kind.recurrent);
        Gen {
            recurrent,
            layer_trait: if recurrent {
                quote!(::network::StepLayer)
            } else {
                quote!(::network::Layer)
            },
            warn: stack::warnings(plan, &grads),
            plan,
            name,
            grads,
            trace: format_ident!("{}Trace", name),
            fields: layers.iter().map(|l| &l.field).collect(),
            tys,
            configs,
            n_in: first.inputs,
            n_out: last.outputs,
            n_params: layers.iter().map(LayerPlan::params).sum(),
            n_tensors: layers.iter().map(|l| l.kind.tensors.len()).sum(),
            last: &last.field,
            last_act: act_ty(last),
            chunk,
        }
    }

    fn layers(&self) -> &'a [LayerPlan] {
        &self.plan.layers
    }

    /// One doc line per layer, for its field in the generated structs.
    fn layer_docs(&self) -> Vec<String> {
        self.layers()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                format!(
                    "Layer {}: `{}`, {} parameters.",
                    i + 1,
                    l.source(),
                    l.params()
                )
            })
            .collect()
    }

    /// A markdown table of the layers, for the network struct's rustdoc.
    fn layer_table(&self) -> String {
        let mut table =
            String::from("| field | layer | tensors | parameters |\n|---|---|---|---|\n");
        for l in self.layers() {
            table.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                l.field,
                l.source(),
                (l.kind.tensor_types)(l.inputs, l.outputs),
                l.params()
            ));
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate that depends on `network` alone, in a `no_std` build too, can use the macro:
    /// the expansion names no other crate than `network` and `core`.
    #[test]
    fn generated_paths_go_through_network() {
        let input: Input = syn::parse_str(
            "pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
             struct C < a: dense(4 -> 16, leaky_relu(0.2)), dense(16 -> 3, softmax) >",
        )
        .unwrap();
        let text = expand(&input).unwrap().to_string();
        assert!(text.contains(":: network :: Dense"), "{text}");
        for other in [
            "network_core",
            "network_macros",
            ":: std ::",
            ":: alloc ::",
            "num_traits",
            "extern crate",
        ] {
            assert!(!text.contains(other), "the expansion mentions `{other}`");
        }
    }

    /// Mistakes in several networks of one invocation are reported together, and nothing is
    /// generated.
    #[test]
    fn mistakes_of_every_network_are_combined() {
        let input: Input = syn::parse_str(
            "struct A < dense(2 -> 8, rleu) > struct B < dense(2 -> 1, sigmoid) > \
             struct C < dense(1 -> 1, tnah) >",
        )
        .unwrap();
        let err = expand(&input).expect_err("two mistakes");
        assert_eq!(err.into_iter().count(), 2);
    }
}
