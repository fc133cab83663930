//! The portable kernels, on row-major flat slices, for every [`Float`] and every target.
//!
//! Two shapes cover forward, backward and update, per sample and per mini-batch:
//! [`gemm_nt`] (dot products of rows: `Z += X·Wᵀ`) and [`gemm_acc`] (axpy rows:
//! `C += α·A·B`, which is `Wᵀδ`, `δ ⊗ x`, `Δ·W` and `Δᵀ·X` depending on `A`'s strides).

use crate::scalar::Float;
use core::sync::atomic::{Ordering, compiler_fence};

/// Marks the start of one row's work in a loop over rows whose inner loops LLVM unrolls fully
/// (small, compile-time widths). Without it LLVM may vectorise the *outer* loop instead,
/// across rows, gathering strided elements one by one: three to four times slower than the
/// row's own contiguous vector code. A compiler fence emits no instruction; it only stops
/// memory accesses moving between rows, which is what rules that vectorisation out. (Rows
/// narrower than four are the exception: across rows is the better way there.)
#[inline(always)]
fn next_row() {
    compiler_fence(Ordering::SeqCst);
}

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
///
/// Each sum is exactly [`dot`]'s, but several rows of `w` are summed at once: one row alone
/// is a chain of dependent additions, and a few rows side by side keep the adders busy.
#[inline(always)]
pub fn gemm_nt<T: Float>(x: &[T], w: &[T], n: usize, z: &mut [T]) {
    if n == 0 {
        return;
    }
    let m = w.len() / n;
    for (xr, zr) in x.chunks_exact(n).zip(z.chunks_exact_mut(m)) {
        // Blocks of eight rows of four-lane sums fill eight SSE registers for f32 (f64 takes
        // four rows). Narrow rows and leftover rows take the plain loop, which LLVM
        // vectorises across rows when `n` is tiny.
        let r = if size_of::<T>() <= 4 { 8 } else { 4 };
        let mut j = 0;
        if n >= 16 {
            while j + r <= m {
                next_row();
                if r == 8 {
                    dot_rows::<T, 8>(xr, w, n, &mut zr[j..j + 8], j);
                } else {
                    dot_rows::<T, 4>(xr, w, n, &mut zr[j..j + 4], j);
                }
                j += r;
            }
        }
        for (z, wr) in zr[j..].iter_mut().zip(w[j * n..].chunks_exact(n)) {
            *z += dot(wr, xr);
        }
    }
}

