//! The parsed model of a `network!` invocation, with the span of every token a diagnostic may
//! point at.
//!
//! Parsing is forgiving inside a layer's parentheses: a mistake there is recorded in
//! [`Network::errors`] and parsing goes on, so that independent mistakes in different layers are
//! reported together. Only a broken outline (no `struct`, no `<`) stops the parse.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitInt, Token, token};

/// Everything inside `network! { ... }`: one or more network declarations.
pub struct Input {
    /// The declared networks, in order.
    pub networks: Vec<Network>,
}

/// `#[attrs] vis struct Name < layer, ... >`.
pub struct Network {
    /// Attributes (doc comments, derives) to pass through to the struct, each `#[...]` as
    /// tokens.
    pub attrs: Vec<TokenStream>,
    /// The struct's visibility (`pub`, `pub(crate)`... or nothing) as tokens, shared by its
    /// gradient and trace types.
    pub vis: TokenStream,
    /// The struct's name.
    pub ident: Ident,
    /// The `<` that opens the layer list.
    pub open: Span,
    /// The layers, in order.
    pub layers: Vec<Layer>,
    /// Mistakes found while parsing the layers, reported with the checks of `valid.rs`.
    pub errors: Vec<syn::Error>,
}

/// `name: kind(IN -> OUT, activation)`, the name optional.
pub struct Layer {
    /// Position in the network, from 1.
    pub index: usize,
    /// The field name the user gave, if any.
    pub name: Option<Ident>,
    /// The layer kind (`dense` is the only one so far).
    pub kind: Ident,
    /// The span of the parenthesised arguments.
    pub args: Span,
    /// The input width, if it parsed.
    pub inputs: Option<Width>,
    /// The output width, if it parsed.
    pub outputs: Option<Width>,
    /// The activation, if it parsed.
    pub activation: Option<ActivationSpec>,
}

/// An integer width and where it was written.
#[derive(Clone, Copy)]
pub struct Width {
    /// The value (0 is parsed and rejected by validation).
    pub value: usize,
    /// The literal's span.
    pub span: Span,
}

/// An activation as written: a name and optional parenthesised arguments.
pub struct ActivationSpec {
    /// The activation's name.
    pub ident: Ident,
    /// The arguments, as in `leaky_relu(0.2)`, with the span of the parentheses.
    pub args: Option<(Span, TokenStream)>,
}

const LAYER_EXAMPLE: &str = "dense(2 -> 8, relu)";

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut networks = Vec::new();
        while !input.is_empty() {
            networks.push(input.parse()?);
            // A `;` after a declaration is harmless; accept it rather than complain.
            while input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            }
        }
        if networks.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "`network!` needs a network declaration, such as\n\
                 `network! { pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) > }`",
            ));
        }
        Ok(Input { networks })
    }
}

// Attributes and visibility are only passed through, so they stay tokens (rustc checks them
// where they land): parsing them as `syn::Attribute` and `syn::Visibility` would need syn's
// `derive` feature, about 2 s more on the critical path of every clean build of a user's crate.

/// Outer attributes `#[...]`, each kept as its two token trees.
fn parse_outer_attributes(input: ParseStream) -> syn::Result<Vec<TokenStream>> {
    let mut attrs = Vec::new();
    while input.peek(Token![#]) {
        let pound: TokenTree = input.parse()?;
        if !input.peek(token::Bracket) {
            return Err(input.error("expected `[`: an attribute is written `#[...]`"));
        }
        let group: TokenTree = input.parse()?;
        attrs.push(TokenStream::from_iter([pound, group]));
    }
    Ok(attrs)
}

/// `pub`, `pub(...)` (`crate`, `super`, `in path`...) or nothing.
fn parse_visibility(input: ParseStream) -> syn::Result<TokenStream> {
    let mut vis = TokenStream::new();
    if input.peek(Token![pub]) {
        vis.extend([input.parse::<TokenTree>()?]);
        // In `pub (...) struct`, parentheses can only be the restriction.
        if input.peek(token::Paren) {
            vis.extend([input.parse::<TokenTree>()?]);
        }
    }
    Ok(vis)
}

impl Parse for Network {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = parse_outer_attributes(input)?;
        let vis = parse_visibility(input)?;
        if !input.peek(Token![struct]) {
            return Err(input.error(
                "expected `struct`: a network is declared as `pub struct Name < layer, ... >`",
            ));
        }
        input.parse::<Token![struct]>()?;
        let ident: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the network's name after `struct`, such as `Xor`",
            )
        })?;
        if !input.peek(Token![<]) {
            return Err(input.error(format!(
                "expected `<` and the layer list after `{ident}`, as in \
                 `struct {ident} < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >`"
            )));
        }
        let open = input.parse::<Token![<]>()?.span;
        let mut layers = Vec::new();
        let mut errors = Vec::new();
        loop {
            if input.peek(Token![>]) {
                input.parse::<Token![>]>()?;
                break;
            }
            if input.is_empty() {
                return Err(syn::Error::new(
                    open,
                    "this layer list is never closed: add `>` after the last layer",
                ));
            }
            layers.push(parse_layer(input, layers.len() + 1, &mut errors)?);
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if !input.peek(Token![>]) {
                return Err(input
                    .error("expected `,` before the next layer, or `>` to close the layer list"));
            }
        }
        Ok(Network {
            attrs,
            vis,
            ident,
            open,
            layers,
            errors,
        })
    }
}

