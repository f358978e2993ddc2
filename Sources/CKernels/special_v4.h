// AMP's special functions on 4-lane vectors; included by kernels.c once per instruction set, with
// FM_V4(name) naming the copy and FM_V4_TARGET its target attribute (see kernels.c).

// e^x: x = k ln2 + r (ln2 in two parts, k ln2_hi exact), e^r by its Taylor series to r^13 in Estrin's
// scheme (relative error < 2e−16), times 2^k through the exponent bits. Below −708: 0; above 709: +inf;
// NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET fm_v4d FM_V4(fm_exp_v4)(fm_v4d x) {
    const fm_v4d xc = __builtin_elementwise_min(__builtin_elementwise_max(x, (fm_v4d)(-708.0)), (fm_v4d)(709.0));
    const fm_v4d k = __builtin_elementwise_roundeven(xc * 1.4426950408889634);
    fm_v4d r = xc - k * 6.93147180369123816490e-01;
    r = r - k * 1.90821492927058770002e-10;
    const fm_v4d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const fm_v4d q0 = (1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6));
    const fm_v4d q1 = (1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040));
    const fm_v4d q2 = (1.0 / 40320 + r * (1.0 / 362880)) + r2 * (1.0 / 3628800 + r * (1.0 / 39916800));
    const fm_v4d q3 = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
    const fm_v4d series = (q0 + r4 * q1) + r8 * (q2 + r4 * q3);
    // (Through Int32, which AVX2 converts in one instruction; |k| ≤ 1023.)
    const fm_v4l bits = (__builtin_convertvector(__builtin_convertvector(k, fm_v4i), fm_v4l) + 1023) << 52;
    fm_v4d y = series * (fm_v4d)bits;
    const fm_v4l under = x < -708.0, over = x > 709.0;
    y = (fm_v4d)(((fm_v4l)y & ~under) | (over & (fm_v4l)(fm_v4d)(__builtin_inf())));
    const fm_v4l nan = x != x;
    return (fm_v4d)(((fm_v4l)y & ~nan) | ((fm_v4l)x & nan));
}

// G(x)/H(x) as Special.GoverHFast (FastGaussian.swift): with y = |x|/√2, t = 2/(2 + y) and P(t) from the
// 16 pieces of degree 9 (`table`, 10 coefficients per piece), √(2/π)/(t e^P) for x ≥ 0 and
// e^{−x²/2}/√(2π) / (1 − ½ t e^{P − x²/2}) for x < 0. NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET fm_v4d FM_V4(fm_goverh_v4)(fm_v4d x, const double *table) {
    const fm_v4d y = __builtin_elementwise_abs(x) * 0.707106781186547524400844362104849;
    const fm_v4d t = 2.0 / (2.0 + y);
    const fm_v4d scaled = t * 16.0;
    // The piece ⌊16t⌋ ≤ 15 (t ∈ [0, 1]; a NaN gives 15), and its offset in the table as Int32.
    const fm_v4d piece = __builtin_elementwise_min(__builtin_elementwise_floor(scaled), (fm_v4d)15.0);
    const fm_v4i offset = __builtin_convertvector(piece, fm_v4i) * 10;
    const fm_v4d s = 2.0 * (scaled - piece) - 1.0;
    fm_v4d c[10];
    // (Four loads per coefficient: vgatherdpd is slower on the Zen 2 this was measured on.)
    for (int j = 0; j < 10; j++)
        c[j] = (fm_v4d){table[offset[0] + j], table[offset[1] + j], table[offset[2] + j], table[offset[3] + j]};
    const fm_v4d s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    const fm_v4d a = (c[0] + c[1] * s) + s2 * (c[2] + c[3] * s);
    const fm_v4d b = (c[4] + c[5] * s) + s2 * (c[6] + c[7] * s);
    const fm_v4d p = a + s4 * b + s8 * (c[8] + c[9] * s);
    const fm_v4d half = 0.5 * x * x;
    const fm_v4l positive = x >= 0.0;
    const fm_v4d e1 = FM_V4(fm_exp_v4)((fm_v4d)(((fm_v4l)p & positive) | ((fm_v4l)(p - half) & ~positive)));
    const fm_v4d e2 = FM_V4(fm_exp_v4)(-half);
    // One division: √(2/π) / (t e^P) where x ≥ 0, e^{−x²/2}/√(2π) / (1 − ½ t e^{P − x²/2}) where not.
    const fm_v4d numerator = (fm_v4d)(((fm_v4l)(fm_v4d)(0.7978845608028653558798921198687637) & positive)
                                      | ((fm_v4l)(0.3989422804014326779399460599343819 * e2) & ~positive));
    const fm_v4d denominator = (fm_v4d)(((fm_v4l)(t * e1) & positive) | ((fm_v4l)(1.0 - 0.5 * t * e1) & ~positive));
    const fm_v4l nan = x != x;
    return (fm_v4d)(((fm_v4l)(numerator / denominator) & ~nan) | ((fm_v4l)x & nan));
}

// tanh x = sign(x)(1 − e)/(1 + e) with e = e^{−2|x|}: within ~2e−16 of tanh x absolutely (not
// relatively for |x| ≪ 1). NaN stays NaN.
static inline __attribute__((always_inline)) FM_V4_TARGET fm_v4d FM_V4(fm_tanh_v4)(fm_v4d x) {
    const fm_v4d e = FM_V4(fm_exp_v4)(-2.0 * __builtin_elementwise_abs(x));
    const fm_v4d magnitude = (1.0 - e) / (1.0 + e);
    const fm_v4l sign = (fm_v4l)x & (fm_v4l)(long)0x8000000000000000L;
    return (fm_v4d)((fm_v4l)magnitude | sign);
}

FM_V4_TARGET void FM_V4(fm_goverh_array)(const double *in, double *out, long n, const double *table) FM_ARRAY_BODY(FM_V4(fm_goverh_v4), table)
FM_V4_TARGET void FM_V4(fm_tanh_array)(const double *in, double *out, long n) FM_ARRAY_BODY(FM_V4(fm_tanh_v4))
