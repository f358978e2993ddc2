// AMP's special functions on 4-lane vectors; included by kernels.c once per instruction set, with
// FM_V4(name) naming the copy and FM_V4_TARGET its target attribute (see kernels.c).

#define FM_VD fm_v4d
#define FM_VL fm_v4l
#define FM_VI fm_v4i
#define FM_FN(name) FM_V4(name##_v4)
#ifdef FM_V4_COEFFICIENTS
#define FM_FN_COEFFICIENTS FM_V4_COEFFICIENTS
#endif
#include "special_fn.h"
#undef FM_VD
#undef FM_VL
#undef FM_VI
#undef FM_FN
#undef FM_FN_COEFFICIENTS
#ifdef FM_V8_COEFFICIENTS
// Eight lanes (AVX-512): the rounds below run G/H and tanh on two 4-lane steps at once.
#define FM_VD fm_v8d
#define FM_VL fm_v8l
#define FM_VI fm_v8i
#define FM_FN(name) FM_V4(name##_v8)
#define FM_FN_COEFFICIENTS FM_V8_COEFFICIENTS
#include "special_fn.h"
#undef FM_VD
#undef FM_VL
#undef FM_VI
#undef FM_FN
#undef FM_FN_COEFFICIENTS
#endif

// The table as fm_goverh_v4 reads it: the caller's (10 coefficients per piece), or where FM_V4_COEFFICIENTS
// is defined its transpose in `scratch` (160 doubles, 64-byte aligned: coefficient j of piece k at 16j + k).
static inline __attribute__((always_inline)) FM_V4_TARGET const double *FM_V4(fm_table)(const double *table,
        double *scratch) {
#ifdef FM_V4_COEFFICIENTS
    // (Plain moves: vectorised, this loop became 48 scatters.)
    #pragma clang loop vectorize(disable)
    for (int j = 0; j < 10; j++)
        for (int k = 0; k < 16; k++) scratch[16 * j + k] = table[10 * k + j];
    return scratch;
#else
    (void)scratch;
    return table;
#endif
}

FM_V4_TARGET void FM_V4(fm_goverh_array)(const double *in, double *out, long n, const double *table) {
    double scratch[160] __attribute__((aligned(64)));
    const double *coefficients = FM_V4(fm_table)(table, scratch);
    FM_ARRAY_BODY(FM_V4(fm_goverh_v4), coefficients)
}
FM_V4_TARGET void FM_V4(fm_tanh_array)(const double *in, double *out, long n) FM_ARRAY_BODY(FM_V4(fm_tanh_v4))

// Copies of n ≤ 4 lanes: a fixed-size copy (one vector move) in the usual case n = 4.
#define FM_LANES_COPY(to, from, n) do { if ((n) == 4) __builtin_memcpy((to), (from), 32); \
                                         else __builtin_memcpy((to), (from), (size_t)(n) * 8); } while (0)

// Lanes 0 … n−1 of a 4-lane step (n ≥ 4: all).
static inline __attribute__((always_inline)) FM_V4_TARGET fm_v4l FM_V4(fm_first_lanes)(long n) {
    return (fm_v4l){0, 1, 2, 3} < (fm_v4l)n;
}

// Two 4-lane steps' G/H (tanh) at once where the copy has 8-lane functions (the same bits lane by lane),
// else one step after the other.
#ifdef FM_V8_COEFFICIENTS
#define FM_PAIR(f, a, b, ra, rb) do { \
    const fm_v8d joint = FM_V4(f##_v8)(__builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7) FM_PAIR_ARGS); \
    ra = __builtin_shufflevector(joint, joint, 0, 1, 2, 3); rb = __builtin_shufflevector(joint, joint, 4, 5, 6, 7); \
            } while (0)
#else
#define FM_PAIR(f, a, b, ra, rb) do { ra = FM_V4(f##_v4)(a FM_PAIR_ARGS); rb = FM_V4(f##_v4)(b FM_PAIR_ARGS); \
    } while (0)
#endif

