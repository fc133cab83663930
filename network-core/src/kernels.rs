//! Portable matrix kernels behind every dense layer, on row-major flat slices.
//!
//! Three shapes cover forward, backward and update, per sample and per mini-batch:
//! [`gemm_nt`] (dot products of rows: `Z += X·Wᵀ`) and [`gemm_acc`] (axpy rows:
//! `C += α·A·B`, which is `Wᵀδ`, `δ ⊗ x`, `Δ·W` and `Δᵀ·X` depending on `A`'s strides).
//! [`Float`] dispatches to them; `f32` first tries the SIMD kernels of
//! `crate::simd` when the CPU has AVX2+FMA or AVX-512.

use crate::float::Float;

/// `Σ aᵢ·bᵢ` with four independent accumulators, so the additions pipeline and vectorise.
#[inline(always)]
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [T::zero(); 4];
    let (ac, ar) = a.as_chunks::<4>();
    let (bc, br) = b.as_chunks::<4>();
    for (x, y) in ac.iter().zip(bc) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in ar.iter().zip(br) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `z[b·m + j] += Σᵢ x[b·n + i] · w[j·n + i]`: every row of `x` (a batch of inputs of width
/// `n`) against every row of `w` (`m` neurons of width `n`), into `z` (batch × `m`).
#[inline(always)]
pub fn gemm_nt<T: Float>(x: &[T], w: &[T], n: usize, z: &mut [T]) {
    if n == 0 {
        return;
    }
    let m = w.len() / n;
    for (xr, zr) in x.chunks_exact(n).zip(z.chunks_exact_mut(m)) {
        for (z, wr) in zr.iter_mut().zip(w.chunks_exact(n)) {
            *z += dot(wr, xr);
        }
    }
}

/// `c[r·n + i] += α · Σₖ a[r·a_row + k·a_col] · b[k·n + i]` for every row `r` of `c` and
/// every row `k` of `b` (both of width `n`). With `A` read through strides, this one kernel is
/// `Wᵀδ` (one row, `b = W`), `δ ⊗ x` (one `k`, `b = x`) and their batched forms.
///
/// For a single `k` it computes `c += α·(a·b)`, so an SGD update with `α = −lr` rounds exactly
/// as `p −= lr·g` does with `g = a·b`; rows whose coefficient `a[r·a_row]` is zero are left
/// as they are (adding `0·b` would change nothing, short of turning a `−0.0` into `+0.0`, or
/// a NaN when `b` holds an infinity, whose loss is already NaN).
#[inline(always)]
pub fn gemm_acc<T: Float>(
    alpha: T,
    a: &[T],
    a_row: usize,
    a_col: usize,
    b: &[T],
    n: usize,
    c: &mut [T],
) {
    if n == 0 {
        return;
    }
    let kdim = b.len() / n;
    if kdim == 1 {
        for (r, cr) in c.chunks_exact_mut(n).enumerate() {
            let s = a[r * a_row];
            // A zero coefficient (a ReLU that was off) would add ±0 to the row: skip it, as
            // the SIMD kernels do, so both paths leave such rows bit for bit unchanged.
            if s == T::zero() {
                continue;
            }
            for (c, &b) in cr.iter_mut().zip(b) {
                *c += alpha * (s * b);
            }
        }
        return;
    }
    // Column strips of 16 keep the partial sums in registers while `k` runs.
    for (r, cr) in c.chunks_exact_mut(n).enumerate() {
        for (s, strip) in cr.chunks_mut(16).enumerate() {
            let i0 = s * 16;
            let mut acc = [T::zero(); 16];
            for (k, br) in b.chunks_exact(n).enumerate() {
                let ak = a[r * a_row + k * a_col];
                for (acc, &b) in acc.iter_mut().zip(&br[i0..i0 + strip.len()]) {
                    *acc += ak * b;
                }
            }
            for (c, &acc) in strip.iter_mut().zip(&acc) {
                *c += alpha * acc;
            }
        }
    }
}
