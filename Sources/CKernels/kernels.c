// See include/CKernels.h. Compiled for the portable baseline; the functions marked with a target
// attribute use POPCNT / AVX2 and are reached only after a run-time CPU check.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define FM_X86 1
#else
#define FM_X86 0
#endif

int fm_cpu_has_popcnt(void) {
#if FM_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") ? 1 : 0;
#else
    return 0;
#endif
}

int fm_cpu_has_avx2(void) {
#if FM_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

#if FM_X86
__attribute__((target("popcnt")))
#endif
long fm_xor_popcount(const uint64_t *a, const uint64_t *b, long words) {
    long total = 0;
    for (long j = 0; j < words; j++) total += __builtin_popcountll(a[j] ^ b[j]);
    return total;
}

void fm_cpu_relax(void) {
#if FM_X86
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#if FM_X86
__attribute__((target("avx2")))
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    const __m256 pullv = _mm256_set1_ps(pull), ratev = _mm256_set1_ps(rate), zero = _mm256_setzero_ps();
    const __m256 one = _mm256_set1_ps(1.0f), minus = _mm256_set1_ps(-1.0f);
    const __m256 upper = _mm256_set1_ps(clip), lower = _mm256_set1_ps(-clip);
    const __m256i oneI = _mm256_set1_epi32(1), minusI = _mm256_set1_epi32(-1);
    const int stepping = rate != 0.0f, clipping = clip > 0.0f;
    long i = lo;
    for (; i + 8 <= hi; i += 8) {
        const __m256 ws = _mm256_loadu_ps(w + i);
        const __m256 ts = _mm256_loadu_ps(targets + i);
        __m256 hs = _mm256_loadu_ps(h + i);
        hs = _mm256_add_ps(hs, _mm256_mul_ps(pullv, _mm256_sub_ps(ts, ws)));
        if (stepping) {
            const __m128i s8 = _mm_loadl_epi64((const __m128i *)(sums + i));
            hs = _mm256_add_ps(hs, _mm256_mul_ps(ratev, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(s8))));
        }
        if (clipping) hs = _mm256_min_ps(_mm256_max_ps(hs, lower), upper);
        _mm256_storeu_ps(h + i, hs);
        const __m256 positive = _mm256_cmp_ps(hs, zero, _CMP_GT_OQ);
        const __m256 changed = _mm256_xor_ps(positive, _mm256_cmp_ps(ws, zero, _CMP_GT_OQ));
        const int flips = _mm256_movemask_ps(changed);
        _mm256_storeu_ps(w + i, _mm256_blendv_ps(minus, one, positive));
        const __m256i step = _mm256_and_si256(_mm256_castps_si256(changed),
                                              _mm256_blendv_epi8(minusI, oneI, _mm256_castps_si256(positive)));
        const __m256i c = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(counts + i)), step);
        _mm256_storeu_si256((__m256i *)(counts + i), c);
        _mm256_storeu_ps(targets + i, _mm256_i32gather_ps(table, c, 4));
        bits[i >> 6] ^= (uint64_t)(unsigned)flips << (i & 63);
    }
    for (; i < hi; i++) {
        float v = h[i] + pull * (targets[i] - w[i]);
        if (stepping) v += rate * (float)sums[i];
        if (clipping) v = v < -clip ? -clip : (v > clip ? clip : v);
        h[i] = v;
        const float nw = v > 0 ? 1.0f : -1.0f;
        if (nw != w[i]) {
            w[i] = nw;
            counts[i] += v > 0 ? 1 : -1;
            targets[i] = table[counts[i]];
            bits[i >> 6] ^= (uint64_t)1 << (i & 63);
        }
    }
}

__attribute__((target("avx2")))
void fm_sum_rows_avx2(int8_t *s, const int8_t *x, long stride, const long *rows, long count, long n) {
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i acc = _mm256_loadu_si256((const __m256i *)(x + rows[0] * stride + i));
        for (long j = 1; j < count; j++)
            acc = _mm256_add_epi8(acc, _mm256_loadu_si256((const __m256i *)(x + rows[j] * stride + i)));
        _mm256_storeu_si256((__m256i *)(s + i), acc);
    }
    for (; i < n; i++) {
        int8_t acc = 0;
        for (long j = 0; j < count; j++) acc = (int8_t)(acc + x[rows[j] * stride + i]);
        s[i] = acc;
    }
}

