//! The checks that turn a parsed [`ast::Network`] into a [`Plan`] the expander can trust.
//!
//! Each mistake becomes a `syn::Error` on the token at fault, with a message that says what to
//! write instead, recorded in the invocation's [`Ctxt`] so the user sees all of them together.
//! What is known (layer kinds, activations, their arguments) comes from [`catalog`].

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use quote::format_ident;
use syn::{Ident, Lit};

use crate::ast::{self, ActivationSpec};
use crate::catalog::{self, Kind};
use crate::ctxt::Ctxt;
use crate::stack;

/// A checked network: every layer has a field name, widths that chain, a known activation.
pub struct Plan<'a> {
    /// The parsed declaration this plan checked.
    pub ast: &'a ast::Network,
    /// The layers, in order (at least one).
    pub layers: Vec<LayerPlan>,
    /// The declaration's attributes for the struct, without `#[network(...)]`.
    pub attrs: Vec<TokenStream>,
    /// `#[network(allow_large)]`: no warning on by-value items of a large network.
    pub allow_large: bool,
}

/// A checked layer.
pub struct LayerPlan {
    /// The struct field holding the layer (`l1`, ... unless named).
    pub field: Ident,
    /// The layer kind.
    pub kind: &'static Kind,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Activation.
    pub activation: Act,
}

/// A checked activation: a catalogue entry and its argument (the default if left out).
#[derive(Clone, Copy)]
pub struct Act {
    /// The catalogue entry.
    pub def: &'static catalog::Activation,
    /// The argument, for an activation that takes one.
    pub arg: Option<f64>,
}

impl Act {
    /// The activation as the user would write it, with its argument: `relu`, `elu(1)`.
    pub fn source(&self) -> String {
        match self.arg {
            Some(a) => format!("{}({a})", self.def.name),
            None => self.def.name.to_string(),
        }
    }
}

impl LayerPlan {
    /// The layer as the user would write it: `dense(2 -> 8, tanh)`, `gru(1 -> 16)`.
    pub fn source(&self) -> String {
        if self.kind.recurrent {
            return format!("{}({} -> {})", self.kind.name, self.inputs, self.outputs);
        }
        format!(
            "{}({} -> {}, {})",
            self.kind.name,
            self.inputs,
            self.outputs,
            self.activation.source()
        )
    }

    /// Number of parameters (checked not to overflow by validation).
    pub fn params(&self) -> usize {
        (self.kind.params)(self.inputs, self.outputs).unwrap_or(usize::MAX)
    }
}

/// Checks one network, recording every mistake in `cx`; the plan if there was none.
pub fn validate<'a>(net: &'a ast::Network, cx: &Ctxt) -> Option<Plan<'a>> {
    let before = cx.count();
    let errors = cx;
    for e in &net.errors {
        errors.push(e.clone());
    }
    if net.layers.is_empty() {
        errors.push(syn::Error::new(
            net.open,
            format!(
                "network `{0}` has no layers; declare at least one, as in \
                 `struct {0} < dense(2 -> 1, sigmoid) >`",
                net.ident
            ),
        ));
    }

    let names: Vec<Ident> = net.layers.iter().map(field_name).collect();
    let last = net.layers.len();
    let mut layers = Vec::with_capacity(last);
    for (layer, field) in net.layers.iter().zip(&names) {
        let kind = check_kind(layer, errors);
        for width in [layer.inputs, layer.outputs].into_iter().flatten() {
            if width.value == 0 {
                errors.push(syn::Error::new(
                    width.span,
                    format!(
                        "layer {} (`{field}`) has a width of 0; every layer needs at least one \
                         input and one output",
                        layer.index
                    ),
                ));
            }
        }
        let activation = layer.activation.as_ref().and_then(|spec| {
            let act = resolve_activation(spec, errors)?;
            if !act.def.hidden && layer.index != last {
                errors.push(syn::Error::new(
                    spec.ident.span(),
                    format!(
                        "`{}` is only allowed on the last layer, and layer {} (`{field}`) \
                         is followed by {} more; use `relu`, `tanh` or another element-wise \
                         activation for hidden layers",
                        act.def.name,
                        layer.index,
                        last - layer.index
                    ),
                ));
            }
            Some(act)
        });
        // A recurrent layer's output is its state `h`, with no activation of its own.
        let activation = match kind {
            Some(k) if k.recurrent => {
                catalog::activation("identity").map(|def| Act { def, arg: None })
            }
            _ => activation,
        };
        if let (Some(kind), Some(i), Some(o), Some(a)) =
            (kind, layer.inputs, layer.outputs, activation)
        {
            layers.push(LayerPlan {
                field: field.clone(),
                kind,
                inputs: i.value,
                outputs: o.value,
                activation: a,
            });
        }
    }

    check_size(net, &names, errors);
    check_chain(net, &names, errors);
    check_names(net, &names, errors);

    let options = stack::options(&net.attrs).map_err(|e| errors.push(e)).ok();

    let (Some(options), true) = (options, cx.count() == before && !layers.is_empty()) else {
        return None;
    };
    Some(Plan {
        ast: net,
        layers,
        attrs: options.attrs,
        allow_large: options.allow_large,
    })
}

