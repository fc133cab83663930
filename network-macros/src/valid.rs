//! The checks that turn a parsed [`ast::Network`] into a [`Plan`] the expander can trust.
//!
//! Each mistake becomes a `syn::Error` on the token at fault, with a message that says what to
//! write instead; all of a network's mistakes are combined into one error, so the user sees
//! them together.

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use quote::format_ident;
use syn::{Ident, Lit};

use crate::ast::{self, ActivationSpec};

/// A checked network: every layer has a field name, widths that chain, a known activation.
pub struct Plan<'a> {
    /// The parsed declaration this plan checked.
    pub ast: &'a ast::Network,
    /// The layers, in order.
    pub layers: Vec<LayerPlan>,
}

/// A checked dense layer.
pub struct LayerPlan {
    /// The struct field holding the layer (`l1`, ... unless named).
    pub field: Ident,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Activation.
    pub activation: Act,
}

/// The activations the macro knows.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Act {
    /// `identity`
    Identity,
    /// `relu`
    Relu,
    /// `leaky_relu` or `leaky_relu(α)`
    LeakyRelu(f64),
    /// `sigmoid`
    Sigmoid,
    /// `tanh`
    Tanh,
    /// `softmax` (last layer only)
    Softmax,
    /// `gelu` (exact, erf)
    Gelu,
    /// `gelu_tanh` (tanh approximation)
    GeluTanh,
    /// `softplus`
    Softplus,
    /// `elu` or `elu(α)`
    Elu(f64),
    /// `silu` (swish)
    Silu,
}

/// Names accepted for an activation, for error messages and did-you-mean.
const ACTIVATIONS: &[&str] = &[
    "identity",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "gelu",
    "gelu_tanh",
    "softplus",
    "elu",
    "silu",
];
const ACTIVATION_LIST: &str = "`identity`, `relu`, `leaky_relu`, `leaky_relu(α)`, `sigmoid`, \
     `tanh`, `softmax`, `gelu`, `gelu_tanh`, `softplus`, `elu`, `elu(α)`, `silu`";
/// Names other libraries use for an activation we have under another name.
const ALIASES: &[(&str, &str)] = &[
    ("linear", "identity"),
    ("none", "identity"),
    ("id", "identity"),
    ("logistic", "sigmoid"),
    ("leakyrelu", "leaky_relu"),
    ("lrelu", "leaky_relu"),
    ("swish", "silu"),
    ("gelunew", "gelu_tanh"),
    ("smoothrelu", "softplus"),
];
const LAYER_KINDS: &[&str] = &["dense"];

/// Checks one network; on failure, every mistake found, combined.
pub fn validate(net: &ast::Network) -> syn::Result<Plan<'_>> {
    let mut errors = Errors::default();
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
        let kind_ok = check_kind(layer, &mut errors);
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
            let act = resolve_activation(spec, &mut errors)?;
            if act == Act::Softmax && layer.index != last {
                errors.push(syn::Error::new(
                    spec.ident.span(),
                    format!(
                        "`softmax` is only allowed on the last layer, and layer {} (`{field}`) \
                         is followed by {} more; use `relu`, `tanh` or another element-wise \
                         activation for hidden layers",
                        layer.index,
                        last - layer.index
                    ),
                ));
            }
            Some(act)
        });
        if let (true, Some(i), Some(o), Some(a)) =
            (kind_ok, layer.inputs, layer.outputs, activation)
        {
            layers.push(LayerPlan {
                field: field.clone(),
                inputs: i.value,
                outputs: o.value,
                activation: a,
            });
        }
    }

    check_size(net, &names, &mut errors);
    check_chain(net, &names, &mut errors);
    check_names(net, &names, &mut errors);

    errors.finish()?;
    Ok(Plan { ast: net, layers })
}

/// The field a layer lives in: its own name, or `l{index}`.
fn field_name(layer: &ast::Layer) -> Ident {
    match &layer.name {
        Some(name) => name.clone(),
        None => format_ident!("l{}", layer.index, span = layer.kind.span()),
    }
}