__attribute__((target("avx2")))
long fm_dot_i8_f64_avx2(const int8_t *x, const double *m, long n, double *partial) {
    __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i x8 = _mm_loadl_epi64((const __m128i *)(x + i));
        const __m256d xl = _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(x8));
        const __m256d xh = _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_srli_si128(x8, 4)));
        low = _mm256_add_pd(low, _mm256_mul_pd(xl, _mm256_loadu_pd(m + i)));
        high = _mm256_add_pd(high, _mm256_mul_pd(xh, _mm256_loadu_pd(m + i + 4)));
    }
    _mm256_storeu_pd(partial, low);
    _mm256_storeu_pd(partial + 4, high);
    return i;
}

__attribute__((target("avx2")))
void fm_axpy_i8_f64_avx2(double *b, const int8_t *x, double g, long n) {
    const __m256d gs = _mm256_set1_pd(g);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i x8 = _mm_loadl_epi64((const __m128i *)(x + i));
        const __m256d xl = _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(x8));
        const __m256d xh = _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_srli_si128(x8, 4)));
        _mm256_storeu_pd(b + i, _mm256_add_pd(_mm256_loadu_pd(b + i), _mm256_mul_pd(xl, gs)));
        _mm256_storeu_pd(b + i + 4, _mm256_add_pd(_mm256_loadu_pd(b + i + 4), _mm256_mul_pd(xh, gs)));
    }
    for (; i < n; i++) b[i] += g * (double)x[i];
}

// Four rows at once (AMP): the dot products of rows x, x + stride, x + 2 stride, x + 3 stride with m,
// each with exactly the lanes and order of fm_dot_i8_f64_avx2 (so each equals the one-row result to the
// bit), but eight independent accumulation chains instead of two and every load of m shared by the
// four rows. partial: 4 × 8 lane sums, row after row.
__attribute__((target("avx2")))
long fm_dot4_i8_f64_avx2(const int8_t *x, long stride, const double *m, long n, double *partial) {
    __m256d lo0 = _mm256_setzero_pd(), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;
    long i = 0;
    #define FM_ROW(r, lo, hi) { \
        const __m128i x8 = _mm_loadl_epi64((const __m128i *)(x + (r) * stride + i)); \
        lo = _mm256_add_pd(lo, _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_cvtepi8_epi32(x8)), ml)); \
        hi = _mm256_add_pd(hi, _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_srli_si128(x8, 4))), mh)); }
    for (; i + 8 <= n; i += 8) {
        const __m256d ml = _mm256_loadu_pd(m + i), mh = _mm256_loadu_pd(m + i + 4);
        FM_ROW(0, lo0, hi0) FM_ROW(1, lo1, hi1) FM_ROW(2, lo2, hi2) FM_ROW(3, lo3, hi3)
    }
    #undef FM_ROW
    _mm256_storeu_pd(partial, lo0);      _mm256_storeu_pd(partial + 4, hi0);
    _mm256_storeu_pd(partial + 8, lo1);  _mm256_storeu_pd(partial + 12, hi1);
    _mm256_storeu_pd(partial + 16, lo2); _mm256_storeu_pd(partial + 20, hi2);
    _mm256_storeu_pd(partial + 24, lo3); _mm256_storeu_pd(partial + 28, hi3);
    return i;
}

