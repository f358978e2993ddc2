// BP's vector special functions, written once on the compiler's vector extension and included once per
// width by bp_perceptron.h and bp_committee.h: FM_W = 4 (AVX2 + FMA) or 8 (AVX-512 F, BW, DQ, VL + FMA)
// doubles per vector, and twice as many floats. Every operation is one instruction of the old intrinsics
// code, lane by lane: multiplications and additions are rounded separately (FP_CONTRACT OFF) and every
// fused multiply-add is written out, so both widths compute the same values in every lane; only the
// sums over lanes (M, V) differ in their order between the widths.
//
// Per width the file defines the vector types FM_VD (FM_W doubles), FM_VL (FM_W int64), FM_VF (2·FM_W
// floats), FM_VFI (2·FM_W int32), FM_FN(name) (name_avx2 or name_avx512), FM_TARGET (the function
// attribute), the selection of P(t)'s coefficients from the tables, and loads and stores of the first
// `count` lanes (plain copies with AVX2, masked moves with AVX-512). bp_lanes_end.h undefines them.
#pragma STDC FP_CONTRACT OFF

// (Two steps, so that a macro argument such as FM_HALF_LOG_H_RATIO is expanded before the paste.)
#define FM_PASTE(a, b) FM_PASTE_(a, b)
#define FM_PASTE_(a, b) a##b

#if FM_W == 4
#define FM_VD fm_v4d
#define FM_VL fm_v4l
#define FM_VI fm_v4i
#define FM_VFH fm_v4f
#define FM_VF fm_v8f
#define FM_VFI fm_v8i
#define FM_VC fm_v4c
#define FM_FN(name) FM_PASTE(name, _avx2)
#define FM_TARGET __attribute__((target("avx2,fma")))
#define FM_LANES_F 0, 1, 2, 3, 4, 5, 6, 7
#define FM_LOW_F 0, 1, 2, 3
#define FM_HIGH_F 4, 5, 6, 7
#elif FM_W == 8
#define FM_VD fm_v8d
#define FM_VL fm_v8l
#define FM_VI fm_v8i
#define FM_VFH fm_v8f
#define FM_VF fm_v16f
#define FM_VFI fm_v16i
#define FM_VC fm_v8c
#define FM_FN(name) FM_PASTE(name, _avx512)
#define FM_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define FM_LANES_F 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#define FM_LOW_F 0, 1, 2, 3, 4, 5, 6, 7
#define FM_HIGH_F 8, 9, 10, 11, 12, 13, 14, 15
#else
#error "FM_W must be 4 or 8"
#endif

#define FM_INLINE static inline __attribute__((always_inline)) FM_TARGET
#define FM_SELECT(V, I, mask, a, b) ((V)(((I)(mask) & (I)(a)) | (~(I)(mask) & (I)(b))))
#define FM_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)

// Lane selection, and x86's max and min (the second operand where either is NaN).
FM_INLINE FM_VD FM_FN(fm_bp_maxd)(FM_VD a, FM_VD b) { return FM_SELECT(FM_VD, FM_VL, a > b, a, b); }
FM_INLINE FM_VD FM_FN(fm_bp_mind)(FM_VD a, FM_VD b) { return FM_SELECT(FM_VD, FM_VL, a < b, a, b); }
FM_INLINE FM_VF FM_FN(fm_bp_maxf)(FM_VF a, FM_VF b) { return FM_SELECT(FM_VF, FM_VFI, a > b, a, b); }
FM_INLINE FM_VF FM_FN(fm_bp_minf)(FM_VF a, FM_VF b) { return FM_SELECT(FM_VF, FM_VFI, a < b, a, b); }

// ---- Loads and stores of the first `count` lanes (the rest read as zero, and are not written) -----------

#if FM_W == 4
#define FM_PART_LOAD(V, T, p, count) ({ V v_ = (V)0; __builtin_memcpy(&v_, p, (size_t)(count) * sizeof(T)); v_; })
#define FM_PART_STORE(p, v, T, count) \
    ({ __typeof__(v) s_ = (v); __builtin_memcpy(p, &s_, (size_t)(count) * sizeof(T)); })
#else
#define FM_MASK8(count) ((__mmask8)((count) >= 8 ? 0xFF : (1u << (count)) - 1))
#define FM_MASK16(count) ((__mmask16)((count) >= 16 ? 0xFFFF : (1u << (count)) - 1))
#endif

