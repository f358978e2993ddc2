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

// Copies of n ≤ 4 lanes: a fixed-size copy (one vector move) in the usual case n = 4.
#define FM_LANES_COPY(to, from, n) do { if ((n) == 4) __builtin_memcpy((to), (from), 32); \
                                         else __builtin_memcpy((to), (from), (size_t)(n) * 8); } while (0)

// Lanes 0 … n−1 of a 4-lane step (n ≥ 4: all).
static inline __attribute__((always_inline)) FM_V4_TARGET fm_v4l FM_V4(fm_first_lanes)(long n) {
    return (fm_v4l){0, 1, 2, 3} < (fm_v4l)n;
}

// AMP's row round (AMP.swift, `iterateSigns`) on `count` patterns in blocks of 16, from the exact dot
// products d_μ: ω = (d_μ u_m) s − V g_old, u = (κ − y ω)/√V, r = G/H(u), g = y r/√V, ∂g = −r (r − u)/V,
// C = g s, with k = {u_m, s, V, κ, 1/√V, 1/V}. For block j: dgSums[j] = Σ ∂g (four lanes of four steps,
// then the lanes in order), cLargest[j] = max|C| (NaN when a C is not finite).
FM_V4_TARGET void FM_V4(fm_amp_rows)(const int64_t *dots, const double *oldG, const double *labels, long count,
                                     const double *k, const double *table, double *omega, double *g, double *dg,
                                     double *c, double *dgSums, double *cLargest) {
    for (long start = 0, block = 0; start < count; start += 16, block++) {
        fm_v4d dgSum = (fm_v4d)0.0, largest = (fm_v4d)0.0;
        fm_v4l bad = (fm_v4l)0;
        const long end = count - start < 16 ? count : start + 16;
        for (long i = start; i < end; i += 4) {
            const long n = end - i < 4 ? end - i : 4;
            const fm_v4l valid = FM_V4(fm_first_lanes)(n);
            fm_v4l d = (fm_v4l)0;
            fm_v4d old = (fm_v4d)0.0, y = (fm_v4d)0.0;
            FM_LANES_COPY(&d, dots + i, n);
            FM_LANES_COPY(&old, oldG + i, n);
            FM_LANES_COPY(&y, labels + i, n);
            const fm_v4d w = (__builtin_convertvector(d, fm_v4d) * k[0]) * k[1] - k[2] * old;
            const fm_v4d u = (k[3] - y * w) * k[4];
            const fm_v4d r = FM_V4(fm_goverh_v4)(u, table);
            const fm_v4d gm = y * r * k[4], dgm = -r * (r - u) * k[5], cm = gm * k[1];
            FM_LANES_COPY(omega + i, &w, n);
            FM_LANES_COPY(g + i, &gm, n);
            FM_LANES_COPY(dg + i, &dgm, n);
            FM_LANES_COPY(c + i, &cm, n);
            dgSum += (fm_v4d)((fm_v4l)dgm & valid);
            largest = __builtin_elementwise_max(largest, (fm_v4d)((fm_v4l)__builtin_elementwise_abs(cm) & valid));
            bad |= valid & ((cm != cm) | (__builtin_elementwise_abs(cm) == __builtin_inf()));
        }
        dgSums[block] = ((dgSum[0] + dgSum[1]) + dgSum[2]) + dgSum[3];
        const double top = __builtin_fmax(__builtin_fmax(largest[0], largest[1]), __builtin_fmax(largest[2], largest[3]));
        cLargest[block] = (bad[0] | bad[1] | bad[2] | bad[3]) ? __builtin_nan("") : top;
    }
}

// AMP's column round for the binary prior on `count` inputs in blocks of 16, from the exact sums t_i:
// A = Ā, B = Ā m + t_i u_C, m ← d m + (1 − d) tanh B, v ← d v + (1 − d)(1 − tanh² B), with k = {Ā, u_C, d}.
// For block j: results[4j] = max|Δm| (NaN when one is NaN), results[4j + 1] = Σ v, results[4j + 2] =
// Σ (1 − m²), results[4j + 3] = max|m| (NaN when an m or a v is not finite); sums over four steps lane
// by lane, then the lanes in order.
FM_V4_TARGET void FM_V4(fm_amp_columns)(const int64_t *totals, long count, const double *k, double *a, double *b,
                                        double *m, double *v, double *results) {
    for (long start = 0, block = 0; start < count; start += 16, block++) {
        fm_v4d change = (fm_v4d)0.0, vSum = (fm_v4d)0.0, polarization = (fm_v4d)0.0, largest = (fm_v4d)0.0;
        fm_v4l nanChange = (fm_v4l)0, bad = (fm_v4l)0;
        const long end = count - start < 16 ? count : start + 16;
        for (long i = start; i < end; i += 4) {
            const long n = end - i < 4 ? end - i : 4;
            const fm_v4l valid = FM_V4(fm_first_lanes)(n);
            fm_v4l t = (fm_v4l)0;
            fm_v4d mOld = (fm_v4d)0.0, vOld = (fm_v4d)0.0;
            FM_LANES_COPY(&t, totals + i, n);
            FM_LANES_COPY(&mOld, m + i, n);
            FM_LANES_COPY(&vOld, v + i, n);
            const fm_v4d field = k[0] * mOld + __builtin_convertvector(t, fm_v4d) * k[1];
            const fm_v4d mean = FM_V4(fm_tanh_v4)(field);
            const fm_v4d mNew = k[2] * mOld + (1.0 - k[2]) * mean;
            const fm_v4d vNew = k[2] * vOld + (1.0 - k[2]) * (1.0 - mean * mean);
            const fm_v4d delta = __builtin_elementwise_abs(mNew - mOld);
            const fm_v4d aAll = (fm_v4d)k[0];
            FM_LANES_COPY(a + i, &aAll, n);
            FM_LANES_COPY(b + i, &field, n);
            FM_LANES_COPY(m + i, &mNew, n);
            FM_LANES_COPY(v + i, &vNew, n);
            change = __builtin_elementwise_max(change, (fm_v4d)((fm_v4l)delta & valid));
            nanChange |= valid & (delta != delta);
            vSum += (fm_v4d)((fm_v4l)vNew & valid);
            polarization += (fm_v4d)((fm_v4l)(1.0 - mNew * mNew) & valid);
            largest = __builtin_elementwise_max(largest, (fm_v4d)((fm_v4l)__builtin_elementwise_abs(mNew) & valid));
            bad |= valid & ((mNew != mNew) | (vNew != vNew) | (__builtin_elementwise_abs(mNew) == __builtin_inf())
                            | (__builtin_elementwise_abs(vNew) == __builtin_inf()));
        }
        double *out = results + 4 * block;
        const double top = __builtin_fmax(__builtin_fmax(change[0], change[1]), __builtin_fmax(change[2], change[3]));
        out[0] = (nanChange[0] | nanChange[1] | nanChange[2] | nanChange[3]) ? __builtin_nan("") : top;
        out[1] = ((vSum[0] + vSum[1]) + vSum[2]) + vSum[3];
        out[2] = ((polarization[0] + polarization[1]) + polarization[2]) + polarization[3];
        const double mTop = __builtin_fmax(__builtin_fmax(largest[0], largest[1]), __builtin_fmax(largest[2], largest[3]));
        out[3] = (bad[0] | bad[1] | bad[2] | bad[3]) ? __builtin_nan("") : mTop;
    }
}
