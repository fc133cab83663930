//! Large networks: the byte sizes of what the generated items return by value, and the
//! compile-time warning on those items when a size exceeds [`THRESHOLD`].
//!
//! The warning is a `#[deprecated(note = ...)]` on the inherent items of large networks only:
//! the one mechanism of stable Rust that warns at the caller's use of an item, naming the item
//! and carrying a message. `#[network(allow_large)]` on the declaration leaves it out.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use syn::Ident;

use crate::valid::{LayerPlan, Plan};

/// Values of more bytes than this are flagged: 1 MiB, half of the 2 MiB stack of a spawned
/// thread, which also holds the caller's frames (and, in unoptimised builds, a second copy of
/// the value while it is moved).
pub const THRESHOLD: usize = 1 << 20;

/// The declaration's options: `#[network(...)]` attributes, taken out of the attributes that
/// pass through to the struct.
pub struct Options {
    /// The attributes for the struct, without `#[network(...)]`.
    pub attrs: Vec<TokenStream>,
    /// `#[network(allow_large)]`: no warning, whatever the size.
    pub allow_large: bool,
}

/// Splits `#[network(allow_large)]` off the declaration's attributes. Anything else inside
/// `#[network(...)]` is an error on that token.
pub fn options(attrs: &[TokenStream]) -> syn::Result<Options> {
    let mut out = Options {
        attrs: Vec::new(),
        allow_large: false,
    };
    for attr in attrs {
        let Some(args) = network_args(attr) else {
            out.attrs.push(attr.clone());
            continue;
        };
        let Some(args) = args else {
            return Err(syn::Error::new_spanned(
                attr,
                "expected `#[network(allow_large)]`",
            ));
        };
        let mut any = false;
        for token in args {
            match token {
                TokenTree::Ident(i) if i == "allow_large" => {
                    out.allow_large = true;
                    any = true;
                }
                TokenTree::Punct(p) if p.as_char() == ',' => {}
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "unknown network option: the one option is `allow_large`, which \
                         silences the warning on items that return a large network by value",
                    ));
                }
            }
        }
        if !any {
            return Err(syn::Error::new_spanned(
                attr,
                "expected `#[network(allow_large)]`",
            ));
        }
    }
    Ok(out)
}

/// For `#[network ...]`: `Some(Some(tokens))` inside its parentheses, `Some(None)` if it has
/// none; `None` for any other attribute.
fn network_args(attr: &TokenStream) -> Option<Option<TokenStream>> {
    let mut outer = attr.clone().into_iter();
    let (Some(TokenTree::Punct(_)), Some(TokenTree::Group(bracket))) = (outer.next(), outer.next())
    else {
        return None;
    };
    let mut inner = bracket.stream().into_iter();
    match inner.next() {
        Some(TokenTree::Ident(i)) if i == "network" => {}
        _ => return None,
    }
    let args = match (inner.next(), inner.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Parenthesis => {
            Some(g.stream())
        }
        _ => None,
    };
    Some(args)
}

/// Bytes of the network struct and of its gradients with scalars of `scalar` bytes: every
/// parameter (PyTorch's count for a recurrent layer), plus the `f64` of each parameterised
/// activation (padding aside).
fn sizes(plan: &Plan, scalar: usize) -> (usize, usize) {
    let params: usize = plan.layers.iter().map(LayerPlan::params).sum();
    let acts = plan
        .layers
        .iter()
        .filter(|l| l.activation.arg.is_some())
        .count();
    (params * scalar + acts * 8, params * scalar)
}