FM_INLINE FM_VD FM_FN(fm_bp_load_d)(const double *p, long count) {
#if FM_W == 4
    if (count >= FM_W) { FM_VD v; __builtin_memcpy(&v, p, sizeof v); return v; }
    return FM_PART_LOAD(FM_VD, double, p, count);
#else
    return (FM_VD)_mm512_maskz_loadu_pd(FM_MASK8(count), p);
#endif
}

FM_INLINE void FM_FN(fm_bp_store_d)(double *p, FM_VD v, long count) {
#if FM_W == 4
    if (count >= FM_W) { __builtin_memcpy(p, &v, sizeof v); return; }
    FM_PART_STORE(p, v, double, count);
#else
    _mm512_mask_storeu_pd(p, FM_MASK8(count), (__m512d)v);
#endif
}

// x_i (Int8) as doubles.
FM_INLINE FM_VD FM_FN(fm_bp_load_x)(const int8_t *p, long count) {
#if FM_W == 4
    FM_VC c;
    if (count >= FM_W) __builtin_memcpy(&c, p, sizeof c);
    else c = FM_PART_LOAD(FM_VC, int8_t, p, count);
    return __builtin_convertvector(c, FM_VD);
#else
    return (FM_VD)_mm512_cvtepi32_pd(_mm256_cvtepi8_epi32(_mm_maskz_loadu_epi8(FM_MASK8(count), p)));
#endif
}

// FM_W messages (floats) as doubles.
FM_INLINE FM_VD FM_FN(fm_bp_load_u)(const float *p, long count) {
#if FM_W == 4
    FM_VFH f;
    if (count >= FM_W) __builtin_memcpy(&f, p, sizeof f);
    else f = FM_PART_LOAD(FM_VFH, float, p, count);
    return __builtin_convertvector(f, FM_VD);
#else
    return (FM_VD)_mm512_cvtps_pd(_mm256_maskz_loadu_ps(FM_MASK8(count), p));
#endif
}

FM_INLINE FM_VF FM_FN(fm_bp_load_f)(const float *p, long count) {
#if FM_W == 4
    if (count >= 2 * FM_W) { FM_VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
    return FM_PART_LOAD(FM_VF, float, p, count);
#else
    return (FM_VF)_mm512_maskz_loadu_ps(FM_MASK16(count), p);
#endif
}

FM_INLINE void FM_FN(fm_bp_store_f)(float *p, FM_VF v, long count) {
#if FM_W == 4
    if (count >= 2 * FM_W) { __builtin_memcpy(p, &v, sizeof v); return; }
    FM_PART_STORE(p, v, float, count);
#else
    _mm512_mask_storeu_ps(p, FM_MASK16(count), (__m512)v);
#endif
}

FM_INLINE void FM_FN(fm_bp_store_fh)(float *p, FM_VFH v, long count) {
#if FM_W == 4
    if (count >= FM_W) { __builtin_memcpy(p, &v, sizeof v); return; }
    FM_PART_STORE(p, v, float, count);
#else
    _mm256_mask_storeu_ps(p, FM_MASK8(count), (__m256)v);
#endif
}

// p[i] += v_i for the first `count` lanes.
FM_INLINE void FM_FN(fm_bp_add_d)(double *p, FM_VD v, long count) {
    FM_FN(fm_bp_store_d)(p, FM_FN(fm_bp_load_d)(p, count) + v, count);
}

// Σ of the lanes, adjacent pairs first: (l0 + l1) + (l2 + l3), then the pairs of those.
FM_INLINE double FM_FN(fm_bp_sum)(FM_VD v) {
    double lanes[FM_W];
    __builtin_memcpy(lanes, &v, sizeof lanes);
    for (int step = 1; step < FM_W; step *= 2)
        for (int i = 0; i < FM_W; i += 2 * step) lanes[i] = lanes[i] + lanes[i + step];
    return lanes[0];
}

// The largest lane, read in order (lanes are never NaN here).
#define FM_LARGEST(T, v, lanes) ({ T l_[lanes]; __builtin_memcpy(l_, &(v), sizeof l_); double r_ = l_[0]; \
    for (int k_ = 1; k_ < (lanes); k_++) if (l_[k_] > r_) r_ = l_[k_]; r_; })