// One pair of steps of the row round from `pair` with n0 and n1 lanes (inlined with n0 = n1 = 4 for whole
// pairs, so that every copy is one vector move and nothing goes through memory).
static inline __attribute__((always_inline)) FM_V4_TARGET void FM_V4(fm_amp_rows_pair)(
        const int64_t *dots, const double *oldG, const double *labels, long pair, long n0, long n1, const double *k,
        const double *table, double *omega, double *g, double *dg, double *c, fm_v4d *dgSum, fm_v4d *largest,
                fm_v4l *bad) {
    const long n[2] = {n0, n1};
    fm_v4d w[2], u[2], r[2], y[2];
    for (int h = 0; h < 2; h++) {
        const long i = pair + 4 * h;
        fm_v4l d = (fm_v4l)0;
        fm_v4d old = (fm_v4d)0.0;
        y[h] = (fm_v4d)0.0;
        if (n[h] > 0) {
            FM_LANES_COPY(&d, dots + i, n[h]);
            FM_LANES_COPY(&old, oldG + i, n[h]);
            FM_LANES_COPY(&y[h], labels + i, n[h]);
        }
        w[h] = (__builtin_convertvector(d, fm_v4d) * k[0]) * k[1] - k[2] * old;
        u[h] = (k[3] - y[h] * w[h]) * k[4];
    }
    #define FM_PAIR_ARGS , table
    FM_PAIR(fm_goverh, u[0], u[1], r[0], r[1]);
    #undef FM_PAIR_ARGS
    for (int h = 0; h < 2 && n[h] > 0; h++) {
        const long i = pair + 4 * h;
        const fm_v4l valid = FM_V4(fm_first_lanes)(n[h]);
        const fm_v4d gm = y[h] * r[h] * k[4], dgm = -r[h] * (r[h] - u[h]) * k[5], cm = gm * k[1];
        FM_LANES_COPY(omega + i, &w[h], n[h]);
        FM_LANES_COPY(g + i, &gm, n[h]);
        FM_LANES_COPY(dg + i, &dgm, n[h]);
        FM_LANES_COPY(c + i, &cm, n[h]);
        *dgSum += (fm_v4d)((fm_v4l)dgm & valid);
        *largest = __builtin_elementwise_max(*largest, (fm_v4d)((fm_v4l)__builtin_elementwise_abs(cm) & valid));
        *bad |= valid & ((cm != cm) | (__builtin_elementwise_abs(cm) == __builtin_inf()));
    }
}

// AMP's row round (AMP.swift, `iterateSigns`) on `count` patterns in blocks of 16, from the exact dot
// products d_μ: ω = (d_μ u_m) s − V g_old, u = (κ − y ω)/√V, r = G/H(u), g = y r/√V, ∂g = −r (r − u)/V,
// C = g s, with k = {u_m, s, V, κ, 1/√V, 1/V}. For block j: dgSums[j] = Σ ∂g (four lanes of four steps,
// then the lanes in order), cLargest[j] = max|C| (NaN when a C is not finite). Steps go in pairs (a
// step's lanes past `count` are zero and masked out of the block's results).
FM_V4_TARGET void FM_V4(fm_amp_rows)(const int64_t *dots, const double *oldG, const double *labels, long count,
                                     const double *k, const double *table, double *omega, double *g, double *dg,
                                     double *c, double *dgSums, double *cLargest) {
    double scratch[160] __attribute__((aligned(64)));
    table = FM_V4(fm_table)(table, scratch);
    for (long start = 0, block = 0; start < count; start += 16, block++) {
        fm_v4d dgSum = (fm_v4d)0.0, largest = (fm_v4d)0.0;
        fm_v4l bad = (fm_v4l)0;
        const long end = count - start < 16 ? count : start + 16;
        for (long pair = start; pair < end; pair += 8) {
            if (end - pair >= 8)
                FM_V4(fm_amp_rows_pair)(dots, oldG, labels, pair, 4, 4, k, table, omega, g, dg, c, &dgSum, &largest,
                                        &bad);
            else
                FM_V4(fm_amp_rows_pair)(dots, oldG, labels, pair, end - pair < 4 ? end - pair : 4,
                                        end - pair > 4 ? end - pair - 4 : 0,
                                        k, table, omega, g, dg, c, &dgSum, &largest, &bad);
        }
        dgSums[block] = ((dgSum[0] + dgSum[1]) + dgSum[2]) + dgSum[3];
        const double top = __builtin_fmax(__builtin_fmax(largest[0], largest[1]), __builtin_fmax(largest[2],
                largest[3]));
        cLargest[block] = (bad[0] | bad[1] | bad[2] | bad[3]) ? __builtin_nan("") : top;
    }
}

