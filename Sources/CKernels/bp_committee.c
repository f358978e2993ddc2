// BP for committee machines, one hidden unit (CKernels.h, CommitteeBP.swift).
#include "bp_simd.h"

#if FM_X86
FM_AVX2_FMA void fm_exp4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_exp_pd(_mm256_loadu_pd(in))); }
FM_AVX2_FMA void fm_log4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_log_pd(_mm256_loadu_pd(in))); }

// ---- BP for committee machines: one hidden unit's edges of one pattern (CommitteeBP.swift) ----------------

// H(x) = ½ t e^{P(t) − x²/2} for x ≥ 0, one minus that for x < 0, t = 2/(2 + |x|/√2) (Special.HFast).
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_h_pd(__m256d x, const double *table) {
    const __m256d sign = _mm256_set1_pd(-0.0), half = _mm256_set1_pd(0.5);
    const __m256d y = _mm256_mul_pd(_mm256_andnot_pd(sign, x), _mm256_set1_pd(0.70710678118654752440));
    const __m256d t = _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(_mm256_set1_pd(2.0), y));
    const __m256d p = fm_erfcx_series_pd(t, table);
    const __m256d tail = _mm256_mul_pd(_mm256_mul_pd(half, t), fm_exp_pd(_mm256_fnmadd_pd(_mm256_mul_pd(half, x), x, p)));
    const __m256d positive = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GE_OQ);
    return _mm256_blendv_pd(_mm256_sub_pd(_mm256_set1_pd(1.0), tail), tail, positive);
}

// Pass 1 of one unit: m, v of its `fan` edges and the sums M = Σ x m, V = Σ v (the perceptron's first pass).
FM_AVX2_FMA void fm_committee_unit_sums_avx2(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                             long fan, double *bigM, double *bigV) {
    fm_bp_first_pass(x, h, u, m, v, fan, bigM, bigV);
}