/// The field a layer lives in: its own name, or `l{index}`.
fn field_name(layer: &ast::Layer) -> Ident {
    match &layer.name {
        Some(name) => name.clone(),
        None => format_ident!("l{}", layer.index, span = layer.kind.span()),
    }
}

fn check_kind(layer: &ast::Layer, errors: &Ctxt) -> Option<&'static Kind> {
    let kind = layer.kind.to_string();
    if let Some(k) = catalog::kind(&kind) {
        return Some(k);
    }
    let names = catalog::kind_names();
    let known = names
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match closest(&kind, &names) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    let written = catalog::KINDS
        .iter()
        .map(|k| format!("`{}`", k.example))
        .collect::<Vec<_>>()
        .join(", ");
    errors.push(syn::Error::new(
        layer.kind.span(),
        format!(
            "unknown layer kind `{kind}`; {hint}the known layer kinds are: {known} \
             (written {written})"
        ),
    ));
    None
}

fn resolve_activation(spec: &ActivationSpec, errors: &Ctxt) -> Option<Act> {
    let name = spec.ident.to_string();
    let Some(def) = catalog::activation(&name) else {
        let lower = name.to_lowercase();
        let guess =
            catalog::alias(&lower).or_else(|| closest(&lower, &catalog::activation_names()));
        let hint = match guess {
            Some(g) => format!("did you mean `{g}`? "),
            None => String::new(),
        };
        errors.push(syn::Error::new(
            spec.ident.span(),
            format!(
                "unknown activation `{name}`; {hint}the activations are: {}",
                catalog::activation_list()
            ),
        ));
        return None;
    };
    match (&def.arg, &spec.args) {
        (None, None) => Some(Act { def, arg: None }),
        (Some(arg), None) => Some(Act {
            def,
            arg: Some(arg.default),
        }),
        (Some(arg), Some((span, tokens))) => match number(tokens.clone()) {
            Some(value) if (arg.allowed)(value) => Some(Act {
                def,
                arg: Some(value),
            }),
            _ => {
                // Point at the argument itself; at the parentheses when they are empty.
                let message = format!("malformed `{name}({tokens})`: {}", arg.help);
                errors.push(if tokens.is_empty() {
                    syn::Error::new(*span, message)
                } else {
                    syn::Error::new_spanned(tokens, message)
                });
                None
            }
        },
        (None, Some((span, _))) => {
            let with_args = catalog::ACTIVATIONS
                .iter()
                .filter(|a| a.arg.is_some())
                .map(|a| format!("`{}(α)`", a.name))
                .collect::<Vec<_>>()
                .join(" and ");
            errors.push(syn::Error::new(
                *span,
                format!(
                    "`{name}` takes no arguments; write just `{name}` (only {with_args} have one)"
                ),
            ));
            None
        }
    }
}

/// Exactly one finite, non-negative number literal (an activation's argument).
fn number(tokens: TokenStream) -> Option<f64> {
    let mut iter = tokens.into_iter();
    let lit = match iter.next()? {
        TokenTree::Literal(lit) => lit,
        _ => return None,
    };
    if iter.next().is_some() {
        return None;
    }
    let value = match Lit::new(lit) {
        Lit::Float(f) => f.base10_parse::<f64>().ok()?,
        Lit::Int(i) => i.base10_parse::<u32>().ok()? as f64,
        _ => return None,
    };
    value.is_finite().then_some(value)
}