// b_i ← (((b_i + g_0 x_0i) + g_1 x_1i) + g_2 x_2i) + g_3 x_3i for the four rows x + r stride: four
// fm_axpy_i8_f64_avx2 calls in a row, to the bit, with one load and one store of b instead of four.
__attribute__((target("avx2")))
void fm_axpy4_i8_f64_avx2(double *b, const int8_t *x, long stride, const double *g, long n) {
    const __m256d g0 = _mm256_set1_pd(g[0]), g1 = _mm256_set1_pd(g[1]), g2 = _mm256_set1_pd(g[2]), g3 = _mm256_set1_pd(g[3]);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d bl = _mm256_loadu_pd(b + i), bh = _mm256_loadu_pd(b + i + 4);
        #define FM_ROW(r, gs) { \
            const __m128i x8 = _mm_loadl_epi64((const __m128i *)(x + (r) * stride + i)); \
            bl = _mm256_add_pd(bl, _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_cvtepi8_epi32(x8)), gs)); \
            bh = _mm256_add_pd(bh, _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_cvtepi8_epi32(_mm_srli_si128(x8, 4))), gs)); }
        FM_ROW(0, g0) FM_ROW(1, g1) FM_ROW(2, g2) FM_ROW(3, g3)
        #undef FM_ROW
        _mm256_storeu_pd(b + i, bl);
        _mm256_storeu_pd(b + i + 4, bh);
    }
    for (; i < n; i++) {
        double bi = b[i];
        for (int r = 0; r < 4; r++) bi += g[r] * (double)x[r * stride + i];
        b[i] = bi;
    }
}

// ---- BP for the binary perceptron: vector exp, log, erfcx series and the message ----------------------

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

// ½ [log H(A) − log H(B)] = ½ [log(N/D) + rest] with, for each argument, t = 2/(2 + |x|/√2),
// P = P(t), H(x) = ½ t e^{P − x²/2} for x ≥ 0 and 1 − that for x < 0 (FastGaussian.swift):
//   N = t_A (A ≥ 0) or 2 H(A) (A < 0),   D likewise for B,
//   rest = P_A − P_B + ½ (B − A)(B + A) when both ≥ 0, else [A ≥ 0](P_A − A²/2) − [B ≥ 0](P_B − B²/2).
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_half_log_h_ratio_pd(__m256d A, __m256d B, const double *table) {
    const __m256d zero = _mm256_setzero_pd(), half = _mm256_set1_pd(0.5), two = _mm256_set1_pd(2.0);
    const __m256d sign = _mm256_set1_pd(-0.0), invSqrt2 = _mm256_set1_pd(0.70710678118654752440);
    // Two divisions instead of three: with d = 2 + |x|/√2 (t = 2/d) and inv = 1/(d_A d_B),
    // t_A = 2 d_B inv, t_B = 2 d_A inv, H(x < 0) = 1 − e^{P − x²/2}/d, and
    // N/D = n_A d_B / (n_B d_A) with n = 1 (x ≥ 0) or H(x) d (x < 0).
    const __m256d da = _mm256_fmadd_pd(_mm256_andnot_pd(sign, A), invSqrt2, two);
    const __m256d db = _mm256_fmadd_pd(_mm256_andnot_pd(sign, B), invSqrt2, two);
    const __m256d inv = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_mul_pd(da, db));
    const __m256d ta = _mm256_mul_pd(_mm256_mul_pd(two, db), inv), tb = _mm256_mul_pd(_mm256_mul_pd(two, da), inv);
    const __m256d pa = fm_erfcx_series_pd(ta, table), pb = fm_erfcx_series_pd(tb, table);
    const __m256d qa = _mm256_fnmadd_pd(_mm256_mul_pd(half, A), A, pa);   // P_A − A²/2
    const __m256d qb = _mm256_fnmadd_pd(_mm256_mul_pd(half, B), B, pb);
    const __m256d aPos = _mm256_cmp_pd(A, zero, _CMP_GE_OQ), bPos = _mm256_cmp_pd(B, zero, _CMP_GE_OQ);
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d hada = _mm256_fnmadd_pd(_mm256_mul_pd(db, inv), _mm256_mul_pd(fm_exp_pd(qa), da), da);   // H(A) d_A
    const __m256d hbdb = _mm256_fnmadd_pd(_mm256_mul_pd(da, inv), _mm256_mul_pd(fm_exp_pd(qb), db), db);   // H(B) d_B
    const __m256d na = _mm256_blendv_pd(hada, one, aPos), nb = _mm256_blendv_pd(hbdb, one, bPos);
    const __m256d both = _mm256_and_pd(aPos, bPos);
    const __m256d restBoth = _mm256_fmadd_pd(_mm256_mul_pd(half, _mm256_sub_pd(B, A)), _mm256_add_pd(B, A), _mm256_sub_pd(pa, pb));
    const __m256d restMixed = _mm256_sub_pd(_mm256_and_pd(aPos, qa), _mm256_and_pd(bPos, qb));
    const __m256d rest = _mm256_blendv_pd(restMixed, restBoth, both);
    const __m256d ratio = _mm256_div_pd(_mm256_mul_pd(na, db), _mm256_mul_pd(nb, da));
    return _mm256_mul_pd(half, _mm256_add_pd(fm_log_pd(ratio), rest));
}

