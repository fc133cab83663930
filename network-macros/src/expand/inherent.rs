//! The inherent items of a network and of its gradients: what users call without importing a
//! trait. Each is one builder returning one item (so an item's attributes are added in one
//! place), and each delegates to the `Architecture`, `Network` or `Parameters` impl, where the
//! code is: delegation runs one way only. Their documentation is a line each; the trait methods they
//! call have the full text.

use proc_macro2::TokenStream;
use quote::quote;

use super::Gen;

/// The inherent impls of the network and of its gradients.
pub fn inherent(g: &Gen) -> TokenStream {
    let (name, grads) = (g.name, &g.grads);
    let items = [
        consts(g),
        zeroed(g),
        seeded(g),
        forward(g),
        forward_trace(g),
        forward_batch(g),
        backward(g),
        backward_delta(g),
        backprop(g),
        train_step(g),
        train_batch(g),
        read_params(),
        write_params(),
        summary(g),
    ];
    let grads_items = [grads_zeroed(g)];
    let name_str = name.to_string();
    quote! {
        impl<T: ::network::Float> #name<T> {
            #(#items)*
        }

        impl<T: ::network::Float> ::core::fmt::Display for #name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&::network::Summary::<T, Self>::new(#name_str), f)
            }
        }

        impl<T: ::network::Float> #grads<T> {
            #(#grads_items)*
        }
    }
}

fn consts(g: &Gen) -> TokenStream {
    let (n_in, n_out, n_layers, n_params) = (g.n_in, g.n_out, g.fields.len(), g.n_params);
    let budget = budget(false);
    quote! {
        /// Width of the input.
        pub const INPUTS: usize = #n_in;
        /// Width of the output.
        pub const OUTPUTS: usize = #n_out;
        /// Number of layers.
        pub const LAYERS: usize = #n_layers;
        /// Number of parameters: every layer's weights plus its biases.
        pub const PARAMS: usize = #n_params;
        #budget
    }
}