/// Parameter counts must be computable without overflow, so generated constants are exact.
/// (A count that fits can still be too large for a stack; that is the compiler's to report.)
fn check_size(net: &ast::Network, names: &[Ident], errors: &Ctxt) {
    let mut total: Option<usize> = Some(0);
    for (layer, name) in net.layers.iter().zip(names) {
        let (Some(i), Some(o)) = (layer.inputs, layer.outputs) else {
            continue;
        };
        // An unknown kind is reported elsewhere; count it as dense would be, to check the rest.
        let kind = catalog::kind(&layer.kind.to_string()).unwrap_or(&catalog::KINDS[0]);
        let params = (kind.params)(i.value, o.value);
        if params.is_none_or(|p| p > isize::MAX as usize / 8) {
            errors.push(syn::Error::new(
                o.span,
                format!(
                    "layer {} (`{name}`) would have {} × {} weights, more than memory can hold",
                    layer.index, i.value, o.value
                ),
            ));
            return;
        }
        total = total.zip(params).and_then(|(t, p)| t.checked_add(p));
    }
    if total.is_none_or(|t| t > isize::MAX as usize / 8) {
        errors.push(syn::Error::new(
            net.ident.span(),
            "this network has more parameters than memory can hold",
        ));
    }
}

/// Each layer's input width must equal the previous layer's output width.
fn check_chain(net: &ast::Network, names: &[Ident], errors: &Ctxt) {
    for (k, pair) in net.layers.windows(2).enumerate() {
        let (prev, cur) = (&pair[0], &pair[1]);
        let (Some(out), Some(inp)) = (prev.outputs, cur.inputs) else {
            continue;
        };
        if out.value != inp.value && out.value != 0 && inp.value != 0 {
            errors.push(syn::Error::new(
                inp.span,
                format!(
                    "layer {} (`{}`) takes {} inputs but layer {} (`{}`) produces {}; \
                     write `{}({} -> ...)` here or change layer {}'s output width to {}",
                    cur.index,
                    names[k + 1],
                    inp.value,
                    prev.index,
                    names[k],
                    out.value,
                    cur.kind,
                    out.value,
                    prev.index,
                    inp.value
                ),
            ));
        }
    }
}

/// Field names must be distinct, and `input` is taken by the trace.
fn check_names(net: &ast::Network, names: &[Ident], errors: &Ctxt) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (layer, name) in net.layers.iter().zip(names) {
        let key = name.to_string();
        let span = layer.name.as_ref().map_or(layer.kind.span(), Ident::span);
        if key == "input" {
            errors.push(syn::Error::new(
                span,
                "`input` cannot name a layer: the network's trace keeps the input under that \
                 name; choose another name",
            ));
        }
        if let Some(first) = seen.get(&key) {
            let unnamed = if layer.name.is_none() || net.layers[*first - 1].name.is_none() {
                " (a layer without a name is called `l` and its position: `l1`, `l2`, ...)"
            } else {
                ""
            };
            errors.push(syn::Error::new(
                span,
                format!(
                    "duplicate layer name `{key}`: layer {first} is already called that{unnamed}; \
                     give layer {} another name",
                    layer.index
                ),
            ));
        } else {
            seen.insert(key, layer.index);
        }
    }
}