// ---- Double precision ------------------------------------------------------------------------------

// e^x: x = k ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts), e^r by its Taylor series to r^13
// (relative error < 2e-16) in Estrin's scheme (a dependency chain of depth 5 instead of Horner's 13: the
// kernels are latency-bound), times 2^k added to the exponent bits. Arguments below −708 give 0, above
// 709 +inf; NaN stays NaN.
FM_INLINE FM_VD FM_FN(fm_bp_exp_d)(FM_VD x) {
    const FM_VL under = x < -708.0, over = x > 709.0, nan = x != x;
    const FM_VD xc = FM_FN(fm_bp_mind)(FM_FN(fm_bp_maxd)(x, (FM_VD)-708.0), (FM_VD)709.0);
    const FM_VD k = __builtin_elementwise_roundeven(xc * 1.4426950408889634);
    FM_VD r = FM_FMA(-k, (FM_VD)6.93147180369123816490e-01, xc);
    r = FM_FMA(-k, (FM_VD)1.90821492927058770002e-10, r);
    static const double c[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                 1.0 / 479001600, 1.0 / 6227020800.0};
    #define FM_C(j) ((FM_VD)c[j])
    const FM_VD r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const FM_VD q0 = FM_FMA(FM_FMA(FM_C(3), r, FM_C(2)), r2, FM_FMA(FM_C(1), r, FM_C(0)));
    const FM_VD q1 = FM_FMA(FM_FMA(FM_C(7), r, FM_C(6)), r2, FM_FMA(FM_C(5), r, FM_C(4)));
    const FM_VD q2 = FM_FMA(FM_FMA(FM_C(11), r, FM_C(10)), r2, FM_FMA(FM_C(9), r, FM_C(8)));
    const FM_VD q3 = FM_FMA(FM_C(13), r, FM_C(12));
    const FM_VD p = FM_FMA(FM_FMA(q3, r4, q2), r8, FM_FMA(q1, r4, q0));
    #undef FM_C
    // 2^k: k ∈ [−1022, 1023] after the clamp, added to the exponent field.
    const FM_VL k64 = __builtin_convertvector(__builtin_convertvector(k, FM_VI), FM_VL) << 52;
    FM_VD result = (FM_VD)((FM_VL)p + k64);
    result = FM_SELECT(FM_VD, FM_VL, under, (FM_VD)0.0, result);
    result = FM_SELECT(FM_VD, FM_VL, over, (FM_VD)__builtin_inf(), result);
    return FM_SELECT(FM_VD, FM_VL, nan, x, result);
}