// One pair of steps of the column round (as fm_amp_rows_pair).
static inline __attribute__((always_inline)) FM_V4_TARGET void FM_V4(fm_amp_columns_pair)(
        const int64_t *totals, long pair, long n0, long n1, const double *k, double *a, double *b, double *m, double *v,
        fm_v4d *change, fm_v4l *nanChange, fm_v4d *vSum, fm_v4d *polarization, fm_v4d *largest, fm_v4l *bad) {
    const long n[2] = {n0, n1};
    fm_v4d field[2], mean[2], mOld[2], vOld[2];
    for (int h = 0; h < 2; h++) {
        const long i = pair + 4 * h;
        fm_v4l t = (fm_v4l)0;
        mOld[h] = (fm_v4d)0.0;
        vOld[h] = (fm_v4d)0.0;
        if (n[h] > 0) {
            FM_LANES_COPY(&t, totals + i, n[h]);
            FM_LANES_COPY(&mOld[h], m + i, n[h]);
            FM_LANES_COPY(&vOld[h], v + i, n[h]);
        }
        field[h] = k[0] * mOld[h] + __builtin_convertvector(t, fm_v4d) * k[1];
    }
    #define FM_PAIR_ARGS
    FM_PAIR(fm_tanh, field[0], field[1], mean[0], mean[1]);
    #undef FM_PAIR_ARGS
    for (int h = 0; h < 2 && n[h] > 0; h++) {
        const long i = pair + 4 * h;
        const fm_v4l valid = FM_V4(fm_first_lanes)(n[h]);
        const fm_v4d mNew = k[2] * mOld[h] + (1.0 - k[2]) * mean[h];
        const fm_v4d vNew = k[2] * vOld[h] + (1.0 - k[2]) * (1.0 - mean[h] * mean[h]);
        const fm_v4d delta = __builtin_elementwise_abs(mNew - mOld[h]);
        const fm_v4d aAll = (fm_v4d)k[0];
        FM_LANES_COPY(a + i, &aAll, n[h]);
        FM_LANES_COPY(b + i, &field[h], n[h]);
        FM_LANES_COPY(m + i, &mNew, n[h]);
        FM_LANES_COPY(v + i, &vNew, n[h]);
        *change = __builtin_elementwise_max(*change, (fm_v4d)((fm_v4l)delta & valid));
        *nanChange |= valid & (delta != delta);
        *vSum += (fm_v4d)((fm_v4l)vNew & valid);
        *polarization += (fm_v4d)((fm_v4l)(1.0 - mNew * mNew) & valid);
        *largest = __builtin_elementwise_max(*largest, (fm_v4d)((fm_v4l)__builtin_elementwise_abs(mNew) & valid));
        *bad |= valid & ((mNew != mNew) | (vNew != vNew) | (__builtin_elementwise_abs(mNew) == __builtin_inf())
                         | (__builtin_elementwise_abs(vNew) == __builtin_inf()));
    }
}

// AMP's column round for the binary prior on `count` inputs in blocks of 16, from the exact sums t_i:
// A = Ā, B = Ā m + t_i u_C, m ← d m + (1 − d) tanh B, v ← d v + (1 − d)(1 − tanh² B), with k = {Ā, u_C, d}.
// For block j: results[4j] = max|Δm| (NaN when one is NaN), results[4j + 1] = Σ v, results[4j + 2] =
// Σ (1 − m²), results[4j + 3] = max|m| (NaN when an m or a v is not finite); sums over four steps lane
// by lane, then the lanes in order. Steps go in pairs, as in the row round.
FM_V4_TARGET void FM_V4(fm_amp_columns)(const int64_t *totals, long count, const double *k, double *a, double *b,
                                        double *m, double *v, double *results) {
    for (long start = 0, block = 0; start < count; start += 16, block++) {
        fm_v4d change = (fm_v4d)0.0, vSum = (fm_v4d)0.0, polarization = (fm_v4d)0.0, largest = (fm_v4d)0.0;
        fm_v4l nanChange = (fm_v4l)0, bad = (fm_v4l)0;
        const long end = count - start < 16 ? count : start + 16;
        for (long pair = start; pair < end; pair += 8) {
            if (end - pair >= 8)
                FM_V4(fm_amp_columns_pair)(totals, pair, 4, 4, k, a, b, m, v, &change, &nanChange, &vSum, &polarization,
                                           &largest, &bad);
            else
                FM_V4(fm_amp_columns_pair)(totals, pair, end - pair < 4 ? end - pair : 4,
                                           end - pair > 4 ? end - pair - 4 : 0,
                                           k, a, b, m, v, &change, &nanChange, &vSum, &polarization, &largest, &bad);
        }
        double *out = results + 4 * block;
        const double top = __builtin_fmax(__builtin_fmax(change[0], change[1]), __builtin_fmax(change[2], change[3]));
        out[0] = (nanChange[0] | nanChange[1] | nanChange[2] | nanChange[3]) ? __builtin_nan("") : top;
        out[1] = ((vSum[0] + vSum[1]) + vSum[2]) + vSum[3];
        out[2] = ((polarization[0] + polarization[1]) + polarization[2]) + polarization[3];
        const double mTop = __builtin_fmax(__builtin_fmax(largest[0], largest[1]), __builtin_fmax(largest[2],
                largest[3]));
        out[3] = (bad[0] | bad[1] | bad[2] | bad[3]) ? __builtin_nan("") : mTop;
    }
}

#undef FM_PAIR