/// `14.2 MiB`, `812 KiB`.
fn human(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// The `#[deprecated]` attribute of each flagged item, or nothing.
#[derive(Default)]
pub struct Warnings {
    /// On the network's `zeroed`.
    pub zeroed: TokenStream,
    /// On the network's `seeded`.
    pub seeded: TokenStream,
    /// On the network's `backprop`.
    pub backprop: TokenStream,
    /// On the network's `train_step`.
    pub train_step: TokenStream,
    /// On the network's `train_batch`.
    pub train_batch: TokenStream,
    /// On a sequence network's `train_sequence`.
    pub train_sequence: TokenStream,
    /// On a sequence network's `train_sequence_batch`.
    pub train_sequence_batch: TokenStream,
    /// On the gradients' `zeroed`.
    pub grads_zeroed: TokenStream,
    /// On the network's `freeze`, which returns the frozen network, as large as the network.
    pub freeze: TokenStream,
    /// An inherent `load` carrying the warning (the model file's `load` is a trait method,
    /// which cannot be flagged for some implementors only).
    pub load: TokenStream,
}

/// The warnings for `plan`'s items. The inherent impl is generic over the scalar type, so one
/// attribute covers `f32` and `f64`: an item is flagged when its `f64` size, the larger,
/// exceeds [`THRESHOLD`], and the note gives both sizes.
pub fn warnings(plan: &Plan, grads: &Ident) -> Warnings {
    let (net64, grads64) = sizes(plan, 8);
    if plan.allow_large || net64.max(grads64) <= THRESHOLD {
        return Warnings::default();
    }
    let name = &plan.ast.ident;
    let (net32, grads32) = sizes(plan, 4);
    // Only above 2 MiB is an overflow certain on a spawned thread.
    let verb = |bytes32: usize| {
        if bytes32 > 2 * THRESHOLD {
            "overflows"
        } else {
            "can overflow"
        }
    };
    let net = format!(
        "{} by value ({} as `{name}<f64>`), which {} a thread's stack",
        human(net32),
        human(net64),
        verb(net32)
    );
    let gr = format!(
        "{} ({} as `{grads}<f64>`), which {} a thread's stack",
        human(grads32),
        human(grads64),
        verb(grads32)
    );
    let silence =
        format!("; or `#[network(allow_large)]` on `{name}` if the stack is large enough");
    let with_grads = format!("with `let mut grads = {name}::boxed_gradients();` made once");
    let by_window = format!(
        "add each window's gradients into `grads` with `net.window_gradients(&start, xs, ys, \
         warmup, &loss, &mut window, &mut grads)`, {with_grads} (and `grads.set_zero()` \
         before each step), then `opt.step(&mut *net, &grads)` with a boxed optimizer such as \
         `Adam::boxed(lr)`"
    );
    let note = |text: String| quote!(#[deprecated(note = #text)]);
    Warnings {
        zeroed: note(format!(
            "`{name}::zeroed` returns {net}: use `{name}::boxed_zeroed()`{silence}"
        )),
        seeded: note(format!(
            "`{name}::seeded` returns {net}: use `{name}::boxed_seeded(seed)`{silence}"
        )),
        backprop: note(format!(
            "`{name}::backprop` returns the gradients by value, {gr}: use \
             `net.backprop_into(x, y, &loss, &mut grads)` {with_grads}{silence}"
        )),
        train_step: note(format!(
            "`{name}::train_step` keeps the gradients on the stack with any optimizer but plain \
             SGD, {gr}: use `net.train_step_with(&mut grads, x, y, &loss, &mut opt)` \
             {with_grads} and a boxed optimizer such as `Adam::boxed(lr)`{silence}"
        )),
        train_batch: note(format!(
            "`{name}::train_batch` keeps the gradients on the stack, {gr}: use \
             `net.train_batch_with(&mut grads, xs, ys, &loss, &mut opt)` {with_grads} and a \
             boxed optimizer such as `Adam::boxed(lr)`{silence}"
        )),
        train_sequence: note(format!(
            "`{name}::train_sequence` keeps the gradients on the stack, {gr}: {by_window}{silence}"
        )),
        train_sequence_batch: note(format!(
            "`{name}::train_sequence_batch` keeps the gradients on the stack, {gr}: \
             {by_window}{silence}"
        )),
        grads_zeroed: note(format!(
            "`{grads}::zeroed` returns {gr}: use `{name}::boxed_gradients()`{silence}"
        )),
        freeze: note(format!(
            "`{name}::freeze` returns the frozen network, {net}: use `net.boxed_freeze()`, or \
             `net.freeze_into(&mut frozen)` to refresh one{silence}"
        )),
        load: {
            let text = format!(
                "`{name}::load` returns {net}: use `let mut net = {name}::boxed_zeroed();` then \
                 `net.load_into(path)`{silence}"
            );
            quote!(::network::__large_load!(#name, #text);)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Network;
    use crate::ctxt::Ctxt;
    use crate::valid;

    fn plan_of(src: &str) -> (Options, String) {
        let net: Network = syn::parse_str(src).unwrap();
        let opts = options(&net.attrs).unwrap();
        let cx = Ctxt::new();
        let plan = valid::validate(&net, &cx).unwrap();
        cx.check().unwrap();
        let grads = quote::format_ident!("{}Gradients", net.ident);
        let w = warnings(&plan, &grads);
        (opts, w.seeded.to_string())
    }

    #[test]
    fn big_networks_are_flagged_with_both_sizes() {
        let (_, seeded) = plan_of(
            "struct Big < dense(784 -> 2048, relu), dense(2048 -> 1024, relu), \
             dense(1024 -> 10, softmax) >",
        );
        // 3 716 106 parameters: 14 864 424 bytes in f32, 29 728 848 in f64.
        assert!(seeded.contains("deprecated"), "{seeded}");
        assert!(seeded.contains("14.2 MiB by value (28.4 MiB"), "{seeded}");
        assert!(seeded.contains("`Big::boxed_seeded(seed)`"), "{seeded}");
    }

    #[test]
    fn the_threshold_is_on_the_f64_size() {
        // 131 072 + 513 = 131 585 parameters: 1 052 680 bytes in f64, just above 1 MiB
        // (526 340 bytes in f32).
        let (_, over) = plan_of("struct A < dense(255 -> 512, relu), dense(512 -> 1, identity) >");
        assert!(over.contains("515 KiB by value (1.0 MiB"), "{over}");
        // 130 048 + 513 = 130 561 parameters: 1 044 488 bytes, under.
        let (_, under) = plan_of("struct A < dense(253 -> 512, relu), dense(512 -> 1, identity) >");
        assert!(under.is_empty(), "{under}");
    }

    #[test]
    fn recurrent_layers_count_as_pytorch_counts_them() {
        // GRU(256, 256): 3·256·(256 + 256 + 2) = 394 752 parameters, and 257 for the dense
        // layer: 1 580 036 bytes in f32, 3 160 072 in f64.
        let (_, seeded) = plan_of("struct BigGru < gru(256 -> 256), dense(256 -> 1, identity) >");
        assert!(seeded.contains("1.5 MiB by value (3.0 MiB"), "{seeded}");
        assert!(seeded.contains("`BigGru::boxed_seeded(seed)`"), "{seeded}");
        // LSTM(64, 128): 4·128·(64 + 128 + 2) = 99 328 parameters, 794 624 bytes in f64: under.
        let (_, under) = plan_of("struct Small < lstm(64 -> 128) >");
        assert!(under.is_empty(), "{under}");
        // LSTM(128, 256): 4·256·(128 + 256 + 2) = 395 264 parameters, 3 162 112 bytes in f64:
        // over (a dense layer of those widths, 33 024 parameters, would be under).
        let (_, over) = plan_of("struct Over < lstm(128 -> 256) >");
        assert!(over.contains("1.5 MiB by value (3.0 MiB"), "{over}");
    }

    #[test]
    fn allow_large_silences_and_is_not_passed_through() {
        let (opts, seeded) = plan_of(
            "/// Docs.\n#[network(allow_large)] #[derive(Clone)] \
             struct Big < dense(784 -> 2048, relu), dense(2048 -> 10, softmax) >",
        );
        assert!(opts.allow_large && seeded.is_empty());
        let kept: Vec<String> = opts.attrs.iter().map(ToString::to_string).collect();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept.iter().all(|a| !a.contains("network")), "{kept:?}");
    }

    #[test]
    fn unknown_options_are_errors() {
        for src in [
            "#[network(allow_big)] struct N < dense(2 -> 1, identity) >",
            "#[network] struct N < dense(2 -> 1, identity) >",
            "#[network()] struct N < dense(2 -> 1, identity) >",
        ] {
            let net: Network = syn::parse_str(src).unwrap();
            assert!(options(&net.attrs).is_err(), "{src}");
        }
    }
}