/// `name: kind(...)` or `kind(...)`.
fn parse_layer(
    input: ParseStream,
    index: usize,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Layer> {
    let first = input.call(Ident::parse_any).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a layer, such as `{LAYER_EXAMPLE}`"),
        )
    })?;
    let (name, kind) = if input.peek(Token![:]) && !input.peek(Token![::]) {
        input.parse::<Token![:]>()?;
        let kind = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected the layer after `{first}:`, such as `{first}: {LAYER_EXAMPLE}`"),
            )
        })?;
        (Some(first), kind)
    } else {
        (None, first)
    };
    if !input.peek(token::Paren) {
        return Err(input.error(format!(
            "expected `(` after `{kind}`: a layer is written `{LAYER_EXAMPLE}`"
        )));
    }
    let content;
    let paren = syn::parenthesized!(content in input);
    let args = paren.span.join();
    let mut layer = Layer {
        index,
        name,
        kind,
        args,
        inputs: None,
        outputs: None,
        activation: None,
    };
    if layer.kind == "dense" {
        parse_dense_args(&content, &mut layer, errors);
    } else if layer.kind == "gru" || layer.kind == "lstm" {
        parse_recurrent_args(&content, &mut layer, errors);
    }
    // Whatever is left (an unknown layer kind's arguments, tokens after a mistake) is consumed
    // so that syn does not add its own, vaguer error.
    let _ = content.parse::<TokenStream>();
    Ok(layer)
}

/// `IN -> OUT, activation` inside `dense(...)`, recording mistakes and carrying on.
fn parse_dense_args(content: ParseStream, layer: &mut Layer, errors: &mut Vec<syn::Error>) {
    let example = "dense(2 -> 8, tanh)";
    layer.inputs = parse_width(content, "input", errors);
    if content.peek(Token![->]) {
        let _ = content.parse::<Token![->]>();
    } else {
        let at = if content.is_empty() {
            layer.args
        } else {
            content.span()
        };
        errors.push(syn::Error::new(
            at,
            format!("expected `->` between the input and output widths, as in `{example}`"),
        ));
        // `dense(2, 8, tanh)` and `dense(2 8, tanh)` both mean `2 -> 8`; read on as if it did.
        if content.peek(Token![,]) {
            let _ = content.parse::<Token![,]>();
        }
        if !content.peek(LitInt) {
            skip_to_end(content);
            return;
        }
    }
    layer.outputs = parse_width(content, "output", errors);
    if !content.peek(Token![,]) {
        errors.push(syn::Error::new(
            here(content, layer.outputs.map_or(layer.args, |w| w.span)),
            format!("expected `,` and an activation after the output width, as in `{example}`"),
        ));
        skip_to_end(content);
        return;
    }
    let _ = content.parse::<Token![,]>();
    let ident = match content.call(Ident::parse_any) {
        Ok(ident) => ident,
        Err(_) => {
            errors.push(syn::Error::new(
                here(content, layer.args),
                format!("expected an activation after the widths, as in `{example}`"),
            ));
            skip_to_end(content);
            return;
        }
    };
    let args = if content.peek(token::Paren) {
        paren_group(content).ok()
    } else {
        None
    };
    layer.activation = Some(ActivationSpec { ident, args });
    if content.peek(Token![,]) {
        let _ = content.parse::<Token![,]>();
    }
    if !content.is_empty() {
        errors.push(syn::Error::new(
            content.span(),
            format!("unexpected tokens after the activation; a dense layer is written `{example}`"),
        ));
    }
}

