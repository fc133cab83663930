//! `serde` support (feature `serde`): networks and gradients of any size, without `alloc`.
//!
//! serde implements its traits for arrays of up to 32 elements only, so a network's arrays are
//! written here by hand, once, generically over [`Parameters`]. A network (or its gradients)
//! is a struct with one field per layer, named as the layer (`l1`, `l2`, ...); each layer is a
//! struct `{ weight, bias }`, the weight as a sequence of rows (PyTorch's `[out, in]`), the bias
//! as a sequence. In JSON:
//!
//! ```text
//! {"l1": {"weight": [[0.5, -0.25], ...], "bias": [0.0, ...]}, "l2": {...}}
//! ```
//!
//! Activations are not written: they are part of the type, fixed where the network is declared
//! with `network!`. Deserialising checks every length and refuses missing, unknown or repeated
//! layers. The `network!` macro's expansion calls [`__serde_impls!`](crate::__serde_impls),
//! which implements `Serialize` and `Deserialize` through [`serialize`] and [`deserialize`]
//! when this feature is on and expands to nothing when it is off.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::float::Float;
use crate::params::Parameters;

/// The layer name of tensor `2·k`: its name without `.weight`.
fn layer_name<T: Float, P: Parameters<T>>(k: usize) -> &'static str {
    let w = P::tensor_name(2 * k);
    w.strip_suffix(".weight").unwrap_or(w)
}

/// A flat slice seen as a sequence (a bias, or one weight row).
struct Vector<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for Vector<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.0.len())?;
        for x in self.0 {
            t.serialize_element(x)?;
        }
        t.end()
    }
}

/// A flat row-major slice seen as a sequence of rows of `cols`.
struct Matrix<'a, T> {
    flat: &'a [T],
    cols: usize,
}

impl<T: Serialize> Serialize for Matrix<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows = self.flat.len().checked_div(self.cols).unwrap_or(0);
        let mut t = s.serialize_tuple(rows)?;
        for r in 0..rows {
            t.serialize_element(&Vector(&self.flat[r * self.cols..(r + 1) * self.cols]))?;
        }
        t.end()
    }
}

/// One layer: `{ weight, bias }`.
struct Layer<'a, T> {
    weight: Matrix<'a, T>,
    bias: Vector<'a, T>,
}

impl<T: Serialize> Serialize for Layer<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Dense", 2)?;
        st.serialize_field("weight", &self.weight)?;
        st.serialize_field("bias", &self.bias)?;
        st.end()
    }
}

/// Columns of tensor `i`'s weight (the `in` of its `[out, in]` shape).
fn cols<T: Float, P: Parameters<T>>(i: usize) -> usize {
    match P::tensor_shape(i) {
        [_, c] => *c,
        _ => 1,
    }
}

/// Writes `params` as a struct named `name` with one `{ weight, bias }` field per layer.
pub fn serialize<T, P, S>(params: &P, name: &'static str, s: S) -> Result<S::Ok, S::Error>
where
    T: Float + Serialize,
    P: Parameters<T>,
    S: Serializer,
{
    let layers = P::TENSORS / 2;
    let mut st = s.serialize_struct(name, layers)?;
    for k in 0..layers {
        let layer = Layer {
            weight: Matrix {
                flat: params.tensor(2 * k),
                cols: cols::<T, P>(2 * k),
            },
            bias: Vector(params.tensor(2 * k + 1)),
        };
        st.serialize_field(layer_name::<T, P>(k), &layer)?;
    }
    st.end()
}

/// "a sequence of N numbers", for length errors.
struct Len(usize);

impl de::Expected for Len {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence of {} numbers", self.0)
    }
}

/// Reads exactly `out.len()` scalars from a sequence into `out`.
struct FillSeed<'a, T>(&'a mut [T]);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for FillSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let n = self.0.len();
        d.deserialize_tuple(n, self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for FillSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence of {} numbers", self.0.len())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let n = self.0.len();
        for (i, slot) in self.0.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &Len(n)))?;
        }
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "too many numbers, expected {n}"
            )));
        }
        Ok(())
    }
}