FM_AVX2_FMA void fm_exp4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_exp_pd(_mm256_loadu_pd(in))); }
FM_AVX2_FMA void fm_log4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_log_pd(_mm256_loadu_pd(in))); }
FM_AVX2_FMA void fm_half_log_h_ratio4_avx2(const double *a, const double *b, double *out, const double *erfcx) {
    _mm256_storeu_pd(out, fm_half_log_h_ratio_pd(_mm256_loadu_pd(a), _mm256_loadu_pd(b), erfcx));
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

// The fresh message of four sites: cavity sums, the log H ratio, the clamp to ±30 (NaN kept).
FM_AVX2_FMA __attribute__((always_inline)) static inline __m256d fm_bp_fresh(__m256d x, __m256d ms, __m256d vs, __m256d Mv,
                                                                             __m256d Vv, __m256d thr, const double *erfcx) {
    const __m256d cavityM = _mm256_fnmadd_pd(x, ms, Mv);
    const __m256d cavityV = _mm256_max_pd(_mm256_sub_pd(Vv, vs), _mm256_set1_pd(1e-12));
    const __m256d s = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_sqrt_pd(cavityV));
    const __m256d a = _mm256_sub_pd(thr, cavityM);
    const __m256d fresh = fm_half_log_h_ratio_pd(_mm256_mul_pd(_mm256_sub_pd(a, x), s), _mm256_mul_pd(_mm256_add_pd(a, x), s), erfcx);
    const __m256d isNan = _mm256_cmp_pd(fresh, fresh, _CMP_UNORD_Q);
    const __m256d limit = _mm256_set1_pd(30.0);
    return _mm256_blendv_pd(_mm256_min_pd(_mm256_max_pd(fresh, _mm256_sub_pd(_mm256_setzero_pd(), limit)), limit), fresh, isNan);
}

