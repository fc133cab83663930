//! The int8 twin of a network (`XorI8` for `Xor`): `network-core`'s `QDense` per layer, the
//! input's quantization, `forward_i8`/`forward`, and the network's `quantize` from a
//! calibration set. Only for networks of dense layers (the kind `QDense` quantizes).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Gen;

pub fn quantized(g: &Gen) -> TokenStream {
    let layers = g.layers();
    if layers.iter().any(|l| l.kind.name != "dense") {
        return TokenStream::new();
    }
    let (name, vis) = (g.name, &g.plan.ast.vis);
    let qname = format_ident!("{}I8", name);
    let (fields, n_in, n_out, last) = (&g.fields, g.n_in, g.n_out, g.last);
    let q = quote!(::network::quant);
    let qtys = layers.iter().map(|l| {
        let (i, o) = (l.inputs, l.outputs);
        quote!(#q::QDense<#i, #o>)
    });
    // Locals named after the fields with a prefix, so that no field name can collide.
    let zs: Vec<_> = fields.iter().map(|f| format_ident!("__z_{}", f)).collect();
    let as_: Vec<_> = fields.iter().map(|f| format_ident!("__a_{}", f)).collect();
    let qs: Vec<_> = fields.iter().map(|f| format_ident!("__q_{}", f)).collect();
    let ins = std::iter::once(quote!(__input)).chain(qs.iter().map(|q| quote!(#q.output)));
    let outs: Vec<_> = (1..=fields.len())
        .map(|k| format_ident!("q{}", k))
        .collect();
    let chain_in = std::iter::once(quote!(x)).chain(outs.iter().map(|o| quote!(&#o)));
    let last_out = &outs[outs.len() - 1];
    let softmax = (layers[layers.len() - 1].activation.def.name == "softmax").then(|| {
        quote! {
            // The int8 output is the logits; the probabilities are their softmax.
            let z = out;
            ::network::Activation::forward(&::network::activation::Softmax, &z, &mut out);
        }
    });
    let qname_str = qname.to_string();
    let field_heads = fields.iter().map(|f| format!(",\n{f}: "));
    let doc = format!(
        "[`{name}`] in int8, for inference with integer arithmetic only \
         ([`network::quant`](::network::quant)): made by [`{name}::quantize`], constructible \
         in `const` context (its fields are public)."
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #vis struct #qname {
            /// The input's quantization.
            pub input: #q::QParams,
            #( #[doc = "A quantized layer."] pub #fields: #qtys, )*
        }

        impl #qname {
            /// Writes the network as Rust source, `pub const NAME: NetI8 = NetI8 { ... };`
            /// (a firmware `include!`s it where the network is declared; scales are written as
            /// their bits, so the constant is this network exactly).
            pub fn write_rust<W: ::core::fmt::Write>(&self, name: &str, out: &mut W) -> ::core::fmt::Result {
                ::core::write!(out, "pub const {}: {} = {} {{\ninput: ", name, #qname_str, #qname_str)?;
                self.input.write_rust(out)?;
                #( out.write_str(#field_heads)?; self.#fields.write_rust(out)?; )*
                out.write_str(",\n};\n")
            }

            /// `x` quantized as the first layer expects it.
            pub fn quantize_input(&self, x: &[f32; #n_in]) -> [i8; #n_in] {
                let mut q = [0i8; #n_in];
                for (q, &x) in q.iter_mut().zip(x) {
                    *q = self.input.quantize(x);
                }
                q
            }

            /// The int8 output for int8 input `x` (quantized by `input`): integer arithmetic
            /// only, the same bits on every target. For a `softmax` network these are the
            /// logits, whose argmax is the class.
            pub fn forward_i8(&self, x: &[i8; #n_in]) -> [i8; #n_out] {
                #( let #outs = self.#fields.forward(#chain_in); )*
                #last_out
            }

            /// The output for a real input: quantized, [`forward_i8`](Self::forward_i8),
            /// dequantized (and the softmax of the logits for a `softmax` network).
            pub fn forward(&self, x: &[f32; #n_in]) -> [f32; #n_out] {
                let q = self.forward_i8(&self.quantize_input(x));
                let mut out = [0.0f32; #n_out];
                for (o, &q) in out.iter_mut().zip(&q) {
                    *o = self.#last.output.dequantize(q);
                }
                #softmax
                out
            }
        }

        impl<T: ::network::Float> #name<T> {
            /// The int8 network (post-training quantization, TensorFlow Lite's scheme): per-row
            /// symmetric int8 weights, int32 biases, and each layer's input and output scale
            /// and zero point from the ranges reached over `calibration` (a few hundred
            /// training inputs are typical).
            pub fn quantize(&self, calibration: &[[T; #n_in]]) -> #qname {
                let mut __input = #q::Range::EMPTY;
                #( let mut #zs = #q::Range::EMPTY; let mut #as_ = #q::Range::EMPTY; )*
                for x in calibration {
                    __input.add(x);
                    let __t = self.forward_trace(x);
                    #( #zs.add(&__t.#fields.z); #as_.add(&__t.#fields.a); )*
                }
                let __input = #q::QParams::from_range(__input);
                #( let #qs = #q::QDense::quantize(&self.#fields, #ins, #zs, #as_); )*
                #qname { input: __input, #( #fields: #qs, )* }
            }
        }
    }
}
