//! The `Parameters` impls of the network and of its gradients (the layers' tensors listed in
//! order, each layer's from its `Layer` or `LayerGradients` impl), and the gradients'
//! `Default`, `+=`, `*=`, `Display` and serde impls.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::Gen;

pub fn params(g: &Gen) -> TokenStream {
    let (name, grads, fields) = (g.name, &g.grads, &g.fields);
    let field_strs: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let net_params = parameters(g, name, None);
    let grads_params = parameters(g, grads, Some(name));
    quote! {
        #net_params
        #grads_params

        impl<T: ::network::Float> ::core::default::Default for #grads<T> {
            fn default() -> Self {
                #grads { #( #fields: ::core::default::Default::default(), )* }
            }
        }

        impl<T: ::network::Float> ::core::ops::AddAssign<&#grads<T>> for #grads<T> {
            fn add_assign(&mut self, other: &#grads<T>) {
                ::network::Parameters::add_from(self, other)
            }
        }

        impl<T: ::network::Float> ::core::ops::MulAssign<T> for #grads<T> {
            fn mul_assign(&mut self, factor: T) {
                ::network::Parameters::scale(self, factor)
            }
        }

        impl<T: ::network::Float> ::core::fmt::Display for #grads<T> {
            /// A table with one row per layer: `∂L/∂W` summarised (shape, min, max and mean
            /// magnitude, norm) and the full `∂L/∂b` vector. `{:.N}` sets the digits.
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::network::display::fmt_gradients::<T, Self>(self, f)
            }
        }

        // serde impls when `network` has its `serde` feature, nothing otherwise (decided in
        // `network`, never by the features of the crate invoking the macro).
        ::network::__serde_impls!(#name, #grads, [#(#field_strs),*]);
    }
}

/// `Parameters` for `ty`: the network (`net` is `None`), or its gradients, whose tensors have
/// the names and shapes of the network's.
fn parameters(g: &Gen, ty: &Ident, net: Option<&Ident>) -> TokenStream {
    let (fields, tys, layer_trait) = (&g.fields, &g.tys, &g.layer_trait);
    let (n_params, n_tensors) = (g.n_params, g.n_tensors);
    // Each layer's tensors are the indices `start..end`.
    let mut ranges = Vec::new();
    let mut names = Vec::new();
    let mut start = 0;
    for l in g.layers() {
        let end = start + l.kind.tensors.len();
        ranges.push(quote!(#start..#end));
        names.extend(l.kind.tensors.iter().map(|t| format!("{}.{t}", l.field)));
        start = end;
    }
    let starts = g.layers().iter().scan(0usize, |s, l| {
        let at = *s;
        *s += l.kind.tensors.len();
        Some(at)
    });
    // `i - start`, or `i` for the first layer.
    let local: Vec<TokenStream> = starts
        .map(|at| if at == 0 { quote!(i) } else { quote!(i - #at) })
        .collect();
    let names_shapes = match net {
        Some(net) => quote! {
            fn tensor_name(i: usize) -> &'static str {
                <#net<T> as ::network::Parameters<T>>::tensor_name(i)
            }

            fn tensor_shape(i: usize) -> &'static [usize] {
                <#net<T> as ::network::Parameters<T>>::tensor_shape(i)
            }
        },
        None => quote! {
            fn tensor_name(i: usize) -> &'static str {
                [#(#names),*].get(i).copied().unwrap_or("")
            }

            fn tensor_shape(i: usize) -> &'static [usize] {
                match i {
                    #( #ranges => <#tys as #layer_trait<T>>::TENSOR_SHAPES[#local], )*
                    _ => &[],
                }
            }
        },
    };
    // The network's layers through their layer trait, spelled out: a dense layer is both a
    // `Layer` and a `StepLayer`, so a method call would be ambiguous with both traits in scope
    // (a user's `use network::*;`). The gradients' layers have one trait with these methods.
    let (get, get_mut): (Vec<_>, Vec<_>) = fields
        .iter()
        .zip(tys)
        .zip(&local)
        .map(|((f, ty), i)| match net {
            Some(_) => (quote!(self.#f.tensor(#i)), quote!(self.#f.tensor_mut(#i))),
            None => (
                quote!(<#ty as #layer_trait<T>>::tensor(&self.#f, #i)),
                quote!(<#ty as #layer_trait<T>>::tensor_mut(&mut self.#f, #i)),
            ),
        })
        .unzip();
    quote! {
        impl<T: ::network::Float> ::network::Parameters<T> for #ty<T> {
            const PARAMS: usize = #n_params;
            const TENSORS: usize = #n_tensors;

            #[inline]
            fn tensor(&self, i: usize) -> &[T] {
                match i {
                    #( #ranges => #get, )*
                    _ => &[],
                }
            }

            #[inline]
            fn tensor_mut(&mut self, i: usize) -> &mut [T] {
                match i {
                    #( #ranges => #get_mut, )*
                    _ => &mut [],
                }
            }

            #names_shapes
        }
    }
}