/// Reads a sequence of rows of `cols` into the flat row-major `flat`.
struct MatrixSeed<'a, T> {
    flat: &'a mut [T],
    cols: usize,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for MatrixSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let rows = self.flat.len().checked_div(self.cols).unwrap_or(0);
        d.deserialize_tuple(rows, self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for MatrixSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = self.flat.len().checked_div(self.cols).unwrap_or(0);
        write!(f, "{rows} rows of {} numbers", self.cols)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let cols = self.cols.max(1);
        let rows = self.flat.len() / cols;
        for (r, row) in self.flat.chunks_exact_mut(cols).enumerate() {
            seq.next_element_seed(FillSeed(row))?
                .ok_or_else(|| de::Error::invalid_length(r, &"more rows"))?;
        }
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "too many rows, expected {rows}"
            )));
        }
        Ok(())
    }
}

/// Reads one `{ weight, bias }` layer, layer `k` of `params`, into its two tensors.
struct LayerSeed<'a, T, P> {
    params: &'a mut P,
    k: usize,
    _t: PhantomData<T>,
}

const LAYER_FIELDS: &[&str] = &["weight", "bias"];

impl<'a, T: Float, P: Parameters<T>> LayerSeed<'a, T, P> {
    fn new(params: &'a mut P, k: usize) -> Self {
        LayerSeed {
            params,
            k,
            _t: PhantomData,
        }
    }

    fn weight(&mut self) -> MatrixSeed<'_, T> {
        MatrixSeed {
            cols: cols::<T, P>(2 * self.k),
            flat: self.params.tensor_mut(2 * self.k),
        }
    }

    fn bias(&mut self) -> FillSeed<'_, T> {
        FillSeed(self.params.tensor_mut(2 * self.k + 1))
    }
}

impl<'de, T: Float + Deserialize<'de>, P: Parameters<T>> DeserializeSeed<'de>
    for LayerSeed<'_, T, P>
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("Dense", LAYER_FIELDS, self)
    }
}

impl<'de, T: Float + Deserialize<'de>, P: Parameters<T>> Visitor<'de> for LayerSeed<'_, T, P> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a layer { weight, bias }")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(self.weight())?
            .ok_or_else(|| de::Error::invalid_length(0, &"weight and bias"))?;
        seq.next_element_seed(self.bias())?
            .ok_or_else(|| de::Error::invalid_length(1, &"weight and bias"))?;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let (mut weight, mut bias) = (false, false);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "weight" if weight => return Err(de::Error::duplicate_field("weight")),
                "weight" => {
                    map.next_value_seed(self.weight())?;
                    weight = true;
                }
                "bias" if bias => return Err(de::Error::duplicate_field("bias")),
                "bias" => {
                    map.next_value_seed(self.bias())?;
                    bias = true;
                }
                other => return Err(de::Error::unknown_field(other, LAYER_FIELDS)),
            }
        }
        if !weight {
            return Err(de::Error::missing_field("weight"));
        }
        if !bias {
            return Err(de::Error::missing_field("bias"));
        }
        Ok(())
    }
}

