// Vector e^x, log x, P(t) and the first pass shared by the perceptron and committee BP kernels.
#ifndef FLATMINIMA_BP_SIMD_H
#define FLATMINIMA_BP_SIMD_H
#include "internal.h"

#if FM_X86
// ---- BP for the binary perceptron: first pass in double (vector e^x), the message in single precision

#define FM_AVX2_FMA __attribute__((target("avx2,fma")))

// e^x: x = k ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts), e^r by its Taylor series to r^13
// (relative error < 2e-16), times 2^k built in the exponent bits. Arguments below −708 give 0, above
// 709 +inf; NaN stays NaN.
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_exp_pd(__m256d x) {
    const __m256d lo = _mm256_set1_pd(-708.0), hi = _mm256_set1_pd(709.0);
    const __m256d under = _mm256_cmp_pd(x, lo, _CMP_LT_OQ), over = _mm256_cmp_pd(x, hi, _CMP_GT_OQ);
    const __m256d nan = _mm256_cmp_pd(x, x, _CMP_UNORD_Q);
    const __m256d xc = _mm256_min_pd(_mm256_max_pd(x, lo), hi);
    const __m256d k = _mm256_round_pd(_mm256_mul_pd(xc, _mm256_set1_pd(1.4426950408889634)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(6.93147180369123816490e-01), xc);
    r = _mm256_fnmadd_pd(k, _mm256_set1_pd(1.90821492927058770002e-10), r);
    static const double c[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                 1.0 / 479001600, 1.0 / 6227020800.0};
    // Estrin's scheme: a dependency chain of depth 5 instead of Horner's 13 (the kernel is latency-bound).
    #define FM_C(j) _mm256_set1_pd(c[j])
    const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    const __m256d q0 = _mm256_fmadd_pd(_mm256_fmadd_pd(FM_C(3), r, FM_C(2)), r2, _mm256_fmadd_pd(FM_C(1), r, FM_C(0)));
    const __m256d q1 = _mm256_fmadd_pd(_mm256_fmadd_pd(FM_C(7), r, FM_C(6)), r2, _mm256_fmadd_pd(FM_C(5), r, FM_C(4)));
    const __m256d q2 = _mm256_fmadd_pd(_mm256_fmadd_pd(FM_C(11), r, FM_C(10)), r2, _mm256_fmadd_pd(FM_C(9), r, FM_C(8)));
    const __m256d q3 = _mm256_fmadd_pd(FM_C(13), r, FM_C(12));
    const __m256d p = _mm256_fmadd_pd(_mm256_fmadd_pd(q3, r4, q2), r8, _mm256_fmadd_pd(q1, r4, q0));
    #undef FM_C
    // 2^k: k ∈ [−1022, 1023] after the clamp, added to the exponent field.
    const __m128i k32 = _mm256_cvtpd_epi32(k);
    const __m256i k64 = _mm256_slli_epi64(_mm256_cvtepi32_epi64(k32), 52);
    __m256d result = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(p), k64));
    result = _mm256_blendv_pd(result, _mm256_setzero_pd(), under);
    result = _mm256_blendv_pd(result, _mm256_set1_pd(__builtin_inf()), over);
    return _mm256_blendv_pd(result, x, nan);
}