fn check_kind(layer: &ast::Layer, errors: &mut Errors) -> bool {
    let kind = layer.kind.to_string();
    if LAYER_KINDS.contains(&kind.as_str()) {
        return true;
    }
    let known = LAYER_KINDS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match closest(&kind, LAYER_KINDS) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    errors.push(syn::Error::new(
        layer.kind.span(),
        format!(
            "unknown layer kind `{kind}`; {hint}the known layer kinds are: {known} \
             (written `dense(IN -> OUT, activation)`)"
        ),
    ));
    false
}

fn resolve_activation(spec: &ActivationSpec, errors: &mut Errors) -> Option<Act> {
    let name = spec.ident.to_string();
    let act = match name.as_str() {
        "identity" => Act::Identity,
        "relu" => Act::Relu,
        "sigmoid" => Act::Sigmoid,
        "tanh" => Act::Tanh,
        "softmax" => Act::Softmax,
        "gelu" => Act::Gelu,
        "gelu_tanh" => Act::GeluTanh,
        "softplus" => Act::Softplus,
        "silu" => Act::Silu,
        "elu" => {
            return match &spec.args {
                None => Some(Act::Elu(1.0)),
                Some((span, tokens)) => match number(tokens.clone()) {
                    Some(alpha) if alpha > 0.0 => Some(Act::Elu(alpha)),
                    _ => {
                        errors.push(syn::Error::new(
                            *span,
                            format!(
                                "malformed `elu({tokens})`: write `elu` for the default α = 1, \
                                 or `elu(α)` with one positive number such as `elu(0.5)`"
                            ),
                        ));
                        None
                    }
                },
            };
        }
        "leaky_relu" => {
            return match &spec.args {
                None => Some(Act::LeakyRelu(0.01)),
                Some((span, tokens)) => match leaky_slope(tokens.clone()) {
                    Some(alpha) => Some(Act::LeakyRelu(alpha)),
                    None => {
                        errors.push(syn::Error::new(
                            *span,
                            format!(
                                "malformed `leaky_relu({tokens})`: write `leaky_relu` for the \
                                 default slope 0.01, or `leaky_relu(α)` with one number \
                                 0 ≤ α < 1 such as `leaky_relu(0.2)`"
                            ),
                        ));
                        None
                    }
                },
            };
        }
        _ => {
            let lower = name.to_lowercase();
            let guess = ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower.replace('_', "").as_str() || *alias == lower)
                .map(|(_, to)| *to)
                .or_else(|| closest(&lower, ACTIVATIONS));
            let hint = match guess {
                Some(g) => format!("did you mean `{g}`? "),
                None => String::new(),
            };
            errors.push(syn::Error::new(
                spec.ident.span(),
                format!(
                    "unknown activation `{name}`; {hint}the activations are: {ACTIVATION_LIST}"
                ),
            ));
            return None;
        }
    };
    if let Some((span, _)) = &spec.args {
        errors.push(syn::Error::new(
            *span,
            format!(
                "`{name}` takes no arguments; write just `{name}` (only `leaky_relu(α)` and `elu(α)` have one)"
            ),
        ));
        return None;
    }
    Some(act)
}

