// AMP's special functions on vectors of the compiler's vector extension; included by special_v4.h once per
// vector width, with FM_VD, FM_VL and FM_VI the double, 64-bit and 32-bit integer vector types, FM_FN(name)
// naming the copy, FM_V4_TARGET its target attribute and, where defined, FM_FN_COEFFICIENTS(c, piece,
// table) picking G/H's coefficients from the table as FM_V4(fm_table) leaves it. Every lane goes through
// the same operations whatever the width, so the copies give the same bits.

// e^x: x = k ln2 + r (ln2 in two parts, k ln2_hi exact), e^r by its Taylor series to r^13 in Estrin's
// scheme (relative error < 2e−16), times 2^k through the exponent bits. Below −708: 0; above 709: +inf;
// NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET FM_VD FM_FN(fm_exp)(FM_VD x) {
    const FM_VD xc = __builtin_elementwise_min(__builtin_elementwise_max(x, (FM_VD)(-708.0)), (FM_VD)(709.0));
    const FM_VD k = __builtin_elementwise_roundeven(xc * 1.4426950408889634);
    FM_VD r = xc - k * 6.93147180369123816490e-01;
    r = r - k * 1.90821492927058770002e-10;
    const FM_VD r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const FM_VD q0 = (1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6));
    const FM_VD q1 = (1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040));
    const FM_VD q2 = (1.0 / 40320 + r * (1.0 / 362880)) + r2 * (1.0 / 3628800 + r * (1.0 / 39916800));
    const FM_VD q3 = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
    const FM_VD series = (q0 + r4 * q1) + r8 * (q2 + r4 * q3);
    // (Through Int32, which AVX2 converts in one instruction; |k| ≤ 1023.)
    const FM_VL bits = (__builtin_convertvector(__builtin_convertvector(k, FM_VI), FM_VL) + 1023) << 52;
    FM_VD y = series * (FM_VD)bits;
    const FM_VL under = x < -708.0, over = x > 709.0;
    y = (FM_VD)(((FM_VL)y & ~under) | (over & (FM_VL)(FM_VD)(__builtin_inf())));
    const FM_VL nan = x != x;
    return (FM_VD)(((FM_VL)y & ~nan) | ((FM_VL)x & nan));
}

// G(x)/H(x) as Special.GoverHFast (FastGaussian.swift): with y = |x|/√2, t = 2/(2 + y) and P(t) from the
// 16 pieces of degree 9 (`table`, 10 coefficients per piece), √(2/π)/(t e^P) for x ≥ 0 and
// e^{−x²/2}/√(2π) / (1 − ½ t e^{P − x²/2}) for x < 0. NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET FM_VD FM_FN(fm_goverh)(FM_VD x, const double *table) {
    const FM_VD y = __builtin_elementwise_abs(x) * 0.707106781186547524400844362104849;
    const FM_VD t = 2.0 / (2.0 + y);
    const FM_VD scaled = t * 16.0;
    // The piece ⌊16t⌋ ≤ 15 (t ∈ [0, 1]; a NaN gives 15), and its offset in the table as Int32.
    const FM_VD piece = __builtin_elementwise_min(__builtin_elementwise_floor(scaled), (FM_VD)15.0);
    const FM_VD s = 2.0 * (scaled - piece) - 1.0;
    FM_VD c[10];
#ifdef FM_FN_COEFFICIENTS
    // (The table as FM_V4(fm_table) left it; one permute of two registers per coefficient.)
    FM_FN_COEFFICIENTS(c, piece, table)
#else
    const FM_VI offset = __builtin_convertvector(piece, FM_VI) * 10;
    // (Four loads per coefficient rather than vgatherdpd, which is slow on some cores; BENCHMARKS.md.)
    for (int j = 0; j < 10; j++)
        c[j] = (FM_VD){table[offset[0] + j], table[offset[1] + j], table[offset[2] + j], table[offset[3] + j]};
#endif
    const FM_VD s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    const FM_VD a = (c[0] + c[1] * s) + s2 * (c[2] + c[3] * s);
    const FM_VD b = (c[4] + c[5] * s) + s2 * (c[6] + c[7] * s);
    const FM_VD p = a + s4 * b + s8 * (c[8] + c[9] * s);
    const FM_VD half = 0.5 * x * x;
    const FM_VL positive = x >= 0.0;
    const FM_VD e1 = FM_FN(fm_exp)((FM_VD)(((FM_VL)p & positive) | ((FM_VL)(p - half) & ~positive)));
    const FM_VD e2 = FM_FN(fm_exp)(-half);
    // One division: √(2/π) / (t e^P) where x ≥ 0, e^{−x²/2}/√(2π) / (1 − ½ t e^{P − x²/2}) where not.
    const FM_VD numerator = (FM_VD)(((FM_VL)(FM_VD)(0.7978845608028653558798921198687637) & positive)
                                      | ((FM_VL)(0.3989422804014326779399460599343819 * e2) & ~positive));
    const FM_VD denominator = (FM_VD)(((FM_VL)(t * e1) & positive) | ((FM_VL)(1.0 - 0.5 * t * e1) & ~positive));
    const FM_VL nan = x != x;
    return (FM_VD)(((FM_VL)(numerator / denominator) & ~nan) | ((FM_VL)x & nan));
}

// tanh x = sign(x)(1 − e)/(1 + e) with e = e^{−2|x|}: within ~2e−16 of tanh x absolutely (not
// relatively for |x| ≪ 1). NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET FM_VD FM_FN(fm_tanh)(FM_VD x) {
    const FM_VD e = FM_FN(fm_exp)(-2.0 * __builtin_elementwise_abs(x));
    const FM_VD magnitude = (1.0 - e) / (1.0 + e);
    const FM_VL sign = (FM_VL)x & (FM_VL)(long)0x8000000000000000L;
    return (FM_VD)((FM_VL)magnitude | sign);
}

