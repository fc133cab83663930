//! A trained network as Rust source: a `const` of the network, bit for bit, plus a self-test
//! that a firmware runs at boot. For targets without a file system: the weights are compiled
//! into flash.

use std::io::{self, Write};
use std::string::String;
use std::{format, vec};

use crate::kernels::dispatch::{Infer, Portable};
use crate::network::{LayerInfo, Network};
use crate::scalar::Float;

/// How far the device's outputs may be from the host's in the generated self-test, relative to
/// `1 + |expected|`, for `f32` networks (for `f64` ones, [`SELF_TEST_TOLERANCE_F64`]).
///
/// Not zero: the host's `f32` kernels sum in SIMD lanes (and may fuse multiply-adds) where a
/// microcontroller sums in order, and `tanh`, `exp` come from `std` on one and from libm on
/// the other; each differs in the last bits. For a dense layer of `n` inputs the rounding
/// differences are about `n · ε · Σ|wᵢ·xᵢ|` (`ε = 2⁻²⁴`), far below this bound for the small
/// networks that go onto a chip, while a wrong weight, a wrong layout or a corrupted flash
/// moves an output by much more.
pub const SELF_TEST_TOLERANCE_F32: f64 = 1e-4;

/// [`SELF_TEST_TOLERANCE_F32`] for `f64` networks.
pub const SELF_TEST_TOLERANCE_F64: f64 = 1e-10;

/// Writes `net` as Rust source: `pub const NAME: Net<T> = Net { ... };` with every parameter
/// written bit-exactly (`f32::from_bits(0x…)`), `NAME_SELF_TEST`, the `inputs` with the
/// outputs the portable code computes for them (the same bits on every machine, whatever its
/// vector units, and on a microcontroller without them), and `pub fn name_self_test() -> bool`, which runs
/// the network (from a `static`, so in flash) on those inputs and compares within
/// [`SELF_TEST_TOLERANCE_F32`] (or `_F64`).
///
/// The file is meant for `include!` in the module that declares the network with `network!`
/// (the network type is written by its bare name) in a crate depending on `network`; it needs
/// no `std` and no allocator. `name` must be an upper-case Rust identifier (`"XOR"`); the
/// self-test function is its lower-case form followed by `_self_test`.
///
/// Returns an `InvalidInput` error for a name that is not an identifier or a layer kind other
/// than `dense`, or the writer's error.
///
/// ```
/// # use network_core::export_rust;
/// # use network_core::kernels::dispatch::Infer;
/// # fn demo<N>(net: &N, x: <N as network_core::Network<f32>>::Input) -> std::io::Result<()>
/// # where
/// #     N: network_core::Network<f32>
/// #         + Infer<Input = <N as network_core::Network<f32>>::Input, Output = <N as network_core::Network<f32>>::Output>,
/// # {
/// let mut source = Vec::new();
/// export_rust(net, "XOR", &[x], &mut source)?;
/// # Ok(()) }
/// ```
pub fn export_rust<T, N, W>(
    net: &N,
    name: &str,
    inputs: &[<N as Network<T>>::Input],
    mut out: W,
) -> io::Result<()>
where
    T: Float,
    N: Network<T> + Infer<Input = <N as Network<T>>::Input, Output = <N as Network<T>>::Output>,
    W: Write,
{
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let is_ident = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !is_ident {
        return Err(invalid(format!(
            "`{name}` is not an upper-case Rust identifier such as `XOR`"
        )));
    }
    if let Some(l) = N::LAYOUT.iter().find(|l| l.kind != "dense") {
        return Err(invalid(format!(
            "layer `{}` is a `{}` layer; only dense layers can be written as Rust source",
            l.name, l.kind
        )));
    }
    let ty = type_name::<N>();
    let scalar = T::NAME;
    let mut params = vec![T::zero(); N::PARAMS];
    net.write_params(&mut params)
        .map_err(|e| invalid(format!("{e}")))?;

    writeln!(
        out,
        "// `{ty}<{scalar}>` with trained weights, written by `network::export_rust`. Every \
         parameter is\n// written as its bits, so this is the network that was exported, bit \
         for bit.\n// `include!` this file where `{ty}` is declared."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "/// `{ty}` with its trained parameters ({} of them), as a constant: in flash, no \
         start-up work.",
        N::PARAMS
    )?;
    writeln!(out, "pub const {name}: {ty}<{scalar}> = {ty} {{")?;
    let mut rest = &params[..];
    for l in N::LAYOUT {
        let (weight, tail) = rest.split_at(l.inputs * l.outputs);
        let (bias, tail) = tail.split_at(l.outputs);
        rest = tail;
        writeln!(out, "    {}: ::network::Dense {{", l.name)?;
        writeln!(out, "        weight: [")?;
        for row in weight.chunks(l.inputs) {
            write!(out, "            ")?;
            array(&mut out, row, 4)?;
            writeln!(out, ",")?;
        }
        writeln!(out, "        ],")?;
        write!(out, "        bias: ")?;
        array(&mut out, bias, 4)?;
        writeln!(out, ",")?;
        writeln!(
            out,
            "        activation: {},",
            activation(l).map_err(invalid)?
        )?;
        writeln!(out, "    }},")?;
    }
    writeln!(out, "}};")?;
    writeln!(out)?;

    let (n_in, n_out) = (N::INPUTS, N::OUTPUTS);
    writeln!(
        out,
        "/// Inputs of `{name}`'s self-test, each with the output the host computed for it."
    )?;
    writeln!(
        out,
        "pub const {name}_SELF_TEST: [([{scalar}; {n_in}], [{scalar}; {n_out}]); {}] = [",
        inputs.len()
    )?;
    for x in inputs {
        // The portable code, not this CPU's vector lanes: tanh and sigmoid in AVX2/AVX-512
        // lanes may differ from it in the last bits (within 2 ulps).
        let y = net.forward_isa(Portable, x);
        write!(out, "    (")?;
        array(&mut out, x.as_ref(), 4)?;
        write!(out, ", ")?;
        array(&mut out, y.as_ref(), 4)?;
        writeln!(out, "),")?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;

    let tol = match scalar {
        "f32" => SELF_TEST_TOLERANCE_F32,
        _ => SELF_TEST_TOLERANCE_F64,
    };
    let lower = name.to_ascii_lowercase();
    writeln!(
        out,
        "/// Runs `{name}` on every input of `{name}_SELF_TEST` and returns whether each output is \
         within\n/// {tol:e}·(1 + |expected|) of the host's (the last bits differ between targets: \
         summation\n/// order, fused multiply-adds, libm). Run it at boot."
    )?;
    writeln!(out, "pub fn {lower}_self_test() -> bool {{")?;
    writeln!(out, "    // Read from flash, not copied onto the stack.")?;
    writeln!(out, "    static NET: {ty}<{scalar}> = {name};")?;
    writeln!(out, "    {name}_SELF_TEST.iter().all(|(x, want)| {{")?;
    writeln!(
        out,
        "        NET.forward(x).iter().zip(want).all(|(&got, &want)| {{"
    )?;
    writeln!(
        out,
        "            let tol = {tol:e} * (1.0 + if want < 0.0 {{ -want }} else {{ want }});"
    )?;
    writeln!(
        out,
        "            got - want <= tol && want - got <= tol // false for NaN"
    )?;
    writeln!(out, "        }})")?;
    writeln!(out, "    }})")?;
    writeln!(out, "}}")?;
    Ok(())
}

/// The network's type name without its path or generic arguments (`Xor`).
fn type_name<N>() -> &'static str {
    let full = core::any::type_name::<N>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Writes `[v, v, ...]` with each value as its bits, `per_line` values on a line.
fn array<T: Float, W: Write>(out: &mut W, values: &[T], per_line: usize) -> io::Result<()> {
    let long = values.len() > per_line;
    write!(out, "[")?;
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            write!(out, ",")?;
            if long && i % per_line == 0 {
                write!(out, "\n               ")?;
            } else {
                write!(out, " ")?;
            }
        }
        write!(out, "{}", literal(v))?;
    }
    write!(out, "]")
}