// log x for positive normal x: x = 2^e · m with m ∈ [√½, √2), log m = 2 atanh f with f = (m − 1)/(m + 1),
// |f| ≤ 0.1716, by its series to f^21 (relative error < 1e-16).
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_log_pd(__m256d x) {
    const __m256i bits = _mm256_castpd_si256(x);
    const __m256i mantissaMask = _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL);
    const __m256i one = _mm256_set1_epi64x(0x3FF0000000000000LL);
    __m256d m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mantissaMask), one));
    // Exponent as double: ((bits >> 52) & 0x7ff) − 1023.
    const __m256i ebits = _mm256_and_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x7FF));
    // int64 → double for small values: add 2^52 as a double bit pattern and subtract.
    const __m256d magic = _mm256_set1_pd(4503599627370496.0);
    __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(ebits, _mm256_castpd_si256(magic))), magic);
    e = _mm256_sub_pd(e, _mm256_set1_pd(1023.0));
    const __m256d big = _mm256_cmp_pd(m, _mm256_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
    e = _mm256_add_pd(e, _mm256_and_pd(big, _mm256_set1_pd(1.0)));
    const __m256d f = _mm256_div_pd(_mm256_sub_pd(m, _mm256_set1_pd(1.0)), _mm256_add_pd(m, _mm256_set1_pd(1.0)));
    const __m256d f2 = _mm256_mul_pd(f, f);
    // Σ_{j ≤ 10} f2^j/(2j + 1) by Estrin's scheme (depth 4).
    #define FM_D(j) _mm256_set1_pd(1.0 / (2 * (j) + 1))
    const __m256d z2 = _mm256_mul_pd(f2, f2), z4 = _mm256_mul_pd(z2, z2), z8 = _mm256_mul_pd(z4, z4);
    const __m256d g0 = _mm256_fmadd_pd(_mm256_fmadd_pd(FM_D(3), f2, FM_D(2)), z2, _mm256_fmadd_pd(FM_D(1), f2, FM_D(0)));
    const __m256d g1 = _mm256_fmadd_pd(_mm256_fmadd_pd(FM_D(7), f2, FM_D(6)), z2, _mm256_fmadd_pd(FM_D(5), f2, FM_D(4)));
    const __m256d g2 = _mm256_fmadd_pd(FM_D(10), z2, _mm256_fmadd_pd(FM_D(9), f2, FM_D(8)));
    const __m256d s = _mm256_fmadd_pd(g2, z8, _mm256_fmadd_pd(g1, z4, g0));
    #undef FM_D
    const __m256d logm = _mm256_mul_pd(_mm256_add_pd(f, f), s);
    return _mm256_fmadd_pd(e, _mm256_set1_pd(6.93147180369123816490e-01),
                           _mm256_fmadd_pd(e, _mm256_set1_pd(1.90821492927058770002e-10), logm));
}

// P(t) of FastGaussian.swift for t ∈ (0, 1]: 16 pieces of degree 9, evaluated by Estrin's scheme.
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_erfcx_series_pd(__m256d t, const double *table) {
    const __m256d scaled = _mm256_mul_pd(t, _mm256_set1_pd(16.0));
    __m256d piece = _mm256_floor_pd(scaled);
    piece = _mm256_min_pd(piece, _mm256_set1_pd(15.0));
    const __m256d s = _mm256_sub_pd(_mm256_mul_pd(_mm256_set1_pd(2.0), _mm256_sub_pd(scaled, piece)), _mm256_set1_pd(1.0));
    // Four rows of the table, one per lane, read with plain loads (AVX2 gathers are slow on Zen 2).
    int idx[4];
    _mm_storeu_si128((__m128i *)idx, _mm256_cvttpd_epi32(piece));
    const double *r0 = table + 10 * idx[0], *r1 = table + 10 * idx[1], *r2 = table + 10 * idx[2], *r3 = table + 10 * idx[3];
    // Coefficients j..j+3 of the four rows, transposed so that c[j] holds coefficient j of every lane
    // (the table is padded so that reading 12 per row stays inside it).
    __m256d c[12];
    for (int j = 0; j < 12; j += 4) {
        const __m256d a0 = _mm256_loadu_pd(r0 + j), a1 = _mm256_loadu_pd(r1 + j);
        const __m256d a2 = _mm256_loadu_pd(r2 + j), a3 = _mm256_loadu_pd(r3 + j);
        const __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
        const __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
        c[j] = _mm256_permute2f128_pd(t0, t2, 0x20);
        c[j + 1] = _mm256_permute2f128_pd(t1, t3, 0x20);
        c[j + 2] = _mm256_permute2f128_pd(t0, t2, 0x31);
        c[j + 3] = _mm256_permute2f128_pd(t1, t3, 0x31);
    }
    const __m256d s2 = _mm256_mul_pd(s, s), s4 = _mm256_mul_pd(s2, s2), s8 = _mm256_mul_pd(s4, s4);
    const __m256d a = _mm256_fmadd_pd(s2, _mm256_fmadd_pd(c[3], s, c[2]), _mm256_fmadd_pd(c[1], s, c[0]));
    const __m256d b = _mm256_fmadd_pd(s2, _mm256_fmadd_pd(c[7], s, c[6]), _mm256_fmadd_pd(c[5], s, c[4]));
    return _mm256_fmadd_pd(s8, _mm256_fmadd_pd(c[9], s, c[8]), _mm256_fmadd_pd(s4, b, a));
}


