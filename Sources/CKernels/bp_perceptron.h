// One pattern's BP update for the binary perceptron (CKernels.h: fm_bp_pattern_f32_avx2 has the
// equations), written once and included by bp_perceptron.c for FM_W = 4 and 8 (bp_lanes.h).
//
// The message ½[log H(A) − log H(B)] (FastGaussian.swift's halfLogHRatio, same pieces and formulas) is
// computed in float, 2·FM_W lanes per instruction: e^x with a degree-7 Taylor polynomial after the
// Cody–Waite reduction (relative error < 3e-8 before rounding), log m by 2 atanh f to f⁹ (< 1e-9), and
// P(t) to degree 5 in s (the dropped coefficients are < 1e-10), its 16 × 6 coefficients selected per
// lane by register permutes (`table`: coefficient j of piece k at 16 j + k). A, B and B − A are formed
// in double and rounded once; the message then carries an absolute error of a few 1e-7 (messages are
// stored as Float: their own rounding is ≈ 6e-8 relative; BP's tolerance is 1e-5).
#include "bp_lanes.h"

FM_INLINE FM_VF FM_FN(fm_bp_exp_f)(FM_VF x) {
    const FM_VFI under = x < -87.0f, over = x > 88.0f, nan = x != x;
    const FM_VF xc = FM_FN(fm_bp_minf)(FM_FN(fm_bp_maxf)(x, (FM_VF)-87.0f), (FM_VF)88.0f);
    const FM_VF k = __builtin_elementwise_roundeven(xc * 1.44269504088896341f);
    FM_VF r = FM_FMA(-k, (FM_VF)0.693359375f, xc);
    r = FM_FMA(-k, (FM_VF)-2.12194440e-4f, r);
    const FM_VF r2 = r * r, r4 = r2 * r2;
    const FM_VF q0 = FM_FMA(FM_FMA((FM_VF)(1.0f / 6), r, (FM_VF)0.5f), r2, FM_FMA((FM_VF)1.0f, r, (FM_VF)1.0f));
    const FM_VF q1 = FM_FMA(FM_FMA((FM_VF)(1.0f / 5040), r, (FM_VF)(1.0f / 720)), r2,
                            FM_FMA((FM_VF)(1.0f / 120), r, (FM_VF)(1.0f / 24)));
    const FM_VF p = FM_FMA(q1, r4, q0);
    FM_VF result = (FM_VF)((FM_VFI)p + (__builtin_convertvector(k, FM_VFI) << 23));
    result = FM_SELECT(FM_VF, FM_VFI, under, (FM_VF)0.0f, result);
    result = FM_SELECT(FM_VF, FM_VFI, over, (FM_VF)__builtin_inff(), result);
    return FM_SELECT(FM_VF, FM_VFI, nan, x, result);
}

// log x for positive normal floats.
FM_INLINE FM_VF FM_FN(fm_bp_log_f)(FM_VF x) {
    const FM_VFI bits = (FM_VFI)x;
    FM_VF m = (FM_VF)((bits & 0x007FFFFF) | 0x3F800000);
    FM_VF e = __builtin_convertvector(((bits >> 23) & 0x1FF) - 127, FM_VF);
    const FM_VFI big = m > 1.41421356f;
    m = FM_SELECT(FM_VF, FM_VFI, big, m * 0.5f, m);
    e = e + (FM_VF)(big & (FM_VFI)(FM_VF)1.0f);
    const FM_VF f = (m - 1.0f) / (m + 1.0f);
    const FM_VF f2 = f * f, f4 = f2 * f2;
    const FM_VF g0 = FM_FMA((FM_VF)(1.0f / 3), f2, (FM_VF)1.0f);
    const FM_VF g1 = FM_FMA((FM_VF)(1.0f / 7), f2, (FM_VF)(1.0f / 5));
    const FM_VF g = FM_FMA(FM_FMA((FM_VF)(1.0f / 9), f4, g1), f4, g0);
    const FM_VF logm = (f + f) * g;
    return FM_FMA(e, (FM_VF)0.693147180559945309f, logm);
}

// P(t)'s coefficients 0…5 of piece `index` in every lane, from the 16 × 6 float table.
#if FM_W == 4
// Two vpermps (pieces 0–7 and 8–15) and a blend per coefficient.
#define FM_COEFFICIENTS_F(c, index, table) { \
    const __m256i idx_ = (__m256i)(index); \
    const __m256 upper_ = _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx_, _mm256_set1_epi32(7))); \
    for (int j_ = 0; j_ < 6; j_++) { \
        const __m256 low_ = _mm256_permutevar8x32_ps(_mm256_loadu_ps((table) + 16 * j_), idx_); \
        const __m256 high_ = _mm256_permutevar8x32_ps(_mm256_loadu_ps((table) + 16 * j_ + 8), idx_); \
        c[j_] = (FM_VF)_mm256_blendv_ps(low_, high_, upper_); \
    } }