/// `IN -> H` inside `gru(...)` or `lstm(...)`, recording mistakes and carrying on. These
/// layers' gates have fixed activations, so an activation argument is a mistake.
fn parse_recurrent_args(content: ParseStream, layer: &mut Layer, errors: &mut Vec<syn::Error>) {
    let kind = layer.kind.to_string();
    let mut example = format!("{kind}(1 -> 16)");
    layer.inputs = parse_width(content, "input", errors);
    if content.peek(Token![->]) {
        let _ = content.parse::<Token![->]>();
    } else {
        errors.push(syn::Error::new(
            here(content, layer.args),
            format!("expected `->` between the input width and the hidden size, as in `{example}`"),
        ));
        skip_to_end(content);
        return;
    }
    layer.outputs = parse_width(content, "output", errors);
    if let (Some(i), Some(h)) = (layer.inputs, layer.outputs) {
        example = format!("{kind}({} -> {})", i.value, h.value);
    }
    if content.peek(Token![,]) {
        let _ = content.parse::<Token![,]>();
    }
    if !content.is_empty() {
        let gates = if kind == "gru" {
            "σ for the reset and update gates, tanh for the candidate"
        } else {
            "σ for the input, forget and output gates, tanh for the cell"
        };
        errors.push(syn::Error::new(
            content.span(),
            format!(
                "`{kind}` takes no activation: its gates are fixed ({gates}), as in PyTorch; \
                 write `{example}` and put a `dense(H -> OUT, activation)` layer after it for \
                 another output activation"
            ),
        ));
        skip_to_end(content);
    }
}

/// An integer-literal width; anything else is recorded as an error and skipped up to the next
/// `->` or `,`.
fn parse_width(content: ParseStream, which: &str, errors: &mut Vec<syn::Error>) -> Option<Width> {
    let what = format!(
        "the {which} width must be a positive integer literal such as `8` (the macro checks \
         that layers connect, so it needs the number itself, not a constant or expression)"
    );
    if content.peek(LitInt) {
        let lit: LitInt = content.parse().ok()?;
        return match lit.base10_parse::<usize>() {
            Ok(value) => Some(Width {
                value,
                span: lit.span(),
            }),
            // The digits of an integer literal always parse; only a value past `usize::MAX`
            // fails.
            Err(_) => {
                errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "the {which} width `{lit}` is too large: a width must fit in `usize`, \
                         and a layer that wide could not be stored anyway"
                    ),
                ));
                None
            }
        };
    }
    if content.is_empty() || content.peek(Token![->]) || content.peek(Token![,]) {
        let at = content.span();
        errors.push(syn::Error::new(
            at,
            format!("missing {which} width: {what}"),
        ));
        return None;
    }
    let found = content
        .fork()
        .parse::<TokenTree>()
        .map(|t| t.to_string())
        .unwrap_or_default();
    errors.push(syn::Error::new(
        content.span(),
        format!("{what}; found `{found}`"),
    ));
    while !content.is_empty() && !content.peek(Token![->]) && !content.peek(Token![,]) {
        if content.parse::<TokenTree>().is_err() {
            break;
        }
    }
    None
}

/// A parenthesised group's span and contents, unparsed.
fn paren_group(content: ParseStream) -> syn::Result<(Span, TokenStream)> {
    let inner;
    let paren = syn::parenthesized!(inner in content);
    Ok((paren.span.join(), inner.parse()?))
}

/// Where to point at the next token: the token itself, or `fallback` when none is left (an
/// exhausted group's own span is the closing delimiter, less clear than the thing missing).
fn here(content: ParseStream, fallback: Span) -> Span {
    if content.is_empty() {
        fallback
    } else {
        content.span()
    }
}

fn skip_to_end(content: ParseStream) {
    let _ = content.parse::<TokenStream>();
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn attributes_and_visibility_pass_through_as_tokens() {
        let net: Network = syn::parse_str(
            "/// Docs.\n#[derive(Clone)] pub(crate) struct N < dense(2 -> 1, identity) >",
        )
        .unwrap();
        let attrs: Vec<String> = net.attrs.iter().map(ToString::to_string).collect();
        assert_eq!(attrs.len(), 2);
        assert!(attrs[0].starts_with("# [doc = ") && attrs[0].contains("Docs."));
        assert_eq!(attrs[1], "# [derive (Clone)]");
        assert_eq!(net.vis.to_string(), "pub (crate)");
        let private: Network = syn::parse_str("struct N < dense(2 -> 1, identity) >").unwrap();
        assert!(private.attrs.is_empty() && private.vis.is_empty());
    }

    #[test]
    fn a_width_past_usize_is_too_large() {
        let net: Network =
            syn::parse_str("struct N < dense(99999999999999999999999 -> 1, relu) >").unwrap();
        let msg = net.errors[0].to_string();
        assert!(
            msg.contains("input width `99999999999999999999999` is too large"),
            "{msg}"
        );
    }

    #[test]
    fn a_pound_without_brackets_is_an_error() {
        let err = syn::parse_str::<Network>("# pub struct N < dense(2 -> 1, identity) >")
            .err()
            .expect("not an attribute");
        assert!(err.to_string().contains("#[...]"), "{err}");
    }
}
