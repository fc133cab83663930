//! The one table of what `network!` knows: layer kinds and activations. Names, aliases,
//! arguments, the `network-core` types, the initialisation schemes and the did-you-mean lists
//! all come from here; adding an activation or a layer kind is one entry (plus its
//! implementation in `network-core`).

/// A layer kind, implemented in `network-core` by a type implementing `Layer`.
pub struct Kind {
    /// The name as written in a declaration (`dense`).
    pub name: &'static str,
    /// The core type, a path under `::network` (`Dense`); its generic parameters are the
    /// scalar type, the input and output widths and the activation type.
    pub core: &'static str,
    /// An example of the kind as written, for error messages.
    pub example: &'static str,
    /// The parameter tensors' names (`Layer::TENSOR_NAMES`), for the generated tensor names.
    pub tensors: &'static [&'static str],
    /// The number of parameters of a layer with these input and output widths
    /// (`Layer::PARAMS`), for documentation and the size check; `None` on overflow.
    pub params: fn(usize, usize) -> Option<usize>,
    /// The parameter tensors' Rust types, for the generated documentation.
    pub tensor_types: fn(usize, usize) -> String,
    /// A recurrent kind: fixed gates (no activation argument), a state carried from step to
    /// step, and a core type implementing `StepLayer` whose generic parameters are the scalar
    /// type and the two widths.
    pub recurrent: bool,
}

/// The layer kinds.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "dense",
        core: "Dense",
        example: "dense(IN -> OUT, activation)",
        tensors: &["weight", "bias"],
        params: |i, o| i.checked_mul(o)?.checked_add(o),
        tensor_types: |i, o| format!("`weight: [[T; {i}]; {o}]`, `bias: [T; {o}]`"),
        recurrent: false,
    },
    Kind {
        name: "gru",
        core: "Gru",
        example: "gru(IN -> H)",
        tensors: RECURRENT_TENSORS,
        params: |i, h| gated_params(3, i, h),
        tensor_types: |i, h| gated_types(3, i, h),
        recurrent: true,
    },
    Kind {
        name: "lstm",
        core: "Lstm",
        example: "lstm(IN -> H)",
        tensors: RECURRENT_TENSORS,
        params: |i, h| gated_params(4, i, h),
        tensor_types: |i, h| gated_types(4, i, h),
        recurrent: true,
    },
];

/// PyTorch's names of a one-layer `nn.GRU`'s or `nn.LSTM`'s tensors.
const RECURRENT_TENSORS: &[&str] = &["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];

/// `G` gates of `h` units on `i` inputs: `G·h·(i + h + 2)` parameters.
fn gated_params(g: usize, i: usize, h: usize) -> Option<usize> {
    i.checked_add(h)?
        .checked_add(2)?
        .checked_mul(h)?
        .checked_mul(g)
}

fn gated_types(g: usize, i: usize, h: usize) -> String {
    format!(
        "`weight_ih: [[[T; {i}]; {h}]; {g}]`, `weight_hh: [[[T; {h}]; {h}]; {g}]`, \
         `bias_ih`, `bias_hh: [[T; {h}]; {g}]`"
    )
}

/// How a layer's weights are drawn by `seeded` (the core's `Activation::init`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Init {
    /// Glorot/Xavier-uniform.
    Glorot,
    /// He/Kaiming-uniform.
    He,
}

/// An activation's one optional number argument, as in `leaky_relu(0.2)`.
pub struct Arg {
    /// The value when the argument is left out.
    pub default: f64,
    /// Whether a value is allowed.
    pub allowed: fn(f64) -> bool,
    /// What to write instead of a malformed argument (after "malformed `name(...)`: ").
    pub help: &'static str,
}

/// An activation, implemented in `network-core` by a type implementing `Activation`.
pub struct Activation {
    /// The name as written (`relu`).
    pub name: &'static str,
    /// Other libraries' names for it, lower case without underscores (`swish` for `silu`).
    pub aliases: &'static [&'static str],
    /// The core type under `::network::activation` (`Relu`).
    pub core: &'static str,
    /// The argument, if it takes one (built with the core type's `new`).
    pub arg: Option<Arg>,
    /// How the weights feeding it are initialised.
    pub init: Init,
    /// Whether it may end a hidden layer (`softmax` couples a layer's outputs: last only).
    pub hidden: bool,
}