// log x for positive normal x: x = 2^e · m with m ∈ [√½, √2), log m = 2 atanh f with f = (m − 1)/(m + 1),
// |f| ≤ 0.1716, by its series to f^21 (relative error < 1e-16).
FM_INLINE FM_VD FM_FN(fm_bp_log_d)(FM_VD x) {
    const FM_VL bits = (FM_VL)x;
    FM_VD m = (FM_VD)((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
    // The exponent as a double: 2^52 + e as a bit pattern, minus 2^52.
    const FM_VL ebits = (bits >> 52) & 0x7FF;
    const FM_VD magic = (FM_VD)4503599627370496.0;
    FM_VD e = (FM_VD)(ebits | (FM_VL)magic) - magic;
    e = e - 1023.0;
    const FM_VL big = m > 1.4142135623730951;
    m = FM_SELECT(FM_VD, FM_VL, big, m * 0.5, m);
    e = e + (FM_VD)(big & (FM_VL)(FM_VD)1.0);
    const FM_VD f = (m - 1.0) / (m + 1.0);
    const FM_VD f2 = f * f;
    // Σ_{j ≤ 10} f2^j/(2j + 1) by Estrin's scheme (depth 4).
    #define FM_D(j) ((FM_VD)(1.0 / (2 * (j) + 1)))
    const FM_VD z2 = f2 * f2, z4 = z2 * z2, z8 = z4 * z4;
    const FM_VD g0 = FM_FMA(FM_FMA(FM_D(3), f2, FM_D(2)), z2, FM_FMA(FM_D(1), f2, FM_D(0)));
    const FM_VD g1 = FM_FMA(FM_FMA(FM_D(7), f2, FM_D(6)), z2, FM_FMA(FM_D(5), f2, FM_D(4)));
    const FM_VD g2 = FM_FMA(FM_D(10), z2, FM_FMA(FM_D(9), f2, FM_D(8)));
    const FM_VD s = FM_FMA(g2, z8, FM_FMA(g1, z4, g0));
    #undef FM_D
    const FM_VD logm = (f + f) * s;
    return FM_FMA(e, (FM_VD)6.93147180369123816490e-01, FM_FMA(e, (FM_VD)1.90821492927058770002e-10, logm));
}

// Coefficient j of P(t)'s piece `piece` in every lane, from the table as the kernel receives it.
#if FM_W == 4
// Special.erfcxTablePadded (10 coefficients per piece, rows padded to 12): four rows read with plain
// loads and transposed (AVX2 gathers are slow on some cores).
#define FM_COEFFICIENTS_D(c, piece, table) { \
    int idx_[4]; \
    _mm_storeu_si128((__m128i *)idx_, _mm256_cvttpd_epi32((__m256d)(piece))); \
    const double *r0_ = (table) + 10 * idx_[0], *r1_ = (table) + 10 * idx_[1]; \
    const double *r2_ = (table) + 10 * idx_[2], *r3_ = (table) + 10 * idx_[3]; \
    for (int j_ = 0; j_ < 12; j_ += 4) { \
        const __m256d a0 = _mm256_loadu_pd(r0_ + j_), a1 = _mm256_loadu_pd(r1_ + j_); \
        const __m256d a2 = _mm256_loadu_pd(r2_ + j_), a3 = _mm256_loadu_pd(r3_ + j_); \
        const __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1); \
        const __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3); \
        c[j_] = (FM_VD)_mm256_permute2f128_pd(t0, t2, 0x20); \
        c[j_ + 1] = (FM_VD)_mm256_permute2f128_pd(t1, t3, 0x20); \
        c[j_ + 2] = (FM_VD)_mm256_permute2f128_pd(t0, t2, 0x31); \
        c[j_ + 3] = (FM_VD)_mm256_permute2f128_pd(t1, t3, 0x31); \
    } }
#define FM_COEFFICIENT_ROWS 12
#else
// Special.erfcxTableTransposed (coefficient j of piece k at 16 j + k): one vpermt2pd per coefficient.
#define FM_COEFFICIENTS_D(c, piece, table) { \
    const __m512i index_ = _mm512_cvttpd_epi64((__m512d)(piece)); \
    for (int j_ = 0; j_ < 10; j_++) \
        c[j_] = (FM_VD)_mm512_permutex2var_pd(_mm512_loadu_pd((table) + 16 * j_), index_, \
                                              _mm512_loadu_pd((table) + 16 * j_ + 8)); }
#define FM_COEFFICIENT_ROWS 10
#endif

// P(t) of FastGaussian.swift for t ∈ (0, 1]: 16 pieces of degree 9 in s = 2(16t − piece) − 1, by
// Estrin's scheme.
FM_INLINE FM_VD FM_FN(fm_bp_erfcx_series_d)(FM_VD t, const double *table) {
    const FM_VD scaled = t * 16.0;
    const FM_VD piece = FM_FN(fm_bp_mind)(__builtin_elementwise_floor(scaled), (FM_VD)15.0);
    const FM_VD s = 2.0 * (scaled - piece) - 1.0;
    FM_VD c[FM_COEFFICIENT_ROWS];
    FM_COEFFICIENTS_D(c, piece, table)
    const FM_VD s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    const FM_VD a = FM_FMA(s2, FM_FMA(c[3], s, c[2]), FM_FMA(c[1], s, c[0]));
    const FM_VD b = FM_FMA(s2, FM_FMA(c[7], s, c[6]), FM_FMA(c[5], s, c[4]));
    return FM_FMA(s8, FM_FMA(c[9], s, c[8]), FM_FMA(s4, b, a));
}

// H(x) = ½ t e^{P(t) − x²/2} for x ≥ 0, one minus that for x < 0, t = 2/(2 + |x|/√2) (Special.HFast).
FM_INLINE FM_VD FM_FN(fm_bp_h_d)(FM_VD x, const double *table) {
    const FM_VD y = __builtin_elementwise_abs(x) * 0.70710678118654752440;
    const FM_VD t = 2.0 / (2.0 + y);
    const FM_VD p = FM_FN(fm_bp_erfcx_series_d)(t, table);
    const FM_VD tail = (0.5 * t) * FM_FN(fm_bp_exp_d)(FM_FMA(-(0.5 * x), x, p));
    return FM_SELECT(FM_VD, FM_VL, x >= 0.0, tail, 1.0 - tail);
}