// Pass 1 on four sites: m, v (stored) and their contributions to M and V.
FM_AVX2_FMA __attribute__((always_inline)) static inline void fm_bp_pass1(__m256d x, __m256d hs, __m256d us, double *m, double *v, __m256d *M, __m256d *V) {
    const __m256d sign = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    const __m256d hc = _mm256_sub_pd(hs, us);
    const __m256d e = fm_exp_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), _mm256_andnot_pd(sign, hc)));
    const __m256d r = _mm256_div_pd(one, _mm256_add_pd(one, e));
    // m = sign(hc) (1 − e)/(1 + e), v = x² · 4 e r².
    const __m256d mag = _mm256_mul_pd(_mm256_sub_pd(one, e), r);
    const __m256d mi = _mm256_or_pd(mag, _mm256_and_pd(sign, hc));
    const __m256d vi = _mm256_mul_pd(_mm256_mul_pd(x, x), _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(4.0), e), _mm256_mul_pd(r, r)));
    _mm256_storeu_pd(m, mi);
    _mm256_storeu_pd(v, vi);
    *M = _mm256_fmadd_pd(x, mi, *M);
    *V = _mm256_add_pd(*V, vi);
}

FM_AVX2_FMA static inline __m256d fm_load_i8_pd(const int8_t *x) {
    int32_t word;
    __builtin_memcpy(&word, x, 4);
    return _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(word)));
}

// The first pass over n sites: m_i = tanh(h_i − u_i), v_i = x_i²(1 − m_i²) (stored) and the sums
// M = Σ x m, V = Σ v, as two independent four-lane chains (the perceptron's pattern and a committee unit).
FM_AVX2_FMA __attribute__((always_inline)) static inline void fm_bp_first_pass(const int8_t *xi, const double *h, const float *u,
                                                                               double *m, double *v, long n,
                                                                               double *bigM, double *bigV) {
    __m256d M = _mm256_setzero_pd(), V = _mm256_setzero_pd(), M1 = _mm256_setzero_pd(), V1 = _mm256_setzero_pd();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        fm_bp_pass1(fm_load_i8_pd(xi + i), _mm256_loadu_pd(h + i), _mm256_cvtps_pd(_mm_loadu_ps(u + i)), m + i, v + i, &M, &V);
        fm_bp_pass1(fm_load_i8_pd(xi + i + 4), _mm256_loadu_pd(h + i + 4), _mm256_cvtps_pd(_mm_loadu_ps(u + i + 4)),
                    m + i + 4, v + i + 4, &M1, &V1);
    }
    M = _mm256_add_pd(M, M1);
    V = _mm256_add_pd(V, V1);
    for (; i + 4 <= n; i += 4)
        fm_bp_pass1(fm_load_i8_pd(xi + i), _mm256_loadu_pd(h + i), _mm256_cvtps_pd(_mm_loadu_ps(u + i)), m + i, v + i, &M, &V);
    if (i < n) {
        int8_t xt[4] = {0, 0, 0, 0};
        double ht[4] = {0, 0, 0, 0}, ut[4] = {0, 0, 0, 0}, mt[4], vt[4];
        for (long j = i; j < n; j++) { xt[j - i] = xi[j]; ht[j - i] = h[j]; ut[j - i] = u[j]; }
        fm_bp_pass1(fm_load_i8_pd(xt), _mm256_loadu_pd(ht), _mm256_loadu_pd(ut), mt, vt, &M, &V);
        for (long j = i; j < n; j++) { m[j] = mt[j - i]; v[j] = vt[j - i]; }
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, M);
    *bigM = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    _mm256_storeu_pd(lanes, V);
    *bigV = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
