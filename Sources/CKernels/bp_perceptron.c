// BP for the binary perceptron on ±1 inputs, AVX2 and AVX-512 (CKernels.h, PerceptronBP.swift).
#include "bp_simd.h"

#if FM_X86
// ---- The message in single precision -------------------------------------------------------------------
//
// ½[log H(A) − log H(B)] (FastGaussian.swift's halfLogHRatio, same pieces and formulas) in float, eight
// lanes per instruction: e^x with a degree-7 Taylor polynomial after the Cody–Waite reduction (relative
// error < 3e-8 before rounding), log m by 2 atanh f to f⁹ (< 1e-9), and P(t) to degree 5 in s (the
// dropped coefficients are < 1e-10), its 16 × 6 coefficients selected per lane by two permutes and a
// blend (`table`: coefficient j of piece k at 16 j + k). A, B and B − A are formed in double and rounded
// once; the message then carries an absolute error of a few 1e-7 (messages are stored as Float: their
// own rounding is ≈ 6e-8 relative; BP's tolerance is 1e-5).

FM_AVX2_FMA __attribute__((always_inline)) static inline __m256 fm_exp_ps(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.0f), hi = _mm256_set1_ps(88.0f);
    const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ), over = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    const __m256 k = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    const __m256 r2 = _mm256_mul_ps(r, r), r4 = _mm256_mul_ps(r2, r2);
    #define FM_F(v) _mm256_set1_ps(v)
    const __m256 q0 = _mm256_fmadd_ps(_mm256_fmadd_ps(FM_F(1.0f / 6), r, FM_F(0.5f)), r2, _mm256_fmadd_ps(FM_F(1.0f), r, FM_F(1.0f)));
    const __m256 q1 = _mm256_fmadd_ps(_mm256_fmadd_ps(FM_F(1.0f / 5040), r, FM_F(1.0f / 720)), r2,
                                      _mm256_fmadd_ps(FM_F(1.0f / 120), r, FM_F(1.0f / 24)));
    #undef FM_F
    const __m256 p = _mm256_fmadd_ps(q1, r4, q0);
    const __m256i kbits = _mm256_slli_epi32(_mm256_cvtps_epi32(k), 23);
    __m256 result = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), kbits));
    result = _mm256_blendv_ps(result, _mm256_setzero_ps(), under);
    result = _mm256_blendv_ps(result, _mm256_set1_ps(__builtin_inff()), over);
    return _mm256_blendv_ps(result, x, nan);
}

// log x for positive normal floats.
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256 fm_log_ps(__m256 x) {
    const __m256i bits = _mm256_castps_si256(x);
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)),
                                                   _mm256_set1_epi32(0x3F800000)));
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    e = _mm256_add_ps(e, _mm256_and_ps(big, _mm256_set1_ps(1.0f)));
    const __m256 f = _mm256_div_ps(_mm256_sub_ps(m, _mm256_set1_ps(1.0f)), _mm256_add_ps(m, _mm256_set1_ps(1.0f)));
    const __m256 f2 = _mm256_mul_ps(f, f), f4 = _mm256_mul_ps(f2, f2);
    const __m256 g0 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 3), f2, _mm256_set1_ps(1.0f));
    const __m256 g1 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 7), f2, _mm256_set1_ps(1.0f / 5));
    const __m256 g = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(1.0f / 9), f4, g1), f4, g0);
    const __m256 logm = _mm256_mul_ps(_mm256_add_ps(f, f), g);
    return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693147180559945309f), logm);
}

FM_AVX2_FMA __attribute__((always_inline)) static inline __m256 fm_erfcx_series_ps(__m256 t, const float *table) {
    const __m256 scaled = _mm256_mul_ps(t, _mm256_set1_ps(16.0f));
    const __m256 piece = _mm256_min_ps(_mm256_floor_ps(scaled), _mm256_set1_ps(15.0f));
    const __m256 s = _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(2.0f), _mm256_sub_ps(scaled, piece)), _mm256_set1_ps(1.0f));
    const __m256i idx = _mm256_cvttps_epi32(piece);
    const __m256 upper = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7)));
    __m256 c[6];
    for (int j = 0; j < 6; j++) {
        const __m256 low = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 16 * j), idx);
        const __m256 high = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 16 * j + 8), idx);
        c[j] = _mm256_blendv_ps(low, high, upper);
    }
    const __m256 s2 = _mm256_mul_ps(s, s), s4 = _mm256_mul_ps(s2, s2);
    const __m256 a = _mm256_fmadd_ps(s2, _mm256_fmadd_ps(c[3], s, c[2]), _mm256_fmadd_ps(c[1], s, c[0]));
    return _mm256_fmadd_ps(s4, _mm256_fmadd_ps(c[5], s, c[4]), a);
}