/// The slope of `leaky_relu(α)`: exactly one number literal, finite, in `[0, 1)`.
fn leaky_slope(tokens: TokenStream) -> Option<f64> {
    number(tokens).filter(|v| (0.0..1.0).contains(v))
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
fn check_size(net: &ast::Network, names: &[Ident], errors: &mut Errors) {
    let mut total: Option<usize> = Some(0);
    for (layer, name) in net.layers.iter().zip(names) {
        let (Some(i), Some(o)) = (layer.inputs, layer.outputs) else {
            continue;
        };
        let params = i
            .value
            .checked_mul(o.value)
            .and_then(|w| w.checked_add(o.value));
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
fn check_chain(net: &ast::Network, names: &[Ident], errors: &mut Errors) {
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
fn check_names(net: &ast::Network, names: &[Ident], errors: &mut Errors) {
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

/// Several errors gathered into one `syn::Error`.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("rlu", "relu"), 1);
        assert_eq!(edit_distance("tnah", "tanh"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("sigmod", ACTIVATIONS), Some("sigmoid"));
        assert_eq!(closest("conv", LAYER_KINDS), None);
        assert_eq!(closest("dens", LAYER_KINDS), Some("dense"));
    }

    #[test]
    fn leaky_slopes() {
        let parse = |s: &str| leaky_slope(s.parse().unwrap());
        assert_eq!(parse("0.2"), Some(0.2));
        assert_eq!(parse("0"), Some(0.0));
        assert_eq!(parse("1.5"), None);
        assert_eq!(parse("0.1, 0.2"), None);
        assert_eq!(parse("x"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn new_activations_and_elu_alpha() {
        let net: ast::Network = syn::parse_str(
            "struct N < dense(2 -> 4, gelu), dense(4 -> 4, gelu_tanh), dense(4 -> 4, softplus), \
             dense(4 -> 4, elu), dense(4 -> 4, elu(0.5)), dense(4 -> 1, silu) >",
        )
        .unwrap();
        let plan = validate(&net).ok().unwrap();
        let acts: Vec<Act> = plan.layers.iter().map(|l| l.activation).collect();
        assert_eq!(
            acts,
            [
                Act::Gelu,
                Act::GeluTanh,
                Act::Softplus,
                Act::Elu(1.0),
                Act::Elu(0.5),
                Act::Silu
            ]
        );
        for bad in ["elu(0)", "elu(-1)", "elu(x)", "elu(1, 2)", "gelu(1)"] {
            let src = format!("struct N < dense(2 -> 1, {bad}) >");
            let net: ast::Network = syn::parse_str(&src).unwrap();
            let msg = validate(&net).err().expect(bad).to_string();
            assert!(
                msg.contains("malformed `elu(") || msg.contains("takes no arguments"),
                "{bad}: {msg}"
            );
        }
        let net: ast::Network = syn::parse_str("struct N < dense(2 -> 1, swish) >").unwrap();
        let msg = validate(&net).err().unwrap().to_string();
        assert!(msg.contains("did you mean `silu`?"), "{msg}");
    }

    #[test]
    fn chain_and_names_are_reported_together() {
        let net: ast::Network = syn::parse_str(
            "struct N < a: dense(2 -> 8, relu), a: dense(4 -> 1, softmax), dense(1 -> 0, rlu) >",
        )
        .unwrap();
        let err = validate(&net)
            .err()
            .expect("invalid network")
            .into_iter()
            .map(|e| e.to_string());
        let all: Vec<String> = err.collect();
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
            let net: ast::Network = syn::parse_str(&src).unwrap();
            let msg = validate(&net).err().expect("refused").to_string();
            assert!(msg.contains("more than memory can hold"), "{msg}");
        }
    }

    #[test]
    fn aliases_suggest_our_name() {
        let net: ast::Network = syn::parse_str("struct N < dense(2 -> 1, linear) >").unwrap();
        let msg = validate(&net).err().unwrap().to_string();
        assert!(msg.contains("did you mean `identity`?"), "{msg}");
    }

    #[test]
    fn default_names_and_plan() {
        let net: ast::Network = syn::parse_str(
            "struct N < dense(2 -> 8, leaky_relu(0.2)), out: dense(8 -> 3, softmax), >",
        )
        .unwrap();
        let plan = validate(&net).ok().unwrap();
        assert_eq!(plan.layers[0].field, "l1");
        assert_eq!(plan.layers[1].field, "out");
        assert_eq!(plan.layers[0].activation, Act::LeakyRelu(0.2));
        assert_eq!(plan.layers[1].inputs, 8);
    }
}