// The unit's new messages: fresh_i = clamp(½ log[(c + 2t H(A_i))/(c + 2t H(B_i))], ±30) with
// A, B = (θ − M_i ∓ x_i)/√V_i, the cavity sums M_i = M − x_i m_i, V_i = max(V − v_i, 1e-12), t = tanh U and
// c = 1 − tanh U of the unit's output field U; u_i ← float(d u_i + (1 − d) fresh_i), added to `sum` (when not
// NULL) or its change to `cavity` and `h`. Returns the largest |change| (NaN when a message is NaN).
FM_AVX2_FMA double fm_committee_unit_messages_avx2(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                                   double bigM, double bigV, double theta, double t, double c,
                                                   double damping, double *sum, double *cavity, double *h,
                                                   const double *table) {
    const __m256d Mv = _mm256_set1_pd(bigM), Vv = _mm256_set1_pd(bigV), thr = _mm256_set1_pd(theta);
    const __m256d cv = _mm256_set1_pd(c), twoT = _mm256_set1_pd(2 * t), d = _mm256_set1_pd(damping), d1 = _mm256_set1_pd(1 - damping);
    const __m256d sign = _mm256_set1_pd(-0.0), limit = _mm256_set1_pd(30.0);
    __m256d change = _mm256_setzero_pd(), nanSeen = _mm256_setzero_pd();
    for (long j = 0; j < fan; j += 4) {
        const long count = fan - j < 4 ? fan - j : 4;
        int8_t xb[4] = {0, 0, 0, 0};
        double mb[4] = {0, 0, 0, 0}, vb[4] = {0, 0, 0, 0};
        float ub[4] = {0, 0, 0, 0};
        const int8_t *xs = x + j;
        const double *ms = m + j, *vs = v + j;
        const float *us = u + j;
        if (count < 4) {
            for (long k = 0; k < count; k++) { xb[k] = x[j + k]; mb[k] = m[j + k]; vb[k] = v[j + k]; ub[k] = u[j + k]; }
            xs = xb; ms = mb; vs = vb; us = ub;
        }
        const __m256d xv = fm_load_i8_pd(xs);
        const __m256d cavityM = _mm256_fnmadd_pd(xv, _mm256_loadu_pd(ms), Mv);
        const __m256d cavityV = _mm256_max_pd(_mm256_sub_pd(Vv, _mm256_loadu_pd(vs)), _mm256_set1_pd(1e-12));
        const __m256d sc = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_sqrt_pd(cavityV));
        const __m256d a = _mm256_sub_pd(thr, cavityM);
        const __m256d plus = _mm256_fmadd_pd(twoT, fm_h_pd(_mm256_mul_pd(_mm256_sub_pd(a, xv), sc), table), cv);
        const __m256d minus = _mm256_fmadd_pd(twoT, fm_h_pd(_mm256_mul_pd(_mm256_add_pd(a, xv), sc), table), cv);
        __m256d fresh = _mm256_mul_pd(_mm256_set1_pd(0.5), fm_log_pd(_mm256_div_pd(plus, minus)));
        const __m256d isNan = _mm256_cmp_pd(fresh, fresh, _CMP_UNORD_Q);
        fresh = _mm256_blendv_pd(_mm256_min_pd(_mm256_max_pd(fresh, _mm256_sub_pd(_mm256_setzero_pd(), limit)), limit), fresh, isNan);
        const __m256d old = _mm256_cvtps_pd(_mm_loadu_ps(us));
        const __m128 nextF = _mm256_cvtpd_ps(_mm256_fmadd_pd(d, old, _mm256_mul_pd(d1, fresh)));
        const __m256d next = _mm256_cvtps_pd(nextF), diff = _mm256_sub_pd(next, old);
        const __m256d valid = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3)));
        nanSeen = _mm256_or_pd(nanSeen, _mm256_and_pd(valid, _mm256_cmp_pd(diff, diff, _CMP_UNORD_Q)));
        change = _mm256_max_pd(change, _mm256_and_pd(valid, _mm256_andnot_pd(sign, diff)));
        float nf[4];
        double nd[4], dd[4];
        _mm_storeu_ps(nf, nextF);
        _mm256_storeu_pd(nd, next);
        _mm256_storeu_pd(dd, diff);
        for (long k = 0; k < count; k++) {
            u[j + k] = nf[k];
            if (sum) sum[j + k] += nd[k];
            else { cavity[j + k] += dd[k]; h[j + k] += dd[k]; }
        }
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, change);
    double result = lanes[0];
    for (int k = 1; k < 4; k++) if (lanes[k] > result) result = lanes[k];
    if (_mm256_movemask_pd(nanSeen)) return __builtin_nan("");
    return result;
}

// ---- The committee unit's kernels with AVX-512 (F, BW, DQ, VL + FMA): eight edges per instruction --------
//
// fm_committee_unit_*_avx2's equations and polynomials lane for lane in double precision; P(t)'s ten
// coefficients are picked by one vpermt2pd each from the transposed table (coefficient j of piece k at
// 16 j + k: `Special.erfcxTableTransposed`), tails by masked loads and stores. The sums M and V run over
// eight (two chains of eight) lanes instead of four, so results agree with the AVX2 kernels' to rounding
// (a few 1e−16 relative), not to the bit.