FM_AVX2_FMA __attribute__((always_inline)) static inline __m256 fm_half_log_h_ratio_ps(__m256 A, __m256 B, __m256 BminusA, const float *table) {
    const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), two = _mm256_set1_ps(2.0f), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f), invSqrt2 = _mm256_set1_ps(0.707106781186547524f);
    const __m256 da = _mm256_fmadd_ps(_mm256_andnot_ps(sign, A), invSqrt2, two);
    const __m256 db = _mm256_fmadd_ps(_mm256_andnot_ps(sign, B), invSqrt2, two);
    const __m256 inv = _mm256_div_ps(one, _mm256_mul_ps(da, db));
    const __m256 ta = _mm256_mul_ps(_mm256_mul_ps(two, db), inv), tb = _mm256_mul_ps(_mm256_mul_ps(two, da), inv);
    const __m256 pa = fm_erfcx_series_ps(ta, table), pb = fm_erfcx_series_ps(tb, table);
    const __m256 qa = _mm256_fnmadd_ps(_mm256_mul_ps(half, A), A, pa);
    const __m256 qb = _mm256_fnmadd_ps(_mm256_mul_ps(half, B), B, pb);
    const __m256 aPos = _mm256_cmp_ps(A, zero, _CMP_GE_OQ), bPos = _mm256_cmp_ps(B, zero, _CMP_GE_OQ);
    const __m256 hada = _mm256_fnmadd_ps(_mm256_mul_ps(db, inv), _mm256_mul_ps(fm_exp_ps(qa), da), da);
    const __m256 hbdb = _mm256_fnmadd_ps(_mm256_mul_ps(da, inv), _mm256_mul_ps(fm_exp_ps(qb), db), db);
    const __m256 na = _mm256_blendv_ps(hada, one, aPos), nb = _mm256_blendv_ps(hbdb, one, bPos);
    const __m256 both = _mm256_and_ps(aPos, bPos);
    const __m256 restBoth = _mm256_fmadd_ps(_mm256_mul_ps(half, BminusA), _mm256_add_ps(B, A), _mm256_sub_ps(pa, pb));
    const __m256 restMixed = _mm256_sub_ps(_mm256_and_ps(aPos, qa), _mm256_and_ps(bPos, qb));
    const __m256 rest = _mm256_blendv_ps(restMixed, restBoth, both);
    const __m256 ratio = _mm256_div_ps(_mm256_mul_ps(na, db), _mm256_mul_ps(nb, da));
    return _mm256_mul_ps(half, _mm256_add_ps(fm_log_ps(ratio), rest));
}

FM_AVX2_FMA __attribute__((always_inline)) static inline __m256 fm_pack_pd_ps(__m256d low, __m256d high) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(low)), _mm256_cvtpd_ps(high), 1);
}

FM_AVX2_FMA void fm_half_log_h_ratio8_f32_avx2(const double *a, const double *b, float *out, const float *table) {
    const __m256d a0 = _mm256_loadu_pd(a), a1 = _mm256_loadu_pd(a + 4), b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 4);
    const __m256 A = fm_pack_pd_ps(a0, a1), B = fm_pack_pd_ps(b0, b1);
    const __m256 BA = fm_pack_pd_ps(_mm256_sub_pd(b0, a0), _mm256_sub_pd(b1, a1));
    _mm256_storeu_ps(out, fm_half_log_h_ratio_ps(A, B, BA, table));
}