const fn plain(name: &'static str, core: &'static str, init: Init) -> Activation {
    Activation {
        name,
        aliases: &[],
        core,
        arg: None,
        init,
        hidden: true,
    }
}

/// The activations, in the order error messages list them.
pub const ACTIVATIONS: &[Activation] = &[
    Activation {
        aliases: &["linear", "none", "id"],
        ..plain("identity", "Identity", Init::Glorot)
    },
    plain("relu", "Relu", Init::He),
    Activation {
        aliases: &["leakyrelu", "lrelu"],
        arg: Some(Arg {
            default: 0.01,
            allowed: |a| (0.0..1.0).contains(&a),
            help: "write `leaky_relu` for the default slope 0.01, or `leaky_relu(α)` with one \
                   number 0 ≤ α < 1 such as `leaky_relu(0.2)`",
        }),
        ..plain("leaky_relu", "LeakyRelu", Init::He)
    },
    Activation {
        aliases: &["logistic"],
        ..plain("sigmoid", "Sigmoid", Init::Glorot)
    },
    plain("tanh", "Tanh", Init::Glorot),
    Activation {
        hidden: false,
        ..plain("softmax", "Softmax", Init::Glorot)
    },
    plain("gelu", "Gelu", Init::He),
    Activation {
        aliases: &["gelunew"],
        ..plain("gelu_tanh", "GeluTanh", Init::He)
    },
    Activation {
        aliases: &["smoothrelu"],
        ..plain("softplus", "Softplus", Init::He)
    },
    Activation {
        arg: Some(Arg {
            default: 1.0,
            allowed: |a| a > 0.0,
            help: "write `elu` for the default α = 1, or `elu(α)` with one positive number \
                   such as `elu(0.5)`",
        }),
        ..plain("elu", "Elu", Init::He)
    },
    Activation {
        aliases: &["swish"],
        ..plain("silu", "Silu", Init::He)
    },
];

/// The layer kind called `name`.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The activation called `name`.
pub fn activation(name: &str) -> Option<&'static Activation> {
    ACTIVATIONS.iter().find(|a| a.name == name)
}

/// The names of the layer kinds, for did-you-mean.
pub fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// The names of the activations, for did-you-mean.
pub fn activation_names() -> Vec<&'static str> {
    ACTIVATIONS.iter().map(|a| a.name).collect()
}

/// The activation another library calls `alias` (compared lower case, with and without
/// underscores).
pub fn alias(alias: &str) -> Option<&'static str> {
    let plain = alias.replace('_', "");
    ACTIVATIONS
        .iter()
        .find(|a| a.aliases.iter().any(|&x| x == plain || x == alias))
        .map(|a| a.name)
}

/// Every activation as it may be written, for error messages: `` `identity`, `relu`,
/// `leaky_relu`, `leaky_relu(α)`, ... ``.
pub fn activation_list() -> String {
    let mut out = Vec::new();
    for a in ACTIVATIONS {
        out.push(format!("`{}`", a.name));
        if a.arg.is_some() {
            out.push(format!("`{}(α)`", a.name));
        }
    }
    out.join(", ")
}

/// The names of the activations initialised with `init`, as documentation lists them:
/// `` `sigmoid`, `tanh`, `identity` and `softmax` ``.
pub fn initialised_with(init: Init) -> String {
    let names: Vec<String> = ACTIVATIONS
        .iter()
        .filter(|a| a.init == init)
        .map(|a| format!("`{}`", a.name))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lists_read_as_before() {
        let names = activation_names();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(n), "{n} twice");
        }
        assert_eq!(
            activation_list(),
            "`identity`, `relu`, `leaky_relu`, `leaky_relu(α)`, `sigmoid`, `tanh`, `softmax`, \
             `gelu`, `gelu_tanh`, `softplus`, `elu`, `elu(α)`, `silu`"
        );
        assert_eq!(alias("swish"), Some("silu"));
        assert_eq!(
            alias("Leaky_ReLU".to_lowercase().as_str()),
            Some("leaky_relu")
        );
        assert_eq!(
            initialised_with(Init::Glorot),
            "`identity`, `sigmoid`, `tanh` and `softmax`"
        );
    }
}