// log x for positive normal x (fm_log_pd's reduction and series).
FM_AVX512_FMA __attribute__((always_inline)) static inline __m512d fm_log_pd8(__m512d x) {
    const __m512i bits = _mm512_castpd_si512(x);
    __m512d m = _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi64(0x000FFFFFFFFFFFFFLL)),
                                                    _mm512_set1_epi64(0x3FF0000000000000LL)));
    __m512d e = _mm512_cvtepi64_pd(_mm512_sub_epi64(_mm512_and_si512(_mm512_srli_epi64(bits, 52), _mm512_set1_epi64(0x7FF)),
                                                    _mm512_set1_epi64(1023)));
    const __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, _mm512_set1_pd(0.5));
    e = _mm512_mask_add_pd(e, big, e, _mm512_set1_pd(1.0));
    const __m512d f = _mm512_div_pd(_mm512_sub_pd(m, _mm512_set1_pd(1.0)), _mm512_add_pd(m, _mm512_set1_pd(1.0)));
    const __m512d f2 = _mm512_mul_pd(f, f);
    #define FM_D(j) _mm512_set1_pd(1.0 / (2 * (j) + 1))
    const __m512d z2 = _mm512_mul_pd(f2, f2), z4 = _mm512_mul_pd(z2, z2), z8 = _mm512_mul_pd(z4, z4);
    const __m512d g0 = _mm512_fmadd_pd(_mm512_fmadd_pd(FM_D(3), f2, FM_D(2)), z2, _mm512_fmadd_pd(FM_D(1), f2, FM_D(0)));
    const __m512d g1 = _mm512_fmadd_pd(_mm512_fmadd_pd(FM_D(7), f2, FM_D(6)), z2, _mm512_fmadd_pd(FM_D(5), f2, FM_D(4)));
    const __m512d g2 = _mm512_fmadd_pd(FM_D(10), z2, _mm512_fmadd_pd(FM_D(9), f2, FM_D(8)));
    const __m512d series = _mm512_fmadd_pd(g2, z8, _mm512_fmadd_pd(g1, z4, g0));
    #undef FM_D
    const __m512d logm = _mm512_mul_pd(_mm512_add_pd(f, f), series);
    return _mm512_fmadd_pd(e, _mm512_set1_pd(6.93147180369123816490e-01),
                           _mm512_fmadd_pd(e, _mm512_set1_pd(1.90821492927058770002e-10), logm));
}

// H(x) (fm_h_pd) with P(t)'s coefficients from the transposed table.
FM_AVX512_FMA __attribute__((always_inline)) static inline __m512d fm_h_pd8(__m512d x, const double *transposed) {
    const __m512d half = _mm512_set1_pd(0.5);
    const __m512d y = _mm512_mul_pd(_mm512_abs_pd(x), _mm512_set1_pd(0.70710678118654752440));
    const __m512d t = _mm512_div_pd(_mm512_set1_pd(2.0), _mm512_add_pd(_mm512_set1_pd(2.0), y));
    const __m512d scaled = _mm512_mul_pd(t, _mm512_set1_pd(16.0));
    const __m512d piece = _mm512_min_pd(_mm512_roundscale_pd(scaled, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC), _mm512_set1_pd(15.0));
    const __m512d s = _mm512_sub_pd(_mm512_mul_pd(_mm512_set1_pd(2.0), _mm512_sub_pd(scaled, piece)), _mm512_set1_pd(1.0));
    const __m512i index = _mm512_cvttpd_epi64(piece);
    __m512d c[10];
    for (int j = 0; j < 10; j++)
        c[j] = _mm512_permutex2var_pd(_mm512_loadu_pd(transposed + 16 * j), index, _mm512_loadu_pd(transposed + 16 * j + 8));
    const __m512d s2 = _mm512_mul_pd(s, s), s4 = _mm512_mul_pd(s2, s2), s8 = _mm512_mul_pd(s4, s4);
    const __m512d a = _mm512_fmadd_pd(s2, _mm512_fmadd_pd(c[3], s, c[2]), _mm512_fmadd_pd(c[1], s, c[0]));
    const __m512d b = _mm512_fmadd_pd(s2, _mm512_fmadd_pd(c[7], s, c[6]), _mm512_fmadd_pd(c[5], s, c[4]));
    const __m512d p = _mm512_fmadd_pd(s8, _mm512_fmadd_pd(c[9], s, c[8]), _mm512_fmadd_pd(s4, b, a));
    const __m512d tail = _mm512_mul_pd(_mm512_mul_pd(half, t), fm_exp_pd8(_mm512_fnmadd_pd(_mm512_mul_pd(half, x), x, p)));
    const __mmask8 positive = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GE_OQ);
    return _mm512_mask_blend_pd(positive, _mm512_sub_pd(_mm512_set1_pd(1.0), tail), tail);
}