/// The memory budget (`network-core`'s `MemoryBudget`) as inherent constants, so that a
/// firmware reads `Net::<f32>::TRACE_BYTES` without importing the trait; a sequence
/// network's trace is one time step's, and it adds `STATE_BYTES`.
pub(super) fn budget(sequence: bool) -> TokenStream {
    let (gradient, trace) = if sequence {
        (
            "Bytes of one gradient, as a training step keeps it.",
            "Bytes of the trace of one time step: a window of `W` steps keeps `W` of them.",
        )
    } else {
        (
            "Bytes of one gradient, as a non-fused training step keeps it.",
            "Bytes of one trace, what a training step keeps for backpropagation.",
        )
    };
    let mut consts = vec![
        ("PARAM_BYTES", "Bytes of the parameters."),
        (
            "NETWORK_BYTES",
            "Bytes of the network value (`size_of::<Self>()`).",
        ),
        ("GRADIENT_BYTES", gradient),
        ("TRACE_BYTES", trace),
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
    ];
    if !sequence {
        consts.push((
            "BATCH_SCRATCH_BYTES",
            "Bytes of the row buffers a batched step keeps on the stack.",
        ));
    }
    let consts = consts.into_iter().map(|(name, doc)| {
        let id = quote::format_ident!("{}", name);
        quote! {
            #[doc = #doc]
            pub const #id: usize = <Self as ::network::MemoryBudget<T>>::#id;
        }
    });
    let state = sequence.then(|| {
        quote! {
            /// Bytes of the state carried from one time step to the next.
            pub const STATE_BYTES: usize = <Self as ::network::Architecture<T>>::STATE_BYTES;
        }
    });
    quote!(#(#consts)* #state)
}

fn zeroed(g: &Gen) -> TokenStream {
    let warn = &g.warn.zeroed;
    quote! {
        /// A network whose weights and biases are all zero.
        ///
        /// Write the network's type where you call it: `let net: Net = Net::zeroed();` is
        /// `Net<f32>`, `Net::<f64>::zeroed()` is `f64`. Without it the scalar type is left
        /// to inference, and float literals used with the network make it `f64`.
        #warn
        pub fn zeroed() -> Self {
            <Self as ::network::Architecture<T>>::zeroed()
        }
    }
}

fn seeded(g: &Gen) -> TokenStream {
    let warn = &g.warn.seeded;
    let doc = format!(
        "A network initialised deterministically from `seed`: Glorot/Xavier-uniform weights \
         for {} layers, He/Kaiming-uniform for {}, zero biases. Layers draw from one generator \
         in order, each weight matrix row by row.",
        crate::catalog::initialised_with(crate::catalog::Init::Glorot),
        crate::catalog::initialised_with(crate::catalog::Init::He),
    );
    quote! {
        #[doc = #doc]
        ///
        /// Write the network's type where you call it, `let net: Net = Net::seeded(1);`
        /// (`f32`), as for [`zeroed`](Self::zeroed): without it, float literals used with
        /// the network make it `f64`.
        #warn
        pub fn seeded(seed: u64) -> Self {
            <Self as ::network::Architecture<T>>::seeded(seed)
        }
    }
}

fn forward(g: &Gen) -> TokenStream {
    let (n_in, n_out) = (g.n_in, g.n_out);
    quote! {
        /// The network's output for input `x`: every layer's `a = f(W·a_prev + b)` in turn.
        #[inline]
        pub fn forward(&self, x: &[T; #n_in]) -> [T; #n_out] {
            <Self as ::network::Network<T>>::forward(self, x)
        }
    }
}

fn forward_trace(g: &Gen) -> TokenStream {
    let (n_in, trace) = (g.n_in, &g.trace);
    quote! {
        /// The forward pass, keeping what [`backward`](Self::backward) needs.
        #[inline]
        pub fn forward_trace(&self, x: &[T; #n_in]) -> #trace<T> {
            <Self as ::network::Network<T>>::forward_trace(self, x)
        }
    }
}

fn forward_batch(g: &Gen) -> TokenStream {
    let (n_in, n_out) = (g.n_in, g.n_out);
    quote! {
        /// The outputs of a batch of inputs, `ys[s] = forward(xs[s])`, as matrix-matrix
        /// products a chunk of rows at a time, without heap. Panics if the lengths differ.
        #[inline]
        pub fn forward_batch(&self, xs: &[[T; #n_in]], ys: &mut [[T; #n_out]]) {
            <Self as ::network::Network<T>>::forward_batch(self, xs, ys)
        }
    }
}

fn backward(g: &Gen) -> TokenStream {
    let (n_out, trace, grads) = (g.n_out, &g.trace, &g.grads);
    quote! {
        /// Backpropagation from `∂L/∂ŷ`: ADDS every `∂L/∂W` and `∂L/∂b` into `grads`.
        #[inline]
        pub fn backward(&self, trace: &#trace<T>, grad_output: &[T; #n_out], grads: &mut #grads<T>) {
            <Self as ::network::Network<T>>::backward(self, trace, grad_output, grads)
        }
    }
}

fn backward_delta(g: &Gen) -> TokenStream {
    let (n_out, trace, grads) = (g.n_out, &g.trace, &g.grads);
    quote! {
        /// Backpropagation from `δ = ∂L/∂z` of the last layer; adds into `grads`.
        #[inline]
        pub fn backward_delta(&self, trace: &#trace<T>, delta: &[T; #n_out], grads: &mut #grads<T>) {
            <Self as ::network::Network<T>>::backward_delta(self, trace, delta, grads)
        }
    }
}

fn backprop(g: &Gen) -> TokenStream {
    let (n_in, n_out, grads, last_act) = (g.n_in, g.n_out, &g.grads, &g.last_act);
    let warn = &g.warn.backprop;
    quote! {
        /// The loss of one sample, and the gradient of every weight and bias.
        #[inline]
        #warn
        pub fn backprop<L: ::network::Loss<T, #last_act>>(
            &self,
            x: &[T; #n_in],
            y: &[T; #n_out],
            loss: &L,
        ) -> (T, #grads<T>) {
            <Self as ::network::Network<T>>::backprop(self, x, y, loss)
        }
    }
}

fn train_step(g: &Gen) -> TokenStream {
    let (n_in, n_out, last_act) = (g.n_in, g.n_out, &g.last_act);
    let warn = &g.warn.train_step;
    quote! {
        /// One per-sample training step; returns the loss before the update.
        #[inline]
        #warn
        pub fn train_step<L: ::network::Loss<T, #last_act>, O: ::network::Optimizer<T, Self>>(
            &mut self,
            x: &[T; #n_in],
            y: &[T; #n_out],
            loss: &L,
            opt: &mut O,
        ) -> T {
            <Self as ::network::Network<T>>::train_step(self, x, y, loss, opt)
        }
    }
}

fn train_batch(g: &Gen) -> TokenStream {
    let (n_in, n_out, last_act) = (g.n_in, g.n_out, &g.last_act);
    let warn = &g.warn.train_batch;
    quote! {
        /// One step on a mini-batch's mean gradient; returns the mean loss before it.
        #[inline]
        #warn
        pub fn train_batch<L: ::network::Loss<T, #last_act>, O: ::network::Optimizer<T, Self>>(
            &mut self,
            xs: &[[T; #n_in]],
            ys: &[[T; #n_out]],
            loss: &L,
            opt: &mut O,
        ) -> ::core::result::Result<T, ::network::Error> {
            <Self as ::network::Network<T>>::train_batch(self, xs, ys, loss, opt)
        }
    }
}

fn read_params() -> TokenStream {
    quote! {
        /// Copies all `PARAMS` parameters from `src`, in PyTorch's `state_dict` order.
        pub fn read_params(&mut self, src: &[T]) -> ::core::result::Result<(), ::network::Error> {
            <Self as ::network::Parameters<T>>::read_params(self, src)
        }
    }
}

fn write_params() -> TokenStream {
    quote! {
        /// Copies all `PARAMS` parameters into `dst`, in PyTorch's `state_dict` order.
        pub fn write_params(&self, dst: &mut [T]) -> ::core::result::Result<(), ::network::Error> {
            <Self as ::network::Parameters<T>>::write_params(self, dst)
        }
    }
}

fn summary(g: &Gen) -> TokenStream {
    let name_str = g.name.to_string();
    quote! {
        /// The architecture as a table, like Keras' `model.summary()`; print it with `{}`.
        pub fn summary(&self) -> ::network::Summary<T, Self> {
            ::network::Summary::new(#name_str)
        }
    }
}

fn grads_zeroed(g: &Gen) -> TokenStream {
    let warn = &g.warn.grads_zeroed;
    quote! {
        /// All-zero gradients, ready to accumulate into.
        #warn
        pub fn zeroed() -> Self {
            ::core::default::Default::default()
        }
    }
}