// One pattern's update (CKernels.h): pass 1 and every sum (M, V, cavities, fields) in double, four sites
// per instruction; the message in single precision, eight sites per step.
FM_AVX2_FMA double fm_bp_pattern_f32_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                          double *m, double *v, long n, double threshold, double damping,
                                          const float *table) {
    double bigM, bigV;
    fm_bp_first_pass(xi, h, u, m, v, n, &bigM, &bigV);
    const __m256d Mv = _mm256_set1_pd(bigM), Vv = _mm256_set1_pd(bigV), thr = _mm256_set1_pd(threshold);
    const __m256 d = _mm256_set1_ps((float)damping), d1 = _mm256_set1_ps((float)(1 - damping));
    const __m256 signF = _mm256_set1_ps(-0.0f), limit = _mm256_set1_ps(30.0f);
    __m256 change = _mm256_setzero_ps(), nanSeen = _mm256_setzero_ps();
    for (long j = 0; j < n; j += 8) {
        const long count = n - j < 8 ? n - j : 8;
        int8_t xb[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        double mb[8] = {0}, vb[8] = {0};
        float ub[8] = {0};
        const int8_t *xs = xi + j;
        const double *ms = m + j, *vs = v + j;
        const float *us = u + j;
        if (count < 8) {
            for (long k = 0; k < count; k++) { xb[k] = xi[j + k]; mb[k] = m[j + k]; vb[k] = v[j + k]; ub[k] = u[j + k]; }
            xs = xb; ms = mb; vs = vb; us = ub;
        }
        __m256d A[2], B[2], BA[2];
        for (int half = 0; half < 2; half++) {
            const __m256d x = fm_load_i8_pd(xs + 4 * half);
            const __m256d cavityM = _mm256_fnmadd_pd(x, _mm256_loadu_pd(ms + 4 * half), Mv);
            const __m256d cavityV = _mm256_max_pd(_mm256_sub_pd(Vv, _mm256_loadu_pd(vs + 4 * half)), _mm256_set1_pd(1e-12));
            const __m256d sc = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_sqrt_pd(cavityV));
            const __m256d a = _mm256_sub_pd(thr, cavityM);
            A[half] = _mm256_mul_pd(_mm256_sub_pd(a, x), sc);
            B[half] = _mm256_mul_pd(_mm256_add_pd(a, x), sc);
            BA[half] = _mm256_mul_pd(_mm256_add_pd(x, x), sc);
        }
        __m256 fresh = fm_half_log_h_ratio_ps(fm_pack_pd_ps(A[0], A[1]), fm_pack_pd_ps(B[0], B[1]),
                                              fm_pack_pd_ps(BA[0], BA[1]), table);
        const __m256 isNan = _mm256_cmp_ps(fresh, fresh, _CMP_UNORD_Q);
        fresh = _mm256_blendv_ps(_mm256_min_ps(_mm256_max_ps(fresh, _mm256_sub_ps(_mm256_setzero_ps(), limit)), limit), fresh, isNan);
        const __m256 old = _mm256_loadu_ps(us);
        const __m256 next = _mm256_fmadd_ps(d, old, _mm256_mul_ps(d1, fresh));
        const __m256 diff = _mm256_sub_ps(next, old);
        __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)count),
                                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        nanSeen = _mm256_or_ps(nanSeen, _mm256_and_ps(valid, _mm256_cmp_ps(diff, diff, _CMP_UNORD_Q)));
        change = _mm256_max_ps(change, _mm256_and_ps(valid, _mm256_andnot_ps(signF, diff)));
        const __m256d next0 = _mm256_cvtps_pd(_mm256_castps256_ps128(next)), next1 = _mm256_cvtps_pd(_mm256_extractf128_ps(next, 1));
        const __m256d diff0 = _mm256_cvtps_pd(_mm256_castps256_ps128(diff)), diff1 = _mm256_cvtps_pd(_mm256_extractf128_ps(diff, 1));
        if (count == 8) {
            _mm256_storeu_ps(u + j, next);
            if (sum) {
                _mm256_storeu_pd(sum + j, _mm256_add_pd(_mm256_loadu_pd(sum + j), next0));
                _mm256_storeu_pd(sum + j + 4, _mm256_add_pd(_mm256_loadu_pd(sum + j + 4), next1));
            } else if (cavity) {
                _mm256_storeu_pd(cavity + j, _mm256_add_pd(_mm256_loadu_pd(cavity + j), diff0));
                _mm256_storeu_pd(cavity + j + 4, _mm256_add_pd(_mm256_loadu_pd(cavity + j + 4), diff1));
                _mm256_storeu_pd(h + j, _mm256_add_pd(_mm256_loadu_pd(h + j), diff0));
                _mm256_storeu_pd(h + j + 4, _mm256_add_pd(_mm256_loadu_pd(h + j + 4), diff1));
            }
        } else {
            float nf[8];
            double nd[8], dd[8];
            _mm256_storeu_ps(nf, next);
            _mm256_storeu_pd(nd, next0); _mm256_storeu_pd(nd + 4, next1);
            _mm256_storeu_pd(dd, diff0); _mm256_storeu_pd(dd + 4, diff1);
            for (long k = 0; k < count; k++) {
                u[j + k] = nf[k];
                if (sum) sum[j + k] += nd[k];
                else if (cavity) { cavity[j + k] += dd[k]; h[j + k] += dd[k]; }
            }
        }
    }
    float cl[8];
    _mm256_storeu_ps(cl, change);
    double result = cl[0];
    for (int k = 1; k < 8; k++) if (cl[k] > result) result = cl[k];
    if (_mm256_movemask_ps(nanSeen)) return __builtin_nan("");
    return result;
}

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512 fm_exp_ps16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.0f), hi = _mm512_set1_ps(88.0f);
    const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ), over = _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    const __m512 r2 = _mm512_mul_ps(r, r), r4 = _mm512_mul_ps(r2, r2);
    #define FM_F(v) _mm512_set1_ps(v)
    const __m512 q0 = _mm512_fmadd_ps(_mm512_fmadd_ps(FM_F(1.0f / 6), r, FM_F(0.5f)), r2, _mm512_fmadd_ps(FM_F(1.0f), r, FM_F(1.0f)));
    const __m512 q1 = _mm512_fmadd_ps(_mm512_fmadd_ps(FM_F(1.0f / 5040), r, FM_F(1.0f / 720)), r2,
                                      _mm512_fmadd_ps(FM_F(1.0f / 120), r, FM_F(1.0f / 24)));
    #undef FM_F
    const __m512 p = _mm512_fmadd_ps(q1, r4, q0);
    const __m512i kbits = _mm512_slli_epi32(_mm512_cvtps_epi32(k), 23);
    __m512 result = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), kbits));
    result = _mm512_mask_blend_ps(under, result, _mm512_setzero_ps());
    result = _mm512_mask_blend_ps(over, result, _mm512_set1_ps(__builtin_inff()));
    return _mm512_mask_blend_ps(nan, result, x);
}

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512 fm_log_ps16(__m512 x) {
    const __m512i bits = _mm512_castps_si512(x);
    __m512 m = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007FFFFF)),
                                                   _mm512_set1_epi32(0x3F800000)));
    __m512 e = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(127)));
    const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, big, e, _mm512_set1_ps(1.0f));
    const __m512 f = _mm512_div_ps(_mm512_sub_ps(m, _mm512_set1_ps(1.0f)), _mm512_add_ps(m, _mm512_set1_ps(1.0f)));
    const __m512 f2 = _mm512_mul_ps(f, f), f4 = _mm512_mul_ps(f2, f2);
    const __m512 g0 = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 3), f2, _mm512_set1_ps(1.0f));
    const __m512 g1 = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 7), f2, _mm512_set1_ps(1.0f / 5));
    const __m512 g = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(1.0f / 9), f4, g1), f4, g0);
    const __m512 logm = _mm512_mul_ps(_mm512_add_ps(f, f), g);
    return _mm512_fmadd_ps(e, _mm512_set1_ps(0.693147180559945309f), logm);
}

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512 fm_erfcx_series_ps16(__m512 t, const float *table) {
    const __m512 scaled = _mm512_mul_ps(t, _mm512_set1_ps(16.0f));
    const __m512 piece = _mm512_min_ps(_mm512_roundscale_ps(scaled, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC), _mm512_set1_ps(15.0f));
    const __m512 s = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(2.0f), _mm512_sub_ps(scaled, piece)), _mm512_set1_ps(1.0f));
    const __m512i idx = _mm512_cvttps_epi32(piece);
    __m512 c[6];
    for (int j = 0; j < 6; j++) c[j] = _mm512_permutexvar_ps(idx, _mm512_loadu_ps(table + 16 * j));
    const __m512 s2 = _mm512_mul_ps(s, s), s4 = _mm512_mul_ps(s2, s2);
    const __m512 a = _mm512_fmadd_ps(s2, _mm512_fmadd_ps(c[3], s, c[2]), _mm512_fmadd_ps(c[1], s, c[0]));
    return _mm512_fmadd_ps(s4, _mm512_fmadd_ps(c[5], s, c[4]), a);
}

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512 fm_half_log_h_ratio_ps16(__m512 A, __m512 B, __m512 BminusA, const float *table) {
    const __m512 zero = _mm512_setzero_ps(), half = _mm512_set1_ps(0.5f), two = _mm512_set1_ps(2.0f), one = _mm512_set1_ps(1.0f);
    const __m512 invSqrt2 = _mm512_set1_ps(0.707106781186547524f);
    const __m512 da = _mm512_fmadd_ps(_mm512_abs_ps(A), invSqrt2, two);
    const __m512 db = _mm512_fmadd_ps(_mm512_abs_ps(B), invSqrt2, two);
    const __m512 inv = _mm512_div_ps(one, _mm512_mul_ps(da, db));
    const __m512 ta = _mm512_mul_ps(_mm512_mul_ps(two, db), inv), tb = _mm512_mul_ps(_mm512_mul_ps(two, da), inv);
    const __m512 pa = fm_erfcx_series_ps16(ta, table), pb = fm_erfcx_series_ps16(tb, table);
    const __m512 qa = _mm512_fnmadd_ps(_mm512_mul_ps(half, A), A, pa);
    const __m512 qb = _mm512_fnmadd_ps(_mm512_mul_ps(half, B), B, pb);
    const __mmask16 aPos = _mm512_cmp_ps_mask(A, zero, _CMP_GE_OQ), bPos = _mm512_cmp_ps_mask(B, zero, _CMP_GE_OQ);
    const __m512 hada = _mm512_fnmadd_ps(_mm512_mul_ps(db, inv), _mm512_mul_ps(fm_exp_ps16(qa), da), da);
    const __m512 hbdb = _mm512_fnmadd_ps(_mm512_mul_ps(da, inv), _mm512_mul_ps(fm_exp_ps16(qb), db), db);
    const __m512 na = _mm512_mask_blend_ps(aPos, hada, one), nb = _mm512_mask_blend_ps(bPos, hbdb, one);
    const __m512 restBoth = _mm512_fmadd_ps(_mm512_mul_ps(half, BminusA), _mm512_add_ps(B, A), _mm512_sub_ps(pa, pb));
    const __m512 restMixed = _mm512_sub_ps(_mm512_maskz_mov_ps(aPos, qa), _mm512_maskz_mov_ps(bPos, qb));
    const __m512 rest = _mm512_mask_blend_ps(aPos & bPos, restMixed, restBoth);
    const __m512 ratio = _mm512_div_ps(_mm512_mul_ps(na, db), _mm512_mul_ps(nb, da));
    return _mm512_mul_ps(half, _mm512_add_ps(fm_log_ps16(ratio), rest));
}