FM_AVX512_FMA void fm_committee_unit_sums_avx512(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                                 long fan, double *bigM, double *bigV) {
    __m512d M = _mm512_setzero_pd(), V = M, M1 = M, V1 = M;
    for (long i = 0; i < fan; i += 16) {
        const long left = fan - i;
        const __mmask8 first = left >= 8 ? 0xFF : (__mmask8)((1u << left) - 1);
        const __mmask8 second = left >= 16 ? 0xFF : (left > 8 ? (__mmask8)((1u << (left - 8)) - 1) : 0);
        fm_bp_pass1_8(x + i, h + i, u + i, m + i, v + i, first, &M, &V);
        if (second) fm_bp_pass1_8(x + i + 8, h + i + 8, u + i + 8, m + i + 8, v + i + 8, second, &M1, &V1);
    }
    *bigM = _mm512_reduce_add_pd(_mm512_add_pd(M, M1));
    *bigV = _mm512_reduce_add_pd(_mm512_add_pd(V, V1));
}

FM_AVX512_FMA double fm_committee_unit_messages_avx512(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                                       double bigM, double bigV, double theta, double t, double c,
                                                       double damping, double *sum, double *cavity, double *h,
                                                       const double *transposed) {
    const __m512d Mv = _mm512_set1_pd(bigM), Vv = _mm512_set1_pd(bigV), thr = _mm512_set1_pd(theta);
    const __m512d cv = _mm512_set1_pd(c), twoT = _mm512_set1_pd(2 * t), d = _mm512_set1_pd(damping), d1 = _mm512_set1_pd(1 - damping);
    const __m512d limit = _mm512_set1_pd(30.0);
    __m512d change = _mm512_setzero_pd();
    __mmask8 nanSeen = 0;
    for (long j = 0; j < fan; j += 8) {
        const __mmask8 lanes = fan - j >= 8 ? 0xFF : (__mmask8)((1u << (fan - j)) - 1);
        const __m512d xv = fm_load_i8_pd8(x + j, lanes);
        const __m512d cavityM = _mm512_fnmadd_pd(xv, _mm512_maskz_loadu_pd(lanes, m + j), Mv);
        const __m512d cavityV = _mm512_max_pd(_mm512_sub_pd(Vv, _mm512_maskz_loadu_pd(lanes, v + j)), _mm512_set1_pd(1e-12));
        const __m512d sc = _mm512_div_pd(_mm512_set1_pd(1.0), _mm512_sqrt_pd(cavityV));
        const __m512d a = _mm512_sub_pd(thr, cavityM);
        const __m512d plus = _mm512_fmadd_pd(twoT, fm_h_pd8(_mm512_mul_pd(_mm512_sub_pd(a, xv), sc), transposed), cv);
        const __m512d minus = _mm512_fmadd_pd(twoT, fm_h_pd8(_mm512_mul_pd(_mm512_add_pd(a, xv), sc), transposed), cv);
        __m512d fresh = _mm512_mul_pd(_mm512_set1_pd(0.5), fm_log_pd8(_mm512_div_pd(plus, minus)));
        const __mmask8 isNan = _mm512_cmp_pd_mask(fresh, fresh, _CMP_UNORD_Q);
        fresh = _mm512_mask_blend_pd(isNan, _mm512_min_pd(_mm512_max_pd(fresh, _mm512_sub_pd(_mm512_setzero_pd(), limit)), limit), fresh);
        const __m512d old = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(lanes, u + j));
        const __m256 nextF = _mm512_cvtpd_ps(_mm512_fmadd_pd(d, old, _mm512_mul_pd(d1, fresh)));
        const __m512d next = _mm512_cvtps_pd(nextF), diff = _mm512_sub_pd(next, old);
        nanSeen |= lanes & _mm512_cmp_pd_mask(diff, diff, _CMP_UNORD_Q);
        change = _mm512_mask_max_pd(change, lanes, change, _mm512_abs_pd(diff));
        _mm256_mask_storeu_ps(u + j, lanes, nextF);
        if (sum) {
            _mm512_mask_storeu_pd(sum + j, lanes, _mm512_add_pd(_mm512_maskz_loadu_pd(lanes, sum + j), next));
        } else {
            _mm512_mask_storeu_pd(cavity + j, lanes, _mm512_add_pd(_mm512_maskz_loadu_pd(lanes, cavity + j), diff));
            _mm512_mask_storeu_pd(h + j, lanes, _mm512_add_pd(_mm512_maskz_loadu_pd(lanes, h + j), diff));
        }
    }
    if (nanSeen) return __builtin_nan("");
    return _mm512_reduce_max_pd(change);
}
#endif