// ---- The same pattern update with AVX-512: eight doubles and sixteen floats per instruction ------------
//
// fm_bp_pattern_f32_avx2's equations and polynomials, lane for lane; the erfcx coefficients come from the
// transposed float table by one vpermps per coefficient (16 pieces, one register), tails by masked loads
// and stores. The sums M and V run over eight lanes instead of four, so results agree with the AVX2
// kernel's to rounding (a few 1e−16 in M and V), not to the bit; the message keeps its accuracy of a few
// 1e−7 (VectorKernelTests).
#define FM_AVX512_FMA __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512d fm_exp_pd8(__m512d x) {
    const __m512d lo = _mm512_set1_pd(-708.0), hi = _mm512_set1_pd(709.0);
    const __mmask8 under = _mm512_cmp_pd_mask(x, lo, _CMP_LT_OQ), over = _mm512_cmp_pd_mask(x, hi, _CMP_GT_OQ);
    const __mmask8 nan = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
    const __m512d xc = _mm512_min_pd(_mm512_max_pd(x, lo), hi);
    const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(xc, _mm512_set1_pd(1.4426950408889634)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(6.93147180369123816490e-01), xc);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.90821492927058770002e-10), r);
    static const double c[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                 1.0 / 479001600, 1.0 / 6227020800.0};
    #define FM_C(j) _mm512_set1_pd(c[j])
    const __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2), r8 = _mm512_mul_pd(r4, r4);
    const __m512d q0 = _mm512_fmadd_pd(_mm512_fmadd_pd(FM_C(3), r, FM_C(2)), r2, _mm512_fmadd_pd(FM_C(1), r, FM_C(0)));
    const __m512d q1 = _mm512_fmadd_pd(_mm512_fmadd_pd(FM_C(7), r, FM_C(6)), r2, _mm512_fmadd_pd(FM_C(5), r, FM_C(4)));
    const __m512d q2 = _mm512_fmadd_pd(_mm512_fmadd_pd(FM_C(11), r, FM_C(10)), r2, _mm512_fmadd_pd(FM_C(9), r, FM_C(8)));
    const __m512d q3 = _mm512_fmadd_pd(FM_C(13), r, FM_C(12));
    const __m512d p = _mm512_fmadd_pd(_mm512_fmadd_pd(q3, r4, q2), r8, _mm512_fmadd_pd(q1, r4, q0));
    #undef FM_C
    const __m512i k64 = _mm512_slli_epi64(_mm512_cvtepi32_epi64(_mm512_cvtpd_epi32(k)), 52);
    __m512d result = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(p), k64));
    result = _mm512_mask_blend_pd(under, result, _mm512_setzero_pd());
    result = _mm512_mask_blend_pd(over, result, _mm512_set1_pd(__builtin_inf()));
    return _mm512_mask_blend_pd(nan, result, x);
}

// Sites i … i + 7 (those of `lanes`) as doubles: x (from Int8), and the first pass's m, v (stored) with
// their contributions to M and V.
FM_AVX512_FMA __attribute__((always_inline)) static inline __m512d fm_load_i8_pd8(const int8_t *x, __mmask8 lanes) {
    return _mm512_cvtepi32_pd(_mm256_cvtepi8_epi32(_mm_maskz_loadu_epi8(lanes, x)));
}

FM_AVX512_FMA __attribute__((always_inline)) static inline void fm_bp_pass1_8(const int8_t *xi, const double *h, const float *u,
                                                                             double *m, double *v, __mmask8 lanes,
                                                                             __m512d *M, __m512d *V) {
    const __m512d x = fm_load_i8_pd8(xi, lanes), one = _mm512_set1_pd(1.0);
    const __m512d hc = _mm512_sub_pd(_mm512_maskz_loadu_pd(lanes, h), _mm512_cvtps_pd(_mm256_maskz_loadu_ps(lanes, u)));
    const __m512d e = fm_exp_pd8(_mm512_mul_pd(_mm512_set1_pd(-2.0), _mm512_abs_pd(hc)));
    const __m512d r = _mm512_div_pd(one, _mm512_add_pd(one, e));
    const __m512d mag = _mm512_mul_pd(_mm512_sub_pd(one, e), r);
    const __m512d mi = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(mag),
                                                           _mm512_and_si512(_mm512_castpd_si512(hc), _mm512_set1_epi64((long long)0x8000000000000000ULL))));
    const __m512d vi = _mm512_mul_pd(_mm512_mul_pd(x, x), _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(4.0), e), _mm512_mul_pd(r, r)));
    _mm512_mask_storeu_pd(m, lanes, mi);
    _mm512_mask_storeu_pd(v, lanes, vi);
    *M = _mm512_fmadd_pd(x, mi, *M);
    *V = _mm512_add_pd(*V, vi);
}
#endif
#endif