/// `v` as a Rust expression of the same bits.
fn literal<T: Float>(v: T) -> String {
    match T::NAME {
        // Widening an `f32` to `f64` and back is exact.
        "f32" => format!("f32::from_bits({:#010x})", (v.as_f64() as f32).to_bits()),
        _ => format!("f64::from_bits({:#018x})", v.as_f64().to_bits()),
    }
}

/// The activation's value as a `const` expression: the core type is the macro's name in
/// camel case (`leaky_relu` is `LeakyRelu`), its argument (an `f64`) written as its bits.
fn activation(l: &LayerInfo) -> Result<String, String> {
    let (name, arg) = match l.activation.split_once('(') {
        Some((name, rest)) => (name, Some(rest.trim_end_matches(')'))),
        None => (l.activation, None),
    };
    let mut ty = String::new();
    for part in name.split('_') {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            ty.push(c.to_ascii_uppercase());
            ty.extend(chars);
        }
    }
    match arg {
        None => Ok(format!("::network::activation::{ty}")),
        Some(arg) => {
            let value: f64 = arg
                .parse()
                .map_err(|_| format!("activation `{}`: unreadable argument", l.activation))?;
            Ok(format!(
                "::network::activation::{ty}::new(f64::from_bits({:#018x}))",
                value.to_bits()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_the_bits() {
        assert_eq!(literal(1.0f32), "f32::from_bits(0x3f800000)");
        assert_eq!(literal(-0.0f32), "f32::from_bits(0x80000000)");
        assert_eq!(literal(0.1f64), "f64::from_bits(0x3fb999999999999a)");
    }

    #[test]
    fn activations_are_const_expressions() {
        let info = |act| LayerInfo::new("l1", "dense", 2, 2, act);
        assert_eq!(
            activation(&info("gelu_tanh")).unwrap(),
            "::network::activation::GeluTanh"
        );
        assert_eq!(
            activation(&info("leaky_relu(0.2)")).unwrap(),
            format!(
                "::network::activation::LeakyRelu::new(f64::from_bits({:#018x}))",
                0.2f64.to_bits()
            )
        );
        assert!(activation(&info("elu(x)")).is_err());
    }
}