FM_AVX2_FMA double fm_bp_pattern_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                      double *m, double *v, long n, double threshold, double damping, const double *erfcx) {
    __m256d M = _mm256_setzero_pd(), V = _mm256_setzero_pd(), M1 = _mm256_setzero_pd(), V1 = _mm256_setzero_pd();
    long i = 0;
    for (; i + 8 <= n; i += 8) {   // two independent chains
        fm_bp_pass1(fm_load_i8_pd(xi + i), _mm256_loadu_pd(h + i), _mm256_cvtps_pd(_mm_loadu_ps(u + i)), m + i, v + i, &M, &V);
        fm_bp_pass1(fm_load_i8_pd(xi + i + 4), _mm256_loadu_pd(h + i + 4), _mm256_cvtps_pd(_mm_loadu_ps(u + i + 4)),
                    m + i + 4, v + i + 4, &M1, &V1);
    }
    M = _mm256_add_pd(M, M1);
    V = _mm256_add_pd(V, V1);
    for (; i + 4 <= n; i += 4)
        fm_bp_pass1(fm_load_i8_pd(xi + i), _mm256_loadu_pd(h + i), _mm256_cvtps_pd(_mm_loadu_ps(u + i)), m + i, v + i, &M, &V);
    if (i < n) {   // the last 1–3 sites, padded with x = 0 (no contribution)
        int8_t xt[4] = {0, 0, 0, 0};
        double ht[4] = {0, 0, 0, 0}, ut[4] = {0, 0, 0, 0}, mt[4], vt[4];
        for (long j = i; j < n; j++) { xt[j - i] = xi[j]; ht[j - i] = h[j]; ut[j - i] = u[j]; }
        fm_bp_pass1(fm_load_i8_pd(xt), _mm256_loadu_pd(ht), _mm256_loadu_pd(ut), mt, vt, &M, &V);
        for (long j = i; j < n; j++) { m[j] = mt[j - i]; v[j] = vt[j - i]; }
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, M);
    const double bigM = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    _mm256_storeu_pd(lanes, V);
    const double bigV = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);

    const __m256d Mv = _mm256_set1_pd(bigM), Vv = _mm256_set1_pd(bigV);
    const __m256d thr = _mm256_set1_pd(threshold), d = _mm256_set1_pd(damping), d1 = _mm256_set1_pd(1 - damping);
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d change = _mm256_setzero_pd(), nanSeen = _mm256_setzero_pd();
    long j = 0;
    // Eight sites per iteration as two independent four-lane chains (the kernel is latency-bound).
    for (; j + 8 <= n; j += 8) {
        const __m256d x0 = fm_load_i8_pd(xi + j), x1 = fm_load_i8_pd(xi + j + 4);
        const __m256d old0 = _mm256_cvtps_pd(_mm_loadu_ps(u + j)), old1 = _mm256_cvtps_pd(_mm_loadu_ps(u + j + 4));
        const __m256d fresh0 = fm_bp_fresh(x0, _mm256_loadu_pd(m + j), _mm256_loadu_pd(v + j), Mv, Vv, thr, erfcx);
        const __m256d fresh1 = fm_bp_fresh(x1, _mm256_loadu_pd(m + j + 4), _mm256_loadu_pd(v + j + 4), Mv, Vv, thr, erfcx);
        const __m128 nextF0 = _mm256_cvtpd_ps(_mm256_fmadd_pd(d, old0, _mm256_mul_pd(d1, fresh0)));
        const __m128 nextF1 = _mm256_cvtpd_ps(_mm256_fmadd_pd(d, old1, _mm256_mul_pd(d1, fresh1)));
        const __m256d next0 = _mm256_cvtps_pd(nextF0), next1 = _mm256_cvtps_pd(nextF1);
        const __m256d diff0 = _mm256_sub_pd(next0, old0), diff1 = _mm256_sub_pd(next1, old1);
        nanSeen = _mm256_or_pd(nanSeen, _mm256_or_pd(_mm256_cmp_pd(diff0, diff0, _CMP_UNORD_Q), _mm256_cmp_pd(diff1, diff1, _CMP_UNORD_Q)));
        change = _mm256_max_pd(change, _mm256_max_pd(_mm256_andnot_pd(sign, diff0), _mm256_andnot_pd(sign, diff1)));
        _mm_storeu_ps(u + j, nextF0);
        _mm_storeu_ps(u + j + 4, nextF1);
        if (sum) {
            _mm256_storeu_pd(sum + j, _mm256_add_pd(_mm256_loadu_pd(sum + j), next0));
            _mm256_storeu_pd(sum + j + 4, _mm256_add_pd(_mm256_loadu_pd(sum + j + 4), next1));
        } else if (cavity) {
            _mm256_storeu_pd(cavity + j, _mm256_add_pd(_mm256_loadu_pd(cavity + j), diff0));
            _mm256_storeu_pd(cavity + j + 4, _mm256_add_pd(_mm256_loadu_pd(cavity + j + 4), diff1));
            _mm256_storeu_pd(h + j, _mm256_add_pd(_mm256_loadu_pd(h + j), diff0));
            _mm256_storeu_pd(h + j + 4, _mm256_add_pd(_mm256_loadu_pd(h + j + 4), diff1));
        }
    }
    for (; j < n; j += 4) {
        const long count = n - j < 4 ? n - j : 4;
        double xt[4] = {0, 0, 0, 0}, mt[4] = {0, 0, 0, 0}, vt[4] = {0, 0, 0, 0};
        float ut[4] = {0, 0, 0, 0};
        __m256d x, ms, vs, old;
        if (count == 4) {
            x = fm_load_i8_pd(xi + j); ms = _mm256_loadu_pd(m + j); vs = _mm256_loadu_pd(v + j);
            old = _mm256_cvtps_pd(_mm_loadu_ps(u + j));
        } else {
            for (long k = 0; k < count; k++) { xt[k] = xi[j + k]; mt[k] = m[j + k]; vt[k] = v[j + k]; ut[k] = u[j + k]; }
            x = _mm256_loadu_pd(xt); ms = _mm256_loadu_pd(mt); vs = _mm256_loadu_pd(vt);
            old = _mm256_cvtps_pd(_mm_loadu_ps(ut));
        }
        const __m256d fresh = fm_bp_fresh(x, ms, vs, Mv, Vv, thr, erfcx);
        const __m128 nextF = _mm256_cvtpd_ps(_mm256_fmadd_pd(d, old, _mm256_mul_pd(d1, fresh)));
        const __m256d next = _mm256_cvtps_pd(nextF);
        const __m256d diff = _mm256_sub_pd(next, old);
        nanSeen = _mm256_or_pd(nanSeen, _mm256_cmp_pd(diff, diff, _CMP_UNORD_Q));
        change = _mm256_max_pd(change, _mm256_andnot_pd(sign, diff));
        if (count == 4) {
            _mm_storeu_ps(u + j, nextF);
            if (sum) _mm256_storeu_pd(sum + j, _mm256_add_pd(_mm256_loadu_pd(sum + j), next));
            else if (cavity) {
                _mm256_storeu_pd(cavity + j, _mm256_add_pd(_mm256_loadu_pd(cavity + j), diff));
                _mm256_storeu_pd(h + j, _mm256_add_pd(_mm256_loadu_pd(h + j), diff));
            }
        } else {
            float nf[4];
            double nd[4], dd[4];
            _mm_storeu_ps(nf, nextF);
            _mm256_storeu_pd(nd, next);
            _mm256_storeu_pd(dd, diff);
            for (long k = 0; k < count; k++) {
                u[j + k] = nf[k];
                if (sum) sum[j + k] += nd[k];
                else if (cavity) { cavity[j + k] += dd[k]; h[j + k] += dd[k]; }
            }
        }
    }
    _mm256_storeu_pd(lanes, change);
    double result = lanes[0];
    for (int k = 1; k < 4; k++) if (lanes[k] > result) result = lanes[k];
    if (_mm256_movemask_pd(nanSeen)) return __builtin_nan("");
    return result;
}