#else
// One vpermps per coefficient (the 16 pieces fill a register).
#define FM_COEFFICIENTS_F(c, index, table) { \
    for (int j_ = 0; j_ < 6; j_++) \
        c[j_] = (FM_VF)_mm512_permutexvar_ps((__m512i)(index), _mm512_loadu_ps((table) + 16 * j_)); }
#endif

FM_INLINE FM_VF FM_FN(fm_bp_erfcx_series_f)(FM_VF t, const float *table) {
    const FM_VF scaled = t * 16.0f;
    const FM_VF piece = FM_FN(fm_bp_minf)(__builtin_elementwise_floor(scaled), (FM_VF)15.0f);
    const FM_VF s = 2.0f * (scaled - piece) - 1.0f;
    FM_VF c[6];
    FM_COEFFICIENTS_F(c, __builtin_convertvector(piece, FM_VFI), table)
    const FM_VF s2 = s * s, s4 = s2 * s2;
    const FM_VF a = FM_FMA(s2, FM_FMA(c[3], s, c[2]), FM_FMA(c[1], s, c[0]));
    return FM_FMA(s4, FM_FMA(c[5], s, c[4]), a);
}

// ½[log H(A) − log H(B)] with H(x) = ½ t e^{P(t) − x²/2} (x ≥ 0) or 1 − that (x < 0), t = 2/(2 + |x|/√2):
// the two t share one division, and where both arguments are positive the e^{−x²/2} factors cancel.
FM_INLINE FM_VF FM_FN(fm_bp_half_log_h_ratio_f)(FM_VF A, FM_VF B, FM_VF BminusA, const float *table) {
    const FM_VF da = FM_FMA(__builtin_elementwise_abs(A), (FM_VF)0.707106781186547524f, (FM_VF)2.0f);
    const FM_VF db = FM_FMA(__builtin_elementwise_abs(B), (FM_VF)0.707106781186547524f, (FM_VF)2.0f);
    const FM_VF inv = 1.0f / (da * db);
    const FM_VF ta = (2.0f * db) * inv, tb = (2.0f * da) * inv;
    const FM_VF pa = FM_FN(fm_bp_erfcx_series_f)(ta, table), pb = FM_FN(fm_bp_erfcx_series_f)(tb, table);
    const FM_VF qa = FM_FMA(-(0.5f * A), A, pa);
    const FM_VF qb = FM_FMA(-(0.5f * B), B, pb);
    const FM_VFI aPos = A >= 0.0f, bPos = B >= 0.0f;
    const FM_VF hada = FM_FMA(-(db * inv), FM_FN(fm_bp_exp_f)(qa) * da, da);
    const FM_VF hbdb = FM_FMA(-(da * inv), FM_FN(fm_bp_exp_f)(qb) * db, db);
    const FM_VF na = FM_SELECT(FM_VF, FM_VFI, aPos, (FM_VF)1.0f, hada);
    const FM_VF nb = FM_SELECT(FM_VF, FM_VFI, bPos, (FM_VF)1.0f, hbdb);
    const FM_VF restBoth = FM_FMA(0.5f * BminusA, B + A, pa - pb);
    const FM_VF restMixed = (FM_VF)(aPos & (FM_VFI)qa) - (FM_VF)(bPos & (FM_VFI)qb);
    const FM_VF rest = FM_SELECT(FM_VF, FM_VFI, aPos & bPos, restBoth, restMixed);
    const FM_VF ratio = (na * db) / (nb * da);
    return 0.5f * (FM_FN(fm_bp_log_f)(ratio) + rest);
}

// Two vectors of FM_W doubles rounded to floats, side by side.
FM_INLINE FM_VF FM_FN(fm_bp_pack)(FM_VD low, FM_VD high) {
    return __builtin_shufflevector(__builtin_convertvector(low, FM_VFH), __builtin_convertvector(high, FM_VFH),
                                   FM_LANES_F);
}

// The message for 2·FM_W pairs (for the tests).
FM_TARGET void FM_FN(FM_HALF_LOG_H_RATIO)(const double *a, const double *b, float *out, const float *table) {
    FM_VD a0, a1, b0, b1;
    __builtin_memcpy(&a0, a, sizeof a0);
    __builtin_memcpy(&a1, a + FM_W, sizeof a1);
    __builtin_memcpy(&b0, b, sizeof b0);
    __builtin_memcpy(&b1, b + FM_W, sizeof b1);
    const FM_VF r = FM_FN(fm_bp_half_log_h_ratio_f)(FM_FN(fm_bp_pack)(a0, a1), FM_FN(fm_bp_pack)(b0, b1),
                                                     FM_FN(fm_bp_pack)(b0 - a0, b1 - a1), table);
    __builtin_memcpy(out, &r, sizeof r);
}