// ---- The first pass (perceptron pattern and committee unit) -----------------------------------------

// FM_W sites: m = tanh(h − u) = sign(hc)(1 − e)/(1 + e) with e = e^{−2|hc|}, v = x² · 4 e/(1 + e)² (stored),
// and their contributions to M and V.
FM_INLINE void FM_FN(fm_bp_pass1)(const int8_t *xi, const double *h, const float *u, double *m, double *v,
                                  long count, FM_VD *M, FM_VD *V) {
    const FM_VD x = FM_FN(fm_bp_load_x)(xi, count);
    const FM_VD hc = FM_FN(fm_bp_load_d)(h, count) - FM_FN(fm_bp_load_u)(u, count);
    const FM_VD e = FM_FN(fm_bp_exp_d)(-2.0 * __builtin_elementwise_abs(hc));
    const FM_VD r = 1.0 / (1.0 + e);
    const FM_VD magnitude = (1.0 - e) * r;
    const FM_VD mi = (FM_VD)((FM_VL)magnitude | ((FM_VL)hc & (FM_VL)(FM_VD)-0.0));
    const FM_VD vi = (x * x) * ((4.0 * e) * (r * r));
    FM_FN(fm_bp_store_d)(m, mi, count);
    FM_FN(fm_bp_store_d)(v, vi, count);
    *M = FM_FMA(x, mi, *M);
    *V = *V + vi;
}

// The first pass over n sites: m_i = tanh(h_i − u_i), v_i = x_i²(1 − m_i²) (stored) and the sums
// M = Σ x m, V = Σ v, as two independent chains of FM_W lanes, then one, then the last < FM_W sites.
FM_INLINE void FM_FN(fm_bp_first_pass)(const int8_t *xi, const double *h, const float *u, double *m, double *v,
                                       long n, double *bigM, double *bigV) {
    FM_VD M = (FM_VD)0.0, V = (FM_VD)0.0, M1 = (FM_VD)0.0, V1 = (FM_VD)0.0;
    long i = 0;
    for (; i + 2 * FM_W <= n; i += 2 * FM_W) {
        FM_FN(fm_bp_pass1)(xi + i, h + i, u + i, m + i, v + i, FM_W, &M, &V);
        FM_FN(fm_bp_pass1)(xi + i + FM_W, h + i + FM_W, u + i + FM_W, m + i + FM_W, v + i + FM_W, FM_W, &M1, &V1);
    }
    M = M + M1;
    V = V + V1;
    for (; i + FM_W <= n; i += FM_W) FM_FN(fm_bp_pass1)(xi + i, h + i, u + i, m + i, v + i, FM_W, &M, &V);
    if (i < n) FM_FN(fm_bp_pass1)(xi + i, h + i, u + i, m + i, v + i, n - i, &M, &V);
    *bigM = FM_FN(fm_bp_sum)(M);
    *bigV = FM_FN(fm_bp_sum)(V);
}

// The cavity arguments of FM_W sites: with M_i = M − x_i m_i, V_i = max(V − v_i, 1e-12) and a = θ − M_i,
// A = (a − x)/√V_i, B = (a + x)/√V_i and B − A = 2x/√V_i.
FM_INLINE void FM_FN(fm_bp_arguments)(const int8_t *xi, const double *m, const double *v, long count, double bigM,
                                      double bigV, double threshold, FM_VD *A, FM_VD *B, FM_VD *BA) {
    const FM_VD x = FM_FN(fm_bp_load_x)(xi, count);
    const FM_VD cavityM = FM_FMA(-x, FM_FN(fm_bp_load_d)(m, count), (FM_VD)bigM);
    const FM_VD cavityV = FM_FN(fm_bp_maxd)((FM_VD)bigV - FM_FN(fm_bp_load_d)(v, count), (FM_VD)1e-12);
    const FM_VD sc = 1.0 / __builtin_elementwise_sqrt(cavityV);
    const FM_VD a = threshold - cavityM;
    *A = (a - x) * sc;
    *B = (a + x) * sc;
    if (BA) *BA = (x + x) * sc;
}
