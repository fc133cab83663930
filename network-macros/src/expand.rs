//! Code generation: from checked [`Plan`]s to the network struct, its gradient and trace
//! types, and straight-line forward and backward code.
//!
//! Every path goes through `::network`, the crate users depend on, so a crate that depends on
//! `network` alone can invoke the macro. The numerics are `network-core`'s; what is generated
//! here is the per-layer sequence of calls, with no loop over layers.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::ast::Input;
use crate::stack;
use crate::valid::{self, Act, LayerPlan, Plan};

/// Expands every network of the invocation, or returns all of their mistakes.
pub fn expand(input: &Input) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    let mut errors: Option<syn::Error> = None;
    for net in &input.networks {
        match valid::validate(net) {
            Ok(plan) => out.extend(expand_network(&plan)?),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

impl Act {
    /// The `network-core` type implementing the activation.
    fn ty(self) -> TokenStream {
        match self {
            Act::Identity => quote!(::network::activation::Identity),
            Act::Relu => quote!(::network::activation::Relu),
            Act::LeakyRelu(_) => quote!(::network::activation::LeakyRelu),
            Act::Sigmoid => quote!(::network::activation::Sigmoid),
            Act::Tanh => quote!(::network::activation::Tanh),
            Act::Softmax => quote!(::network::activation::Softmax),
            Act::Gelu => quote!(::network::activation::Gelu),
            Act::GeluTanh => quote!(::network::activation::GeluTanh),
            Act::Softplus => quote!(::network::activation::Softplus),
            Act::Elu(_) => quote!(::network::activation::Elu),
            Act::Silu => quote!(::network::activation::Silu),
        }
    }

    /// An expression constructing the activation value.
    fn value(self) -> TokenStream {
        match self {
            Act::LeakyRelu(alpha) => {
                let alpha = Literal::f64_suffixed(alpha);
                quote!(::network::activation::LeakyRelu::new(#alpha))
            }
            Act::Elu(alpha) => {
                let alpha = Literal::f64_suffixed(alpha);
                quote!(::network::activation::Elu::new(#alpha))
            }
            other => other.ty(),
        }
    }

    /// The activation as the user would write it.
    fn source(self) -> String {
        match self {
            Act::Identity => "identity".into(),
            Act::Relu => "relu".into(),
            Act::LeakyRelu(alpha) => format!("leaky_relu({alpha})"),
            Act::Sigmoid => "sigmoid".into(),
            Act::Tanh => "tanh".into(),
            Act::Softmax => "softmax".into(),
            Act::Gelu => "gelu".into(),
            Act::GeluTanh => "gelu_tanh".into(),
            Act::Softplus => "softplus".into(),
            Act::Elu(alpha) => format!("elu({alpha})"),
            Act::Silu => "silu".into(),
        }
    }
}

impl LayerPlan {
    fn source(&self) -> String {
        format!(
            "dense({} -> {}, {})",
            self.inputs,
            self.outputs,
            self.activation.source()
        )
    }

    fn params(&self) -> usize {
        self.inputs * self.outputs + self.outputs
    }
}

fn expand_network(plan: &Plan) -> syn::Result<TokenStream> {
    let net = plan.ast;
    let layers = &plan.layers;
    // Validation guarantees at least one layer; stay panic-free all the same.
    let (Some(first), Some(last)) = (layers.first(), layers.last()) else {
        return Err(syn::Error::new(
            net.open,
            "a network needs at least one layer",
        ));
    };
    let name = &net.ident;
    let vis = &net.vis;
    let options = stack::options(&net.attrs)?;
    let attrs = &options.attrs;
    let grads = format_ident!("{}Gradients", name);
    let stack::Warnings {
        zeroed: warn_zeroed,
        seeded: warn_seeded,
        backprop: warn_backprop,
        train_step: warn_train_step,
        train_batch: warn_train_batch,
        grads_zeroed: warn_grads_zeroed,
        load: warn_load,
    } = stack::warnings(plan, options.allow_large, &grads);
    let trace = format_ident!("{}Trace", name);

    let n_in = first.inputs;
    let n_out = last.outputs;
    let n_layers = layers.len();
    let n_params: usize = layers.iter().map(LayerPlan::params).sum();
    let n_tensors = 2 * n_layers;
    let last_field = &last.field;
    let name_str = name.to_string();
    let last_act = last.activation.ty();

    let fields: Vec<&Ident> = layers.iter().map(|l| &l.field).collect();
    let ins: Vec<usize> = layers.iter().map(|l| l.inputs).collect();
    let outs: Vec<usize> = layers.iter().map(|l| l.outputs).collect();
    let act_tys: Vec<TokenStream> = layers.iter().map(|l| l.activation.ty()).collect();
    let act_vals: Vec<TokenStream> = layers.iter().map(|l| l.activation.value()).collect();
    let layer_docs: Vec<String> = layers
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
        .collect();

    let table = layer_table(plan);
    let struct_doc = format!(
        "\n\nGenerated by `network!`: {n_in} inputs, {n_out} outputs, {n_layers} layers, \
         {n_params} parameters (`{name}<f32>` unless another scalar type is given).\n\n{table}"
    );
    let grads_doc = format!(
        "Gradients of every weight and bias of [`{name}`]: `∂L/∂W` and `∂L/∂b` of each layer, \
         in the same shapes and under the same field names (so `grads.{}.bias` is the bias \
         gradient of layer `{}`).\n\nSum and scale them with [`Parameters`](::network::Parameters) \
         (`set_zero`, `add_from`, `scale`) or with `+=` and `*=`.",
        first.field, first.field
    );
    let trace_doc = format!(
        "What one forward pass of [`{name}`] keeps for backpropagation: the input, and each \
         layer's pre-activation `z` and activation `a`."
    );

    // Forward: a chain of layer calls, each feeding the next.
    let a_vars: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("a{}", i)).collect();
    let forward_inputs: Vec<TokenStream> = std::iter::once(quote!(x))
        .chain(a_vars.iter().take(n_layers - 1).map(|a| quote!(&#a)))
        .collect();
    let last_a = &a_vars[n_layers - 1];

    let t_vars: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("t{}", i)).collect();
    let trace_inputs: Vec<TokenStream> = std::iter::once(quote!(x))
        .chain(t_vars.iter().take(n_layers - 1).map(|t| quote!(&#t.a)))
        .collect();

    // Backward: from the last layer down; δ of layer k feeds its gradients and δ of layer k−1.
    let mut backward = Vec::new();
    for k in (0..n_layers).rev() {
        let field = fields[k];
        let d = format_ident!("d{}", k + 1);
        let input = if k == 0 {
            quote!(&trace.input)
        } else {
            let below = fields[k - 1];
            quote!(&trace.#below.a)
        };
        backward.push(quote! {
            grads.#field.accumulate(#input, &#d);
        });
        if k > 0 {
            let below = fields[k - 1];
            let d_below = format_ident!("d{}", k);
            backward.push(quote! {
                let #d_below = self.#field.delta_below(&#d, &self.#below.activation, &trace.#below);
            });
        }
    }
    let d_last = format_ident!("d{}", n_layers);

    // Fused per-sample SGD: the same walk, but each layer is updated right after its `Wᵀδ`
    // has used the old weights, so no gradient is ever stored.
    let mut fused = Vec::new();
    for k in (0..n_layers).rev() {
        let field = fields[k];
        let d = format_ident!("d{}", k + 1);
        let input = if k == 0 {
            quote!(x)
        } else {
            let below = fields[k - 1];
            quote!(&trace.#below.a)
        };
        if k > 0 {
            let below = fields[k - 1];
            let d_below = format_ident!("d{}", k);
            fused.push(quote! {
                let #d_below = self.#field.delta_below(&#d, &self.#below.activation, &trace.#below);
            });
        }
        fused.push(quote! {
            self.#field.sgd_update(#input, &#d, lr);
        });
    }

    // Batched paths: per-layer buffers of `chunk` rows; keep them to about 256 KiB in all so
    // that they fit a 2 MiB thread stack.
    let widths: usize = outs.iter().sum();
    let chunk = (65536 / (3 * widths).max(1)).clamp(1, 32);
    let zb: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("z{}", i)).collect();
    let ab: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("a{}", i)).collect();
    let db: Vec<Ident> = (1..=n_layers).map(|i| format_ident!("d{}", i)).collect();
    let batch_inputs: Vec<TokenStream> = std::iter::once(quote!(xs))
        .chain(ab.iter().take(n_layers - 1).map(|a| quote!(&#a[..n])))
        .collect();
    let (z_last, a_last, d_last_b) = (&zb[n_layers - 1], &ab[n_layers - 1], &db[n_layers - 1]);
    let batch_forward = quote! {
        let n = xs.len();
        #( let mut #zb = [[T::zero(); #outs]; #chunk]; )*
        #( let mut #ab = [[T::zero(); #outs]; #chunk]; )*
        #( let mut #db = [[T::zero(); #outs]; #chunk]; )*
        #( self.#fields.forward_batch(#batch_inputs, &mut #zb[..n], &mut #ab[..n]); )*
        let mut total = T::zero();
        for s in 0..n {
            let (z, a, y) = (&#z_last[s], &#a_last[s], &ys[s]);
            total += loss.value(z, a, y);
            loss.delta(&self.#last_field.activation, z, a, y, &mut #d_last_b[s]);
        }
    };
    let mut batch_back_acc = Vec::new();
    let mut batch_back_sgd = Vec::new();
    for k in (0..n_layers).rev() {
        let field = fields[k];
        let d = &db[k];
        let input = &batch_inputs[k];
        if k > 0 {
            let below = fields[k - 1];
            let (dz, za, aa) = (&db[k - 1], &zb[k - 1], &ab[k - 1]);
            let step = quote! {
                self.#field.delta_below_batch(&#d[..n], &self.#below.activation, &#za[..n], &#aa[..n], &mut #dz[..n]);
            };
            batch_back_acc.push(step.clone());
            batch_back_sgd.push(step);
        }
        batch_back_acc.push(quote! { grads.#field.accumulate_batch(#input, &#d[..n]); });
        batch_back_sgd.push(quote! { self.#field.sgd_update_batch(#input, &#d[..n], scale); });
    }

    let tensor_idx: Vec<(usize, usize)> = (0..n_layers).map(|k| (2 * k, 2 * k + 1)).collect();
    let w_idx: Vec<usize> = tensor_idx.iter().map(|t| t.0).collect();
    let b_idx: Vec<usize> = tensor_idx.iter().map(|t| t.1).collect();
    let w_shapes: Vec<TokenStream> = layers
        .iter()
        .map(|l| {
            let (o, i) = (l.outputs, l.inputs);
            quote!(&[#o, #i])
        })
        .collect();
    let b_shapes: Vec<TokenStream> = layers
        .iter()
        .map(|l| {
            let o = l.outputs;
            quote!(&[#o])
        })
        .collect();
    let field_strs: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let act_strs: Vec<String> = layers.iter().map(|l| l.activation.source()).collect();
    let w_names: Vec<String> = fields.iter().map(|f| format!("{f}.weight")).collect();
    let b_names: Vec<String> = fields.iter().map(|f| format!("{f}.bias")).collect();
    let params_impl = |ty: &Ident| {
        quote! {
            impl<T: ::network::Float> ::network::Parameters<T> for #ty<T> {
                const PARAMS: usize = #n_params;
                const TENSORS: usize = #n_tensors;

                #[inline]
                fn tensor(&self, i: usize) -> &[T] {
                    match i {
                        #( #w_idx => self.#fields.weight.as_flattened(), #b_idx => &self.#fields.bias, )*
                        _ => &[],
                    }
                }

                #[inline]
                fn tensor_mut(&mut self, i: usize) -> &mut [T] {
                    match i {
                        #( #w_idx => self.#fields.weight.as_flattened_mut(), #b_idx => &mut self.#fields.bias, )*
                        _ => &mut [],
                    }
                }

                fn tensor_name(i: usize) -> &'static str {
                    match i {
                        #( #w_idx => #w_names, #b_idx => #b_names, )*
                        _ => "",
                    }
                }

                fn tensor_shape(i: usize) -> &'static [usize] {
                    match i {
                        #( #w_idx => #w_shapes, #b_idx => #b_shapes, )*
                        _ => &[],
                    }
                }
            }
        }
    };
    let net_params = params_impl(name);
    let grads_params = params_impl(&grads);

    Ok(quote! {
        #(#attrs)*
        #[doc = #struct_doc]
        #vis struct #name<T: ::network::Float = f32> {
            #(
                #[doc = #layer_docs]
                pub #fields: ::network::Dense<T, #ins, #outs, #act_tys>,
            )*
        }

        #[doc = #grads_doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #vis struct #grads<T: ::network::Float = f32> {
            #(
                #[doc = #layer_docs]
                pub #fields: ::network::DenseGradients<T, #ins, #outs>,
            )*
        }

        #[doc = #trace_doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #vis struct #trace<T: ::network::Float = f32> {
            /// The input the pass started from (`a₀`).
            pub input: [T; #n_in],
            #(
                #[doc = #layer_docs]
                pub #fields: ::network::LayerTrace<T, #outs>,
            )*
        }

        impl<T: ::network::Float> #name<T> {
            /// Width of the input.
            pub const INPUTS: usize = #n_in;
            /// Width of the output.
            pub const OUTPUTS: usize = #n_out;
            /// Number of layers.
            pub const LAYERS: usize = #n_layers;
            /// Number of parameters: every layer's weights plus its biases.
            pub const PARAMS: usize = #n_params;

            /// A network whose weights and biases are all zero.
            ///
            /// Write the network's type where you call it: `let net: Net = Net::zeroed();` is
            /// `Net<f32>`, `Net::<f64>::zeroed()` is `f64`. Without it the scalar type is left
            /// to inference, and float literals used with the network make it `f64`.
            #warn_zeroed
            pub fn zeroed() -> Self {
                #name { #( #fields: ::network::Dense::zeroed(#act_vals), )* }
            }

            /// A network initialised deterministically from `seed`: Glorot/Xavier-uniform
            /// weights for `sigmoid`, `tanh`, `identity` and `softmax` layers,
            /// He/Kaiming-uniform for `relu`, `leaky_relu` and the ReLU-like `elu`, `gelu`,
            /// `gelu_tanh`, `silu` and `softplus`, zero biases. Layers draw from
            /// one generator in order, each weight matrix row by row.
            ///
            /// Write the network's type where you call it, `let net: Net = Net::seeded(1);`
            /// (`f32`), as for [`zeroed`](Self::zeroed): without it, float literals used with
            /// the network make it `f64`.
            #warn_seeded
            pub fn seeded(seed: u64) -> Self {
                let mut rng = ::network::Rng::new(seed);
                #name { #( #fields: ::network::Dense::init(#act_vals, &mut rng), )* }
            }

            /// The network's output for input `x`: every layer's `a = f(W·a_prev + b)` in turn.
            #[inline]
            pub fn forward(&self, x: &[T; #n_in]) -> [T; #n_out] {
                #( let #a_vars = self.#fields.forward(#forward_inputs); )*
                #last_a
            }

            /// The forward pass, keeping the input and every layer's `z` and `a` for
            /// [`backward`](Self::backward).
            #[inline]
            pub fn forward_trace(&self, x: &[T; #n_in]) -> #trace<T> {
                #( let #t_vars = self.#fields.forward_trace(#trace_inputs); )*
                #trace { input: *x, #( #fields: #t_vars, )* }
            }

            /// Backpropagation from `grad_output = ∂L/∂ŷ`, the gradient of the loss with
            /// respect to the network's output. ADDS every layer's `∂L/∂W` and `∂L/∂b` into
            /// `grads`, so that calls over a mini-batch sum up. For layer k:
            /// `δₖ = ∂L/∂zₖ`, `∂L/∂bₖ = δₖ`, `∂L/∂Wₖ = δₖ ⊗ aₖ₋₁`,
            /// `δₖ₋₁ = (Wₖᵀ δₖ) ⊙ f′(zₖ₋₁)`.
            #[inline]
            pub fn backward(&self, trace: &#trace<T>, grad_output: &[T; #n_out], grads: &mut #grads<T>) {
                <Self as ::network::Network<T>>::backward(self, trace, grad_output, grads)
            }

            /// Backpropagation from `delta = ∂L/∂z` of the last layer (the pre-activation),
            /// as a fused loss such as cross-entropy over softmax provides it. Adds into
            /// `grads`.
            #[inline]
            pub fn backward_delta(&self, trace: &#trace<T>, delta: &[T; #n_out], grads: &mut #grads<T>) {
                let #d_last = *delta;
                #( #backward )*
            }

            /// The loss of one sample, and the gradient of every weight and bias.
            #[inline]
            #warn_backprop
            pub fn backprop<L: ::network::Loss<T, #last_act>>(
                &self,
                x: &[T; #n_in],
                y: &[T; #n_out],
                loss: &L,
            ) -> (T, #grads<T>) {
                <Self as ::network::Network<T>>::backprop(self, x, y, loss)
            }

            /// One per-sample training step: backprop, then one optimizer update of every
            /// weight and bias. Returns the loss before the update.
            #[inline]
            #warn_train_step
            pub fn train_step<L: ::network::Loss<T, #last_act>, O: ::network::Optimizer<T, Self>>(
                &mut self,
                x: &[T; #n_in],
                y: &[T; #n_out],
                loss: &L,
                opt: &mut O,
            ) -> T {
                <Self as ::network::Network<T>>::train_step(self, x, y, loss, opt)
            }

            /// One mini-batch step: the gradient is the mean over the batch, then one
            /// optimizer update. Returns the mean loss before the update. Mismatched lengths
            /// or an empty batch return an error and change nothing.
            #[inline]
            #warn_train_batch
            pub fn train_batch<L: ::network::Loss<T, #last_act>, O: ::network::Optimizer<T, Self>>(
                &mut self,
                xs: &[[T; #n_in]],
                ys: &[[T; #n_out]],
                loss: &L,
                opt: &mut O,
            ) -> ::core::result::Result<T, ::network::Error> {
                <Self as ::network::Network<T>>::train_batch(self, xs, ys, loss, opt)
            }

            /// Copies all `PARAMS` parameters from `src`: layer by layer, the weight row by
            /// row, then the bias (PyTorch's `state_dict` order). A slice of another length is
            /// an error and changes nothing.
            pub fn read_params(&mut self, src: &[T]) -> ::core::result::Result<(), ::network::Error> {
                <Self as ::network::Parameters<T>>::read_params(self, src)
            }

            /// Copies all `PARAMS` parameters into `dst`, in the order of
            /// [`read_params`](Self::read_params). A slice of another length is an error and
            /// nothing is written.
            pub fn write_params(&self, dst: &mut [T]) -> ::core::result::Result<(), ::network::Error> {
                <Self as ::network::Parameters<T>>::write_params(self, dst)
            }
        }

        impl<T: ::network::Float> #name<T> {
            /// The architecture as a table (layers, widths, activations, parameter counts,
            /// total), like Keras' `model.summary()`; print it with `{}`. `Display` on the
            /// network shows the same table.
            pub fn summary(&self) -> ::network::Summary<T, Self> {
                ::network::Summary::new(#name_str)
            }
        }

        impl<T: ::network::Float> ::core::fmt::Display for #name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&::network::Summary::<T, Self>::new(#name_str), f)
            }
        }

        #net_params

        // Calls the inherent `zeroed` and `seeded` and the gradients' `zeroed`, flagged for
        // large networks.
        #[allow(deprecated)]
        impl<T: ::network::Float> ::network::Network<T> for #name<T> {
            const INPUTS: usize = #n_in;
            const OUTPUTS: usize = #n_out;
            const LAYERS: usize = #n_layers;
            const LAYOUT: &'static [::network::LayerInfo] = &[
                #( ::network::LayerInfo {
                    name: #field_strs,
                    kind: "dense",
                    inputs: #ins,
                    outputs: #outs,
                    activation: #act_strs,
                }, )*
            ];
            type Input = [T; #n_in];
            type Output = [T; #n_out];
            type Gradients = #grads<T>;
            type Trace = #trace<T>;
            type OutputActivation = #last_act;

            fn zeroed() -> Self {
                #name::zeroed()
            }

            fn seeded(seed: u64) -> Self {
                #name::seeded(seed)
            }

            fn reseed(&mut self, seed: u64) {
                let mut rng = ::network::Rng::new(seed);
                #( self.#fields.init_in_place(&mut rng); )*
            }

            // `boxed_zeroed` and `boxed_gradients` allocated zeroed, never on the stack.
            ::network::__boxed_methods!(#( #fields = #act_vals ),*);

            #[inline]
            fn forward(&self, x: &[T; #n_in]) -> [T; #n_out] {
                #name::forward(self, x)
            }

            #[inline]
            fn forward_trace(&self, x: &[T; #n_in]) -> #trace<T> {
                #name::forward_trace(self, x)
            }

            #[inline]
            fn trace_output(trace: &#trace<T>) -> (&[T; #n_out], &[T; #n_out]) {
                (&trace.#last_field.z, &trace.#last_field.a)
            }

            #[inline]
            fn output_activation(&self) -> &#last_act {
                &self.#last_field.activation
            }

            #[inline]
            fn backward_delta(&self, trace: &#trace<T>, delta: &[T; #n_out], grads: &mut #grads<T>) {
                #name::backward_delta(self, trace, delta, grads)
            }

            #[inline]
            fn sgd_step<L: ::network::Loss<T, #last_act>>(
                &mut self,
                x: &[T; #n_in],
                y: &[T; #n_out],
                loss: &L,
                lr: T,
            ) -> T {
                let trace = #name::forward_trace(self, x);
                let (z, a) = (&trace.#last_field.z, &trace.#last_field.a);
                let value = loss.value(z, a, y);
                let mut #d_last = [T::zero(); #n_out];
                loss.delta(&self.#last_field.activation, z, a, y, &mut #d_last);
                #( #fused )*
                value
            }

            fn accumulate_batch<L: ::network::Loss<T, #last_act>>(
                &self,
                xs: &[[T; #n_in]],
                ys: &[[T; #n_out]],
                loss: &L,
                grads: &mut #grads<T>,
            ) -> T {
                let mut sum = T::zero();
                for (xs, ys) in xs.chunks(#chunk).zip(ys.chunks(#chunk)) {
                    #batch_forward
                    #( #batch_back_acc )*
                    sum += total;
                }
                sum
            }

            fn sgd_batch<L: ::network::Loss<T, #last_act>>(
                &mut self,
                xs: &[[T; #n_in]],
                ys: &[[T; #n_out]],
                loss: &L,
                scale: T,
            ) -> T {
                if xs.len() > #chunk {
                    // The whole batch must see the old weights: store its gradient first.
                    let mut grads = #grads::<T>::zeroed();
                    let total = <Self as ::network::Network<T>>::accumulate_batch(self, xs, ys, loss, &mut grads);
                    ::network::optim::sgd_apply(self, &grads, scale);
                    return total;
                }
                #batch_forward
                #( #batch_back_sgd )*
                total
            }
        }

        impl<T: ::network::Float> #grads<T> {
            /// All-zero gradients, ready to accumulate into.
            #warn_grads_zeroed
            pub fn zeroed() -> Self {
                #grads { #( #fields: ::network::DenseGradients::zeroed(), )* }
            }
        }

        #[allow(deprecated)]
        impl<T: ::network::Float> ::core::default::Default for #grads<T> {
            fn default() -> Self {
                Self::zeroed()
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

        #grads_params

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

        ::network::__zero_bits!(#name, #grads, [#(#fields),*]);

        #warn_load
    })
}

/// A markdown table of the layers for the struct's rustdoc.
fn layer_table(plan: &Plan) -> String {
    let mut s =
        String::from("| field | layer | weight | bias | parameters |\n|---|---|---|---|---|\n");
    for l in &plan.layers {
        s.push_str(&format!(
            "| `{}` | `{}` | `[[T; {}]; {}]` | `[T; {}]` | {} |\n",
            l.field,
            l.source(),
            l.inputs,
            l.outputs,
            l.outputs,
            l.params()
        ));
    }
    s
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
}