// One step of the message loop: sites j … j + count − 1 (count ≤ 2·FM_W; the main loop passes the
// constant 2·FM_W, so that every test of `count` below folds away there).
FM_INLINE void FM_FN(fm_bp_message_step)(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                         const double *m, const double *v, long j, long count, double bigM,
                                         double bigV, double threshold, FM_VF d, FM_VF d1, const float *table,
                                         FM_VF *change, FM_VFI *nanSeen) {
    const long low = count < FM_W ? count : FM_W, high = count - low;
    FM_VD A[2], B[2], BA[2];
    FM_FN(fm_bp_arguments)(xi + j, m + j, v + j, low, bigM, bigV, threshold, &A[0], &B[0], &BA[0]);
    FM_FN(fm_bp_arguments)(xi + j + FM_W, m + j + FM_W, v + j + FM_W, high, bigM, bigV, threshold,
                           &A[1], &B[1], &BA[1]);
    FM_VF fresh = FM_FN(fm_bp_half_log_h_ratio_f)(FM_FN(fm_bp_pack)(A[0], A[1]), FM_FN(fm_bp_pack)(B[0], B[1]),
                                                   FM_FN(fm_bp_pack)(BA[0], BA[1]), table);
    const FM_VF clamped = FM_FN(fm_bp_minf)(FM_FN(fm_bp_maxf)(fresh, 0.0f - (FM_VF)30.0f), (FM_VF)30.0f);
    fresh = FM_SELECT(FM_VF, FM_VFI, fresh != fresh, fresh, clamped);
    const FM_VF old = FM_FN(fm_bp_load_f)(u + j, count);
    const FM_VF next = FM_FMA(d, old, d1 * fresh);
    const FM_VF diff = next - old;
    const FM_VFI valid = (FM_VFI){FM_LANES_F} < (int)count;
    *nanSeen |= valid & (diff != diff);
    *change = FM_FN(fm_bp_maxf)(*change, (FM_VF)(valid & (FM_VFI)__builtin_elementwise_abs(diff)));
    FM_FN(fm_bp_store_f)(u + j, next, count);
    const FM_VD next0 = __builtin_convertvector(__builtin_shufflevector(next, next, FM_LOW_F), FM_VD);
    const FM_VD next1 = __builtin_convertvector(__builtin_shufflevector(next, next, FM_HIGH_F), FM_VD);
    const FM_VD diff0 = __builtin_convertvector(__builtin_shufflevector(diff, diff, FM_LOW_F), FM_VD);
    const FM_VD diff1 = __builtin_convertvector(__builtin_shufflevector(diff, diff, FM_HIGH_F), FM_VD);
    if (sum) {
        FM_FN(fm_bp_add_d)(sum + j, next0, low);
        if (high > 0) FM_FN(fm_bp_add_d)(sum + j + FM_W, next1, high);
    } else if (cavity) {
        FM_FN(fm_bp_add_d)(cavity + j, diff0, low);
        FM_FN(fm_bp_add_d)(h + j, diff0, low);
        if (high > 0) {
            FM_FN(fm_bp_add_d)(cavity + j + FM_W, diff1, high);
            FM_FN(fm_bp_add_d)(h + j + FM_W, diff1, high);
        }
    }
}

// One pattern's update (CKernels.h): pass 1 and every sum (M, V, cavities, fields) in double, FM_W sites
// per instruction; the message in single precision, 2·FM_W sites per step.
FM_TARGET double FM_FN(fm_bp_pattern_f32)(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                          double *m, double *v, long n, double threshold, double damping,
                                          const float *table) {
    double bigM, bigV;
    FM_FN(fm_bp_first_pass)(xi, h, u, m, v, n, &bigM, &bigV);
    const FM_VF d = (FM_VF)(float)damping, d1 = (FM_VF)(float)(1 - damping);
    FM_VF change = (FM_VF)0.0f;
    FM_VFI nanSeen = (FM_VFI)0;
    long j = 0;
    for (; j + 2 * FM_W <= n; j += 2 * FM_W)
        FM_FN(fm_bp_message_step)(xi, u, h, cavity, sum, m, v, j, 2 * FM_W, bigM, bigV, threshold, d, d1, table,
                                  &change, &nanSeen);
    if (j < n)
        FM_FN(fm_bp_message_step)(xi, u, h, cavity, sum, m, v, j, n - j, bigM, bigV, threshold, d, d1, table,
                                  &change, &nanSeen);
    for (int k = 0; k < 2 * FM_W; k++) if (nanSeen[k]) return __builtin_nan("");
    return FM_LARGEST(float, change, 2 * FM_W);
}

#include "bp_lanes_end.h"