/// A map key, borrowed when the format allows and copied into a small buffer otherwise (no
/// allocator). Keys longer than the buffer cannot be any layer's or field's name.
struct Key<'de> {
    borrowed: Option<&'de str>,
    buf: [u8; 64],
    len: usize,
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self.borrowed {
            Some(s) => s,
            None => core::str::from_utf8(&self.buf[..self.len]).unwrap_or(""),
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key {
                    borrowed: Some(v),
                    buf: [0; 64],
                    len: 0,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                let mut k = Key {
                    borrowed: None,
                    buf: [0; 64],
                    len: 0,
                };
                if v.len() > k.buf.len() {
                    return Err(E::custom("field name too long"));
                }
                k.buf[..v.len()].copy_from_slice(v.as_bytes());
                k.len = v.len();
                Ok(k)
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                let s = core::str::from_utf8(v).map_err(|_| E::custom("field name not UTF-8"))?;
                self.visit_str(s)
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Reads a struct written by [`serialize`] into `params` (all of whose tensors it overwrites).
struct ParamsVisitor<T, P> {
    params: P,
    name: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T, P> Visitor<'de> for ParamsVisitor<T, P>
where
    T: Float + Deserialize<'de>,
    P: Parameters<T>,
{
    type Value = P;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the layers of {}", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<P, A::Error> {
        for k in 0..P::TENSORS / 2 {
            if seq
                .next_element_seed(LayerSeed::new(&mut self.params, k))?
                .is_none()
            {
                return Err(de::Error::invalid_length(k, &self));
            }
        }
        Ok(self.params)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<P, A::Error> {
        // One bit per layer seen; networks have far fewer than 128 layers.
        let mut seen: u128 = 0;
        let layers = P::TENSORS / 2;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let k = (0..layers)
                .find(|&k| layer_name::<T, P>(k) == key.as_str())
                .ok_or_else(|| {
                    de::Error::custom(format_args!("unknown layer `{}`", key.as_str()))
                })?;
            if k < 128 {
                if seen & (1 << k) != 0 {
                    return Err(de::Error::duplicate_field(layer_name::<T, P>(k)));
                }
                seen |= 1 << k;
            }
            map.next_value_seed(LayerSeed::new(&mut self.params, k))?;
        }
        for k in 0..layers.min(128) {
            if seen & (1 << k) == 0 {
                return Err(de::Error::missing_field(layer_name::<T, P>(k)));
            }
        }
        Ok(self.params)
    }
}

/// Reads a struct written by [`serialize`] into `params`, starting from the value given (the
/// caller passes a zeroed network, whose activations are the declared ones) and overwriting
/// every parameter. `fields` are the layer names in order (formats without field names, such
/// as bincode, need their number). Lengths must match exactly; unknown, missing or repeated
/// layers are errors.
pub fn deserialize<'de, T, P, D>(
    params: P,
    name: &'static str,
    fields: &'static [&'static str],
    d: D,
) -> Result<P, D::Error>
where
    T: Float + Deserialize<'de>,
    P: Parameters<T>,
    D: Deserializer<'de>,
{
    d.deserialize_struct(
        name,
        fields,
        ParamsVisitor {
            params,
            name,
            _t: PhantomData,
        },
    )
}

/// Implements `Serialize` and `Deserialize` for a network generated by `network!` and for its
/// gradients; the macro's expansion invokes it. With the `serde` feature off it expands to
/// nothing, so generated code never tests a feature of the user's crate.
#[macro_export]
#[doc(hidden)]
macro_rules! __serde_impls {
    ($net:ident, $grads:ident, [$($field:literal),* $(,)?]) => {
        $crate::__serde_impls!(@one $net, zeroed, [$($field),*]);
        $crate::__serde_impls!(@one $grads, zeroed, [$($field),*]);
    };
    (@one $ty:ident, $zero:ident, [$($field:literal),*]) => {
        impl<T: $crate::Float + $crate::__private::serde::Serialize>
            $crate::__private::serde::Serialize for $ty<T>
        {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::serde_impls::serialize::<T, Self, S>(self, ::core::stringify!($ty), s)
            }
        }

        // `zeroed` is flagged on large networks; a deserialized value is by value anyway.
        #[allow(deprecated)]
        impl<'de, T: $crate::Float + $crate::__private::serde::Deserialize<'de>>
            $crate::__private::serde::Deserialize<'de> for $ty<T>
        {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$($field),*];
                $crate::serde_impls::deserialize::<T, Self, D>(
                    <$ty<T>>::$zero(),
                    ::core::stringify!($ty),
                    FIELDS,
                    d,
                )
            }
        }
    };
}
