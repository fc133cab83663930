#!/usr/bin/env python3
"""Derives the coefficients of network-core/src/scalar/erf.rs (needs mpmath: `pip install mpmath`).

- |x| < 0.5: the Maclaurin series erf(x) = (2/√π) Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)), truncated where
  the next term is below 2⁻⁶⁴ relative to the result.
- 0.5 ≤ |x| < 6: eleven pieces of width 0.5, each a degree-15 polynomial in t = |x| − centre,
  from mpmath's Chebyshev fit (`chebyfit`) at 80 digits; the constant term is split in two
  doubles (hi + lo). The printed worst absolute error of the fits is far below 2⁻⁵³.
Prints the Rust constants; paste them over the ones in erf.rs.
"""
import mpmath as mp

mp.mp.dps = 80
DEGREE = 15
PIECES = 11
HALF_WIDTH = mp.mpf("0.25")


def lit(v):
    """The nearest double as a Rust literal that round-trips."""
    s = repr(float(v))
    return s if ("." in s or "e" in s) else s + ".0"


def taylor(n):
    return 2 / mp.sqrt(mp.pi) * (-1) ** n / (mp.factorial(n) * (2 * n + 1))


edge = mp.mpf("0.5")
last = 1
while abs(taylor(last + 1)) * edge ** (2 * last + 2) > mp.mpf(2) ** -64 * mp.erf(edge) / edge:
    last += 1
print("/// 2/√π − 1.")
print("const EFX: f64 = %s;" % lit(taylor(0) - 1))
print("/// The Maclaurin coefficients of erf(x)/x − 2/√π in x², from x² on.")
print("const SMALL: [f64; %d] = [" % last)
for n in range(1, last + 1):
    print("    %s," % lit(taylor(n)))
print("];")

worst = mp.mpf(0)
print("/// Per piece: the constant term as hi + lo, then the coefficients of t¹..t^%d." % DEGREE)
print("const PIECES: [[f64; %d]; %d] = [" % (DEGREE + 2, PIECES))
for k in range(PIECES):
    centre = mp.mpf("0.75") + mp.mpf("0.5") * k
    poly, err = mp.chebyfit(
        lambda t: mp.erf(centre + t), [-HALF_WIDTH, HALF_WIDTH], DEGREE + 1, error=True
    )
    worst = max(worst, err)
    poly = poly[::-1]  # lowest degree first
    hi = float(poly[0])
    lo = float(poly[0] - mp.mpf(hi))
    print("    // [%s, %s)" % (mp.nstr(centre - HALF_WIDTH, 3), mp.nstr(centre + HALF_WIDTH, 3)))
    print("    [")
    for c in [hi, lo] + poly[1:]:
        print("        %s," % lit(c))
    print("    ],")
print("];")
print("// worst absolute error of the fits: %s (2^-53 = %s)" % (mp.nstr(worst, 3), mp.nstr(mp.mpf(2) ** -53, 3)))