FM_AVX512_FMA __attribute__((always_inline)) static inline __m512 fm_pack_pd_ps16(__m512d low, __m512d high) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(low)), _mm512_cvtpd_ps(high), 1);
}

FM_AVX512_FMA void fm_half_log_h_ratio16_f32_avx512(const double *a, const double *b, float *out, const float *table) {
    const __m512d a0 = _mm512_loadu_pd(a), a1 = _mm512_loadu_pd(a + 8), b0 = _mm512_loadu_pd(b), b1 = _mm512_loadu_pd(b + 8);
    const __m512 A = fm_pack_pd_ps16(a0, a1), B = fm_pack_pd_ps16(b0, b1);
    const __m512 BA = fm_pack_pd_ps16(_mm512_sub_pd(b0, a0), _mm512_sub_pd(b1, a1));
    _mm512_storeu_ps(out, fm_half_log_h_ratio_ps16(A, B, BA, table));
}


FM_AVX512_FMA double fm_bp_pattern_f32_avx512(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                              double *m, double *v, long n, double threshold, double damping,
                                              const float *table) {
    // First pass: two chains of eight sites.
    __m512d M = _mm512_setzero_pd(), V = M, M1 = M, V1 = M;
    for (long i = 0; i < n; i += 16) {
        const long left = n - i;
        const __mmask8 first = left >= 8 ? 0xFF : (__mmask8)((1u << left) - 1);
        const __mmask8 second = left >= 16 ? 0xFF : (left > 8 ? (__mmask8)((1u << (left - 8)) - 1) : 0);
        fm_bp_pass1_8(xi + i, h + i, u + i, m + i, v + i, first, &M, &V);
        if (second) fm_bp_pass1_8(xi + i + 8, h + i + 8, u + i + 8, m + i + 8, v + i + 8, second, &M1, &V1);
    }
    const double bigM = _mm512_reduce_add_pd(_mm512_add_pd(M, M1)), bigV = _mm512_reduce_add_pd(_mm512_add_pd(V, V1));
    const __m512d Mv = _mm512_set1_pd(bigM), Vv = _mm512_set1_pd(bigV), thr = _mm512_set1_pd(threshold);
    const __m512 d = _mm512_set1_ps((float)damping), d1 = _mm512_set1_ps((float)(1 - damping));
    const __m512 limit = _mm512_set1_ps(30.0f);
    __m512 change = _mm512_setzero_ps();
    __mmask16 nanSeen = 0;
    for (long j = 0; j < n; j += 16) {
        const long count = n - j < 16 ? n - j : 16;
        const __mmask16 valid = count == 16 ? 0xFFFF : (__mmask16)((1u << count) - 1);
        const __mmask8 lanes[2] = {(__mmask8)valid, (__mmask8)(valid >> 8)};
        __m512d A[2], B[2], BA[2];
        for (int half = 0; half < 2; half++) {
            const long at = j + 8 * half;
            const __m512d x = fm_load_i8_pd8(xi + at, lanes[half]);
            const __m512d cavityM = _mm512_fnmadd_pd(x, _mm512_maskz_loadu_pd(lanes[half], m + at), Mv);
            const __m512d cavityV = _mm512_max_pd(_mm512_sub_pd(Vv, _mm512_maskz_loadu_pd(lanes[half], v + at)), _mm512_set1_pd(1e-12));
            const __m512d sc = _mm512_div_pd(_mm512_set1_pd(1.0), _mm512_sqrt_pd(cavityV));
            const __m512d a = _mm512_sub_pd(thr, cavityM);
            A[half] = _mm512_mul_pd(_mm512_sub_pd(a, x), sc);
            B[half] = _mm512_mul_pd(_mm512_add_pd(a, x), sc);
            BA[half] = _mm512_mul_pd(_mm512_add_pd(x, x), sc);
        }
        __m512 fresh = fm_half_log_h_ratio_ps16(fm_pack_pd_ps16(A[0], A[1]), fm_pack_pd_ps16(B[0], B[1]),
                                                fm_pack_pd_ps16(BA[0], BA[1]), table);
        const __mmask16 isNan = _mm512_cmp_ps_mask(fresh, fresh, _CMP_UNORD_Q);
        fresh = _mm512_mask_blend_ps(isNan, _mm512_min_ps(_mm512_max_ps(fresh, _mm512_sub_ps(_mm512_setzero_ps(), limit)), limit), fresh);
        const __m512 old = _mm512_maskz_loadu_ps(valid, u + j);
        const __m512 next = _mm512_fmadd_ps(d, old, _mm512_mul_ps(d1, fresh));
        const __m512 diff = _mm512_sub_ps(next, old);
        nanSeen |= valid & _mm512_cmp_ps_mask(diff, diff, _CMP_UNORD_Q);
        change = _mm512_mask_max_ps(change, valid, change, _mm512_abs_ps(diff));
        _mm512_mask_storeu_ps(u + j, valid, next);
        const __m512d parts[2][2] = {{_mm512_cvtps_pd(_mm512_castps512_ps256(next)), _mm512_cvtps_pd(_mm512_extractf32x8_ps(next, 1))},
                                     {_mm512_cvtps_pd(_mm512_castps512_ps256(diff)), _mm512_cvtps_pd(_mm512_extractf32x8_ps(diff, 1))}};
        for (int half = 0; half < 2; half++) {
            const long at = j + 8 * half;
            if (!lanes[half]) continue;
            if (sum) {
                _mm512_mask_storeu_pd(sum + at, lanes[half], _mm512_add_pd(_mm512_maskz_loadu_pd(lanes[half], sum + at), parts[0][half]));
            } else if (cavity) {
                _mm512_mask_storeu_pd(cavity + at, lanes[half], _mm512_add_pd(_mm512_maskz_loadu_pd(lanes[half], cavity + at), parts[1][half]));
                _mm512_mask_storeu_pd(h + at, lanes[half], _mm512_add_pd(_mm512_maskz_loadu_pd(lanes[half], h + at), parts[1][half]));
            }
        }
    }
    if (nanSeen) return __builtin_nan("");
    return _mm512_reduce_max_ps(change);
}
#endif