/// `z[r] += dot(w row j0 + r, x)` for `r < R`, each sum in [`dot`]'s order.
#[inline(always)]
fn dot_rows<T: Float, const R: usize>(x: &[T], w: &[T], n: usize, z: &mut [T], j0: usize) {
    let rows: [&[T]; R] = core::array::from_fn(|r| &w[(j0 + r) * n..(j0 + r + 1) * n]);
    let (xc, xt) = x.as_chunks::<4>();
    let wc: [&[[T; 4]]; R] = core::array::from_fn(|r| rows[r].as_chunks::<4>().0);
    let mut acc = [[T::zero(); 4]; R];
    for (c, xv) in xc.iter().enumerate() {
        for r in 0..R {
            let wv = &wc[r][c];
            for k in 0..4 {
                acc[r][k] += wv[k] * xv[k];
            }
        }
    }
    let t0 = xc.len() * 4;
    for (r, z) in z.iter_mut().enumerate() {
        // Finish row by row: left free, LLVM vectorises the loop above across rows (to
        // store `z` in one go), transposing every block of `w` on the way.
        next_row();
        let mut tail = T::zero();
        for (&x, &w) in xt.iter().zip(&rows[r][t0..]) {
            tail += w * x;
        }
        let a = &acc[r];
        *z += (a[0] + a[1]) + (a[2] + a[3]) + tail;
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
            if n >= 4 {
                next_row();
            }
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
    // Column strips keep the partial sums in registers while `k` runs: 32 wide (eight SSE
    // registers) for f32, 16 for f64. Wide strips give independent additions per `k`, so a
    // single row (`Wᵀδ` of one sample) is not one long chain of dependent adds.
    if size_of::<T>() <= 4 {
        acc_strips::<T, 32>(alpha, a, a_row, a_col, b, n, c);
    } else {
        acc_strips::<T, 16>(alpha, a, a_row, a_col, b, n, c);
    }
}

/// [`gemm_acc`] for `kdim > 1` in column strips of `S`.
#[inline(always)]
fn acc_strips<T: Float, const S: usize>(
    alpha: T,
    a: &[T],
    a_row: usize,
    a_col: usize,
    b: &[T],
    n: usize,
    c: &mut [T],
) {
    for (r, cr) in c.chunks_exact_mut(n).enumerate() {
        let (full, rest) = cr.as_chunks_mut::<S>();
        for (s, strip) in full.iter_mut().enumerate() {
            next_row();
            let i0 = s * S;
            let mut acc = [T::zero(); S];
            for (k, br) in b.chunks_exact(n).enumerate() {
                let ak = a[r * a_row + k * a_col];
                let bs: &[T; S] = br[i0..i0 + S].try_into().unwrap();
                for (acc, &b) in acc.iter_mut().zip(bs) {
                    *acc += ak * b;
                }
            }
            for (c, &acc) in strip.iter_mut().zip(&acc) {
                *c += alpha * acc;
            }
        }
        if !rest.is_empty() {
            let i0 = full.len() * S;
            let mut acc = [T::zero(); S];
            for (k, br) in b.chunks_exact(n).enumerate() {
                let ak = a[r * a_row + k * a_col];
                for (acc, &b) in acc.iter_mut().zip(&br[i0..]) {
                    *acc += ak * b;
                }
            }
            for (c, &acc) in rest.iter_mut().zip(&acc) {
                *c += alpha * acc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values with varied magnitudes, so a changed summation order shows.
    fn values(len: usize, seed: u64) -> [f64; 2048] {
        let mut v = [0.0; 2048];
        let mut s = seed;
        for x in v.iter_mut().take(len) {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *x = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * (1.0 + (s % 7) as f64 * 10.0);
        }
        v
    }

    #[test]
    fn gemm_nt_sums_every_row_exactly_as_dot() {
        for n in [1, 2, 3, 4, 5, 15, 16, 17, 32, 35] {
            for m in [1, 2, 3, 4, 7, 8, 9, 16, 19] {
                let (w, x) = (values(m * n, 1), values(2 * n, 2));
                let (w, x) = (&w[..m * n], &x[..2 * n]);
                let mut z = [0.5f64; 38];
                gemm_nt(x, w, n, &mut z[..2 * m]);
                for b in 0..2 {
                    for j in 0..m {
                        let want = 0.5 + dot(&w[j * n..(j + 1) * n], &x[b * n..(b + 1) * n]);
                        assert_eq!(z[b * m + j], want, "n {n}, m {m}, sample {b}, row {j}");
                    }
                }
                // f32 takes blocks of eight rows: the same sums.
                let mut w32 = [0.0f32; 19 * 35];
                let mut x32 = [0.0f32; 35];
                w32.iter_mut().zip(w).for_each(|(d, &v)| *d = v as f32);
                x32.iter_mut().zip(x).for_each(|(d, &v)| *d = v as f32);
                let (w32, x32) = (&w32[..m * n], &x32[..n]);
                let mut z32 = [0.0f32; 19];
                gemm_nt(x32, w32, n, &mut z32[..m]);
                for j in 0..m {
                    assert_eq!(
                        z32[j],
                        dot(&w32[j * n..(j + 1) * n], x32),
                        "f32 n {n} m {m}"
                    );
                }
            }
        }
    }

    #[test]
    fn gemm_acc_matches_the_naive_sum_in_its_order() {
        // Rows × kdim × n, with `a` read row-major (a_row = kdim, a_col = 1).
        for (rows, kdim, n) in [
            (1, 3, 40),
            (1, 32, 32),
            (2, 5, 33),
            (3, 2, 7),
            (1, 1, 9),
            (4, 1, 64),
        ] {
            let (a, b) = (values(rows * kdim, 3), values(kdim * n, 4));
            let (a, b) = (&a[..rows * kdim], &b[..kdim * n]);
            let c0 = values(rows * n, 5);
            let mut c = c0;
            gemm_acc(-0.25, a, kdim, 1, b, n, &mut c[..rows * n]);
            for r in 0..rows {
                for i in 0..n {
                    let want = if kdim == 1 {
                        c0[r * n + i] + -0.25 * (a[r] * b[i])
                    } else {
                        let mut s = 0.0;
                        for k in 0..kdim {
                            s += a[r * kdim + k] * b[k * n + i];
                        }
                        c0[r * n + i] + -0.25 * s
                    };
                    assert_eq!(c[r * n + i], want, "{rows}×{kdim}×{n} at ({r}, {i})");
                }
            }
        }
    }
}