int fm_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
}
#else
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    (void)h; (void)w; (void)counts; (void)targets; (void)table; (void)bits; (void)sums;
    (void)lo; (void)hi; (void)rate; (void)pull; (void)clip;
    __builtin_trap();   // unreachable: fm_cpu_has_avx2() is 0 here
}

void fm_sum_rows_avx2(int8_t *s, const int8_t *x, long stride, const long *rows, long count, long n) {
    (void)s; (void)x; (void)stride; (void)rows; (void)count; (void)n;
    __builtin_trap();
}

long fm_dot_i8_f64_avx2(const int8_t *x, const double *m, long n, double *partial) {
    (void)x; (void)m; (void)n; (void)partial;
    __builtin_trap();
}

void fm_axpy_i8_f64_avx2(double *b, const int8_t *x, double g, long n) {
    (void)b; (void)x; (void)g; (void)n;
    __builtin_trap();
}

long fm_dot4_i8_f64_avx2(const int8_t *x, long stride, const double *m, long n, double *partial) {
    (void)x; (void)stride; (void)m; (void)n; (void)partial;
    __builtin_trap();
}

void fm_axpy4_i8_f64_avx2(double *b, const int8_t *x, long stride, const double *g, long n) {
    (void)b; (void)x; (void)stride; (void)g; (void)n;
    __builtin_trap();
}

double fm_bp_pattern_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                          double *m, double *v, long n, double threshold, double damping, const double *erfcx) {
    (void)xi; (void)u; (void)h; (void)cavity; (void)sum; (void)m; (void)v; (void)n; (void)threshold;
    (void)damping; (void)erfcx;
    __builtin_trap();
}

int fm_cpu_has_avx2_fma(void) { return 0; }
void fm_exp4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_log4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_half_log_h_ratio4_avx2(const double *a, const double *b, double *out, const double *erfcx) {
    (void)a; (void)b; (void)out; (void)erfcx; __builtin_trap();
}
#endif