/// The candidate within a small edit distance of `word`, if any.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mistake in `src`, one message each.
    fn mistakes(src: &str) -> Vec<String> {
        let net: ast::Network = syn::parse_str(src).unwrap();
        let cx = Ctxt::new();
        assert!(validate(&net, &cx).is_none(), "{src} passed");
        let err = cx.check().expect_err("mistakes recorded");
        err.into_iter().map(|e| e.to_string()).collect()
    }

    /// The activations of a valid `src`, as written.
    fn activations(src: &str) -> Vec<String> {
        let net: ast::Network = syn::parse_str(src).unwrap();
        let cx = Ctxt::new();
        let plan = validate(&net, &cx).expect("valid");
        assert!(cx.check().is_ok());
        plan.layers.iter().map(|l| l.activation.source()).collect()
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("rlu", "relu"), 1);
        assert_eq!(edit_distance("tnah", "tanh"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let acts = catalog::activation_names();
        let kinds = catalog::kind_names();
        assert_eq!(closest("sigmod", &acts), Some("sigmoid"));
        assert_eq!(closest("conv", &kinds), None);
        assert_eq!(closest("dens", &kinds), Some("dense"));
    }

    #[test]
    fn leaky_slopes() {
        for (arg, want) in [
            ("0.2", Some("leaky_relu(0.2)")),
            ("0", Some("leaky_relu(0)")),
        ] {
            let src = format!("struct N < dense(2 -> 1, leaky_relu({arg})) >");
            assert_eq!(activations(&src), [want.unwrap()]);
        }
        for bad in ["1.5", "0.1, 0.2", "x", ""] {
            let src = format!("struct N < dense(2 -> 1, leaky_relu({bad})) >");
            let all = mistakes(&src).join("\n");
            assert!(all.contains("malformed `leaky_relu("), "{bad}: {all}");
        }
    }

    #[test]
    fn new_activations_and_elu_alpha() {
        assert_eq!(
            activations(
                "struct N < dense(2 -> 4, gelu), dense(4 -> 4, gelu_tanh), \
                 dense(4 -> 4, softplus), dense(4 -> 4, elu), dense(4 -> 4, elu(0.5)), \
                 dense(4 -> 1, silu) >"
            ),
            [
                "gelu",
                "gelu_tanh",
                "softplus",
                "elu(1)",
                "elu(0.5)",
                "silu"
            ]
        );
        for bad in ["elu(0)", "elu(-1)", "elu(x)", "elu(1, 2)", "gelu(1)"] {
            let msg = mistakes(&format!("struct N < dense(2 -> 1, {bad}) >")).join("\n");
            assert!(
                msg.contains("malformed `elu(") || msg.contains("takes no arguments"),
                "{bad}: {msg}"
            );
        }
        let msg = mistakes("struct N < dense(2 -> 1, swish) >").join("\n");
        assert!(msg.contains("did you mean `silu`?"), "{msg}");
    }

    #[test]
    fn chain_and_names_are_reported_together() {
        let all = mistakes(
            "struct N < a: dense(2 -> 8, relu), a: dense(4 -> 1, softmax), dense(1 -> 0, rlu) >",
        );
        let joined = all.join("\n");
        assert!(
            joined.contains("layer 2 (`a`) takes 4 inputs but layer 1 (`a`) produces 8"),
            "{joined}"
        );
        assert!(joined.contains("duplicate layer name `a`"), "{joined}");
        assert!(
            joined.contains("`softmax` is only allowed on the last layer"),
            "{joined}"
        );
        assert!(joined.contains("did you mean `relu`?"), "{joined}");
        assert!(joined.contains("width of 0"), "{joined}");
        assert_eq!(all.len(), 5, "{joined}");
    }

    #[test]
    fn parameter_counts_that_overflow_are_errors_not_panics() {
        // Regression: the fuzz seed `dense(usize::MAX -> usize::MAX, relu)` overflowed.
        let huge = usize::MAX;
        for src in [
            format!("struct N < dense({huge} -> {huge}, relu) >"),
            format!(
                "struct N < dense(2 -> {}, relu), dense({} -> 1, relu) >",
                huge / 2,
                huge / 2
            ),
        ] {
            let msg = mistakes(&src).join("\n");
            assert!(msg.contains("more than memory can hold"), "{msg}");
        }
    }

    #[test]
    fn aliases_suggest_our_name() {
        let msg = mistakes("struct N < dense(2 -> 1, linear) >").join("\n");
        assert!(msg.contains("did you mean `identity`?"), "{msg}");
    }

    #[test]
    fn default_names_and_plan() {
        let net: ast::Network = syn::parse_str(
            "struct N < dense(2 -> 8, leaky_relu(0.2)), out: dense(8 -> 3, softmax), >",
        )
        .unwrap();
        let cx = Ctxt::new();
        let plan = validate(&net, &cx).expect("valid");
        assert_eq!(plan.layers[0].field, "l1");
        assert_eq!(plan.layers[1].field, "out");
        assert_eq!(plan.layers[0].activation.source(), "leaky_relu(0.2)");
        assert_eq!(plan.layers[1].inputs, 8);
        assert_eq!(plan.layers[0].kind.name, "dense");
    }
}
