// A committee machine's hidden unit in BP (CKernels.h: fm_committee_unit_messages_avx2 has the
// equations), written once and included by bp_committee.c for FM_W = 4 and 8 (bp_lanes.h): FM_W edges
// per instruction, in double precision.
#include "bp_lanes.h"

// Pass 1 of one unit: m, v of its `fan` edges and the sums M = Σ x m, V = Σ v (the perceptron's first pass).
FM_TARGET void FM_FN(fm_committee_unit_sums)(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                             long fan, double *bigM, double *bigV) {
    FM_FN(fm_bp_first_pass)(x, h, u, m, v, fan, bigM, bigV);
}

// One step of the unit's message loop: edges j … j + count − 1 (count ≤ FM_W; the main loop passes the
// constant FM_W, so that every test of `count` below folds away there).
FM_INLINE void FM_FN(fm_committee_step)(const int8_t *x, float *u, const double *m, const double *v, long j,
                                        long count, double bigM, double bigV, double theta, double t, double c,
                                        double damping, double *sum, double *cavity, double *h,
                                        const double *table, FM_VD *change, FM_VL *nanSeen) {
    FM_VD A, B;
    FM_FN(fm_bp_arguments)(x + j, m + j, v + j, count, bigM, bigV, theta, &A, &B, 0);
    const FM_VD plus = FM_FMA((FM_VD)(2 * t), FM_FN(fm_bp_h_d)(A, table), (FM_VD)c);
    const FM_VD minus = FM_FMA((FM_VD)(2 * t), FM_FN(fm_bp_h_d)(B, table), (FM_VD)c);
    FM_VD fresh = 0.5 * FM_FN(fm_bp_log_d)(plus / minus);
    const FM_VD clamped = FM_FN(fm_bp_mind)(FM_FN(fm_bp_maxd)(fresh, 0.0 - (FM_VD)30.0), (FM_VD)30.0);
    fresh = FM_SELECT(FM_VD, FM_VL, fresh != fresh, fresh, clamped);
    const FM_VD old = FM_FN(fm_bp_load_u)(u + j, count);
    const FM_VFH nextF = __builtin_convertvector(FM_FMA((FM_VD)damping, old, (1 - damping) * fresh), FM_VFH);
    const FM_VD next = __builtin_convertvector(nextF, FM_VD), diff = next - old;
    const FM_VL valid = __builtin_convertvector((FM_VI){FM_LOW_F}, FM_VL) < count;
    *nanSeen |= valid & (diff != diff);
    *change = FM_FN(fm_bp_maxd)(*change, (FM_VD)(valid & (FM_VL)__builtin_elementwise_abs(diff)));
    FM_FN(fm_bp_store_fh)(u + j, nextF, count);
    if (sum) {
        FM_FN(fm_bp_add_d)(sum + j, next, count);
    } else {
        FM_FN(fm_bp_add_d)(cavity + j, diff, count);
        FM_FN(fm_bp_add_d)(h + j, diff, count);
    }
}

// The unit's new messages: fresh_i = clamp(½ log[(c + 2t H(A_i))/(c + 2t H(B_i))], ±30), damped and
// stored as Float; added to `sum` (when not NULL) or their changes to `cavity` and `h`.
FM_TARGET double FM_FN(fm_committee_unit_messages)(const int8_t *x, float *u, const double *m, const double *v,
                                                   long fan, double bigM, double bigV, double theta, double t,
                                                   double c, double damping, double *sum, double *cavity,
                                                   double *h, const double *table) {
    FM_VD change = (FM_VD)0.0;
    FM_VL nanSeen = (FM_VL)0;
    long j = 0;
    for (; j + FM_W <= fan; j += FM_W)
        FM_FN(fm_committee_step)(x, u, m, v, j, FM_W, bigM, bigV, theta, t, c, damping, sum, cavity, h, table,
                                 &change, &nanSeen);
    if (j < fan)
        FM_FN(fm_committee_step)(x, u, m, v, j, fan - j, bigM, bigV, theta, t, c, damping, sum, cavity, h, table,
                                 &change, &nanSeen);
    for (int k = 0; k < FM_W; k++) if (nanSeen[k]) return __builtin_nan("");
    return FM_LARGEST(double, change, FM_W);
}

// The vector e^x and log x, FM_W values at a time (for the tests): out_i = f(in_i).
FM_TARGET void FM_FN(FM_EXP_LANES)(const double *in, double *out) {
    FM_VD x;
    __builtin_memcpy(&x, in, sizeof x);
    x = FM_FN(fm_bp_exp_d)(x);
    __builtin_memcpy(out, &x, sizeof x);
}

FM_TARGET void FM_FN(FM_LOG_LANES)(const double *in, double *out) {
    FM_VD x;
    __builtin_memcpy(&x, in, sizeof x);
    x = FM_FN(fm_bp_log_d)(x);
    __builtin_memcpy(out, &x, sizeof x);
}

#include "bp_lanes_end.h"
