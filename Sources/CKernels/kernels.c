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
                            long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    // t = table[c] by register permutes when the table has at most 16 entries (y ≤ 15): vgatherdps costs
    // ~30 cycles on Intel cores with the gather-data-sampling mitigation (it was 73 % of this loop's
    // time there). Larger tables gather, and only where a site flipped (elsewhere t is unchanged).
    const int permuting = entries <= 16;
    const __m256 table0 = permuting ? _mm256_loadu_ps(table) : _mm256_setzero_ps();
    const __m256 table1 = permuting && entries > 8 ? _mm256_loadu_ps(table + 8) : table0;
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
        if (permuting) {
            const __m256 t0 = _mm256_permutevar8x32_ps(table0, c), t1 = _mm256_permutevar8x32_ps(table1, c);
            _mm256_storeu_ps(targets + i, _mm256_blendv_ps(t0, t1, _mm256_castsi256_ps(_mm256_slli_epi32(c, 28))));
        } else if (flips) {
            _mm256_storeu_ps(targets + i, _mm256_i32gather_ps(table, c, 4));
        }
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

// The same pass on sixteen sites per step with AVX-512 (F, BW, VL; fm_rsgd_pull_sign_avx2's arithmetic, the same
// bits): sign tests and flips in mask registers, c ± 1 by masked adds, t = table[c] by one vpermps
// (≤ 16 entries) or two (vpermt2ps, ≤ 32), else a gather where a site flipped; the last < 16 sites
// by masked loads and stores (no scalar tail: a scalar a + b·c could be contracted into an FMA).
__attribute__((target("avx512f,avx512bw,avx512vl")))
void fm_rsgd_pull_sign_avx512(float *h, float *w, int32_t *counts, float *targets, const float *table,
                              long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                              float rate, float pull, float clip) {
    const int permuting = entries <= 32;
    const __m512 table0 = permuting ? _mm512_loadu_ps(table) : _mm512_setzero_ps();
    const __m512 table1 = permuting && entries > 16 ? _mm512_loadu_ps(table + 16) : table0;
    const __m512 pullv = _mm512_set1_ps(pull), ratev = _mm512_set1_ps(rate), zero = _mm512_setzero_ps();
    const __m512 one = _mm512_set1_ps(1.0f), minus = _mm512_set1_ps(-1.0f);
    const __m512 upper = _mm512_set1_ps(clip), lower = _mm512_set1_ps(-clip);
    const __m512i oneI = _mm512_set1_epi32(1);
    const int stepping = rate != 0.0f, clipping = clip > 0.0f;
    for (long i = lo; i < hi; i += 16) {
        const __mmask16 lanes = hi - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (hi - i)) - 1);
        const __m512 ws = _mm512_maskz_loadu_ps(lanes, w + i);
        const __m512 ts = _mm512_maskz_loadu_ps(lanes, targets + i);
        __m512 hs = _mm512_maskz_loadu_ps(lanes, h + i);
        hs = _mm512_add_ps(hs, _mm512_mul_ps(pullv, _mm512_sub_ps(ts, ws)));
        if (stepping) {
            const __m128i s8 = _mm_maskz_loadu_epi8(lanes, sums + i);
            hs = _mm512_add_ps(hs, _mm512_mul_ps(ratev, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(s8))));
        }
        if (clipping) hs = _mm512_min_ps(_mm512_max_ps(hs, lower), upper);
        _mm512_mask_storeu_ps(h + i, lanes, hs);
        const __mmask16 positive = _mm512_cmp_ps_mask(hs, zero, _CMP_GT_OQ);
        const __mmask16 changed = (positive ^ _mm512_cmp_ps_mask(ws, zero, _CMP_GT_OQ)) & lanes;
        _mm512_mask_storeu_ps(w + i, lanes, _mm512_mask_blend_ps(positive, minus, one));
        __m512i c = _mm512_maskz_loadu_epi32(lanes, counts + i);
        c = _mm512_mask_add_epi32(c, changed & positive, c, oneI);
        c = _mm512_mask_sub_epi32(c, changed & (__mmask16)~positive, c, oneI);
        _mm512_mask_storeu_epi32(counts + i, lanes, c);
        if (permuting) {
            _mm512_mask_storeu_ps(targets + i, lanes, _mm512_permutex2var_ps(table0, c, table1));
        } else if (changed) {
            _mm512_mask_storeu_ps(targets + i, changed, _mm512_mask_i32gather_ps(ts, changed, c, table, 4));
        }
        bits[i >> 6] ^= (uint64_t)changed << (i & 63);
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

// ---- Exact products of ±1 matrices by table look-up (SignLookup.swift has the layout and the tables) --

// Words [first, last) of one block of 16 rows of a `SignLookupMatrix`: with S_kr the sum over those index
// words of plane k's entries (7-bit bytes) for row r, out[r] += Σ_k 2^{7k} S_kr (k < planeCount, 4…7;
// word q's planes at planes + 32·planeCount·q). An index word is 32 bytes: in 128-bit lane L, bytes 2j and
// 2j+1 are row 8L + j's indices into the two 8-entry halves of a 16-byte table (low nibble: the word's
// first table, high nibble: its second). vpshufb looks 32 indices up at once (both lanes read the same
// broadcast table), two look-ups add in bytes (≤ 254), and vpmaddubsw against ones adds each row's byte
// pair into its 16-bit lane (≤ 508); every 64 words (≤ 32512) the lanes are widened into Int32. Callers
// whose tables would not stay in the caches walk the words in chunks over all their blocks.
__attribute__((target("avx2"), always_inline))
static inline void fm_lookup16_body(const uint8_t *index, long first, long last, const uint8_t *planes, const int count,
                                    int64_t *out) {
    const __m256i ones = _mm256_set1_epi8(1), low = _mm256_set1_epi8(0x0F);
    __m256i wide[14];
    for (int k = 0; k < 2 * count; k++) wide[k] = _mm256_setzero_si256();
    long q = first;
    while (q < last) {
        const long stop = last - q > 64 ? q + 64 : last;
        __m256i a[7];
        for (int k = 0; k < count; k++) a[k] = _mm256_setzero_si256();
        for (; q < stop; q++) {
            const __m256i w = _mm256_loadu_si256((const __m256i *)(index + 32 * q));
            const __m256i i0 = _mm256_and_si256(w, low), i1 = _mm256_and_si256(_mm256_srli_epi16(w, 4), low);
            const uint8_t *t = planes + 32 * count * q;
            #define FM_TABLE(off) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(t + (off))))
            for (int k = 0; k < count; k++)
                a[k] = _mm256_add_epi16(a[k], _mm256_maddubs_epi16(_mm256_add_epi8(
                    _mm256_shuffle_epi8(FM_TABLE(32 * k), i0), _mm256_shuffle_epi8(FM_TABLE(32 * k + 16), i1)), ones));
            #undef FM_TABLE
        }
        for (int k = 0; k < count; k++) {
            wide[2 * k] = _mm256_add_epi32(wide[2 * k], _mm256_cvtepu16_epi32(_mm256_castsi256_si128(a[k])));
            wide[2 * k + 1] = _mm256_add_epi32(wide[2 * k + 1], _mm256_cvtepu16_epi32(_mm256_extracti128_si256(a[k], 1)));
        }
    }
    // out[r] += Σ_k 2^{7k} S_kr in Int64 (wrapping: the exact total fits); four rows per step.
    for (int quarter = 0; quarter < 4; quarter++) {
        __m256i total = _mm256_loadu_si256((const __m256i *)(out + 4 * quarter));
        for (int k = 0; k < count; k++) {
            const __m256i lanes = wide[2 * k + (quarter >> 1)];
            const __m128i four = (quarter & 1) ? _mm256_extracti128_si256(lanes, 1) : _mm256_castsi256_si128(lanes);
            total = _mm256_add_epi64(total, _mm256_slli_epi64(_mm256_cvtepu32_epi64(four), 7 * k));
        }
        _mm256_storeu_si256((__m256i *)(out + 4 * quarter), total);
    }
}

// (One copy per plane count, so that the accumulators stay in registers.)
__attribute__((target("avx2")))
void fm_lookup16_avx2(const uint8_t *index, long first, long last, const uint8_t *planes, long planeCount, int64_t *out) {
    switch (planeCount) {
    case 4: fm_lookup16_body(index, first, last, planes, 4, out); break;
    case 5: fm_lookup16_body(index, first, last, planes, 5, out); break;
    case 6: fm_lookup16_body(index, first, last, planes, 6, out); break;
    default: fm_lookup16_body(index, first, last, planes, 7, out); break;
    }
}

// Two consecutive blocks of 16 rows at once with AVX-512BW (same tables, same exact sums as
// fm_lookup16_avx2): a 64-byte vector holds word q of the first block in its low half and word q of the
// second in its high half, each 16-byte table is broadcast to all four 128-bit lanes, and the 16-bit lane
// j of a product vector is row j of the pair (rows 0–15 of the first block, then of the second).
// index: the first block's words (the second's follow at index + 32·words); out: its 32 rows.
__attribute__((target("avx512f,avx512bw"), always_inline))
static inline void fm_lookup32_body(const uint8_t *index, long words, long first, long last, const uint8_t *planes,
                                    const int count, int64_t *out) {
    const __m512i ones = _mm512_set1_epi8(1), low = _mm512_set1_epi8(0x0F);
    const uint8_t *second = index + 32 * words;
    __m512i wide[14];
    for (int k = 0; k < 2 * count; k++) wide[k] = _mm512_setzero_si512();
    long q = first;
    while (q < last) {
        const long stop = last - q > 64 ? q + 64 : last;
        __m512i a[7];
        for (int k = 0; k < count; k++) a[k] = _mm512_setzero_si512();
        for (; q < stop; q++) {
            const __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(index + 32 * q))),
                                                 _mm256_loadu_si256((const __m256i *)(second + 32 * q)), 1);
            const __m512i i0 = _mm512_and_si512(w, low), i1 = _mm512_and_si512(_mm512_srli_epi16(w, 4), low);
            const uint8_t *t = planes + 32 * count * q;
            #define FM_TABLE(off) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(t + (off))))
            for (int k = 0; k < count; k++)
                a[k] = _mm512_add_epi16(a[k], _mm512_maddubs_epi16(_mm512_add_epi8(
                    _mm512_shuffle_epi8(FM_TABLE(32 * k), i0), _mm512_shuffle_epi8(FM_TABLE(32 * k + 16), i1)), ones));
            #undef FM_TABLE
        }
        for (int k = 0; k < count; k++) {
            wide[2 * k] = _mm512_add_epi32(wide[2 * k], _mm512_cvtepu16_epi32(_mm512_castsi512_si256(a[k])));
            wide[2 * k + 1] = _mm512_add_epi32(wide[2 * k + 1], _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(a[k], 1)));
        }
    }
    // out[r] += Σ_k 2^{7k} S_kr in Int64 (wrapping: the exact total fits); eight rows per step.
    for (int eighth = 0; eighth < 4; eighth++) {
        __m512i total = _mm512_loadu_si512((const void *)(out + 8 * eighth));
        for (int k = 0; k < count; k++) {
            const __m512i lanes = wide[2 * k + (eighth >> 1)];
            const __m256i eight = (eighth & 1) ? _mm512_extracti64x4_epi64(lanes, 1) : _mm512_castsi512_si256(lanes);
            total = _mm512_add_epi64(total, _mm512_slli_epi64(_mm512_cvtepu32_epi64(eight), 7 * k));
        }
        _mm512_storeu_si512((void *)(out + 8 * eighth), total);
    }
}

__attribute__((target("avx512f,avx512bw")))
void fm_lookup32_avx512(const uint8_t *index, long words, long first, long last, const uint8_t *planes, long planeCount,
                        int64_t *out) {
    switch (planeCount) {
    case 4: fm_lookup32_body(index, words, first, last, planes, 4, out); break;
    case 5: fm_lookup32_body(index, words, first, last, planes, 5, out); break;
    case 6: fm_lookup32_body(index, words, first, last, planes, 6, out); break;
    default: fm_lookup32_body(index, words, first, last, planes, 7, out); break;
    }
}

int fm_cpu_has_avx512bw(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) ? 1 : 0;
}

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

FM_AVX2_FMA void fm_exp4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_exp_pd(_mm256_loadu_pd(in))); }
FM_AVX2_FMA void fm_log4_avx2(const double *in, double *out) { _mm256_storeu_pd(out, fm_log_pd(_mm256_loadu_pd(in))); }

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

int fm_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
}
#else
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    (void)h; (void)w; (void)counts; (void)targets; (void)table; (void)entries; (void)bits; (void)sums;
    (void)lo; (void)hi; (void)rate; (void)pull; (void)clip;
    __builtin_trap();   // unreachable: fm_cpu_has_avx2() is 0 here
}

void fm_rsgd_pull_sign_avx512(float *h, float *w, int32_t *counts, float *targets, const float *table,
                              long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                              float rate, float pull, float clip) {
    (void)h; (void)w; (void)counts; (void)targets; (void)table; (void)entries; (void)bits; (void)sums;
    (void)lo; (void)hi; (void)rate; (void)pull; (void)clip;
    __builtin_trap();   // unreachable: fm_cpu_has_avx512vbmi() is 0 here
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

void fm_lookup16_avx2(const uint8_t *index, long first, long last, const uint8_t *planes, long planeCount, int64_t *out) {
    (void)index; (void)first; (void)last; (void)planes; (void)planeCount; (void)out; __builtin_trap();
}

int fm_cpu_has_avx2_fma(void) { return 0; }
int fm_cpu_has_avx512bw(void) { return 0; }
void fm_lookup32_avx512(const uint8_t *index, long words, long first, long last, const uint8_t *planes, long planeCount,
                        int64_t *out) {
    (void)index; (void)words; (void)first; (void)last; (void)planes; (void)planeCount; (void)out; __builtin_trap();
}
void fm_log4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_committee_unit_sums_avx2(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                 long fan, double *bigM, double *bigV) {
    (void)x; (void)h; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; __builtin_trap();
}
double fm_committee_unit_messages_avx2(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                       double bigM, double bigV, double theta, double t, double c,
                                       double damping, double *sum, double *cavity, double *h, const double *table) {
    (void)x; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; (void)theta; (void)t; (void)c;
    (void)damping; (void)sum; (void)cavity; (void)h; (void)table; __builtin_trap();
}
double fm_bp_pattern_f32_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                              double *m, double *v, long n, double threshold, double damping, const float *table) {
    (void)xi; (void)u; (void)h; (void)cavity; (void)sum; (void)m; (void)v; (void)n; (void)threshold; (void)damping; (void)table;
    __builtin_trap();
}
void fm_half_log_h_ratio8_f32_avx2(const double *a, const double *b, float *out, const float *table) {
    (void)a; (void)b; (void)out; (void)table; __builtin_trap();
}
void fm_exp4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
double fm_bp_pattern_f32_avx512(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                double *m, double *v, long n, double threshold, double damping, const float *table) {
    (void)xi; (void)u; (void)h; (void)cavity; (void)sum; (void)m; (void)v; (void)n; (void)threshold; (void)damping; (void)table;
    __builtin_trap();
}
void fm_committee_unit_sums_avx512(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                   long fan, double *bigM, double *bigV) {
    (void)x; (void)h; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV;
    __builtin_trap();
}
double fm_committee_unit_messages_avx512(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                         double bigM, double bigV, double theta, double t, double c,
                                         double damping, double *sum, double *cavity, double *h,
                                         const double *transposed) {
    (void)x; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; (void)theta; (void)t; (void)c;
    (void)damping; (void)sum; (void)cavity; (void)h; (void)transposed;
    __builtin_trap();
}
void fm_half_log_h_ratio16_f32_avx512(const double *a, const double *b, float *out, const float *table) {
    (void)a; (void)b; (void)out; (void)table; __builtin_trap();
}
#endif

// ---- Sign indices for SignLookupMatrix (SignLookup.swift has the layout) ------------------------------

// The 12-bit mask of the signs (bit c: x_c < 0) of the n ≤ 12 entries x[0], x[step], …
static inline unsigned fm_sign_mask(const int8_t *x, long step, long n) {
    unsigned mask = 0;
    for (long c = 0; c < n; c++) mask |= (unsigned)((uint8_t)x[c * step] >> 7) << c;
    return mask;
}

// The two index bytes (t = 0, 1) of one row of a word from its 12-bit sign mask: low nibble group t
// (bits 3t…3t+2), high nibble group 2 + t (bits 6+3t…8+3t), each with 8t.
static inline void fm_sign_bytes(unsigned mask, uint8_t *out) {
    out[0] = (uint8_t)((mask & 7) | ((mask >> 6) & 7) << 4);
    out[1] = (uint8_t)(((mask >> 3) & 7) | 8 | (((mask >> 9) & 7) | 8) << 4);
}

// The index word (block, word) of the rows × columns matrix whose entry (r, c) is x[r·rowStride +
// c·columnStride], at out + 32·(block·words + word).
static inline void fm_sign_word(const int8_t *x, long rows, long columns, long rowStride, long columnStride, long words,
                                long block, long word, uint8_t *out) {
    uint8_t *target = out + 32 * (block * words + word);
    const long first = 12 * word, n = columns - first < 12 ? columns - first : 12;
    unsigned masks[16];
#if FM_X86
    if (columnStride == 1 && first + 16 <= columns) {
        // Row-major: 16 bytes of each row, one movemask.
        for (int j = 0; j < 16; j++) {
            const long r = 16 * block + j;
            masks[j] = r < rows ? (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(x + r * rowStride + first))) & 0xFFF : 0;
        }
    } else if (rowStride == 1 && 16 * block + 16 <= rows) {
        // Transposed: 16 consecutive rows of each column; the sign bytes (0 or −1) of column c, masked to
        // its bit, make both index bytes of all 16 rows at once (rows interleaved by the unpacks).
        __m128i sign[12];
        for (long c = 0; c < 12; c++)
            sign[c] = c < n ? _mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)(x + (first + c) * columnStride + 16 * block)),
                                             _mm_setzero_si128())
                            : _mm_setzero_si128();
        #define FM_BIT(c, b) _mm_and_si128(sign[c], _mm_set1_epi8((char)(b)))
        const __m128i low = _mm_or_si128(_mm_or_si128(_mm_or_si128(FM_BIT(0, 1), FM_BIT(1, 2)), FM_BIT(2, 4)),
                                         _mm_or_si128(_mm_or_si128(FM_BIT(6, 16), FM_BIT(7, 32)), FM_BIT(8, 64)));
        const __m128i high = _mm_or_si128(_mm_or_si128(_mm_or_si128(FM_BIT(3, 1), FM_BIT(4, 2)), FM_BIT(5, 4)),
                                          _mm_or_si128(_mm_or_si128(FM_BIT(9, 16), FM_BIT(10, 32)), FM_BIT(11, 64)));
        #undef FM_BIT
        const __m128i second = _mm_or_si128(high, _mm_set1_epi8((char)0x88));
        _mm_storeu_si128((__m128i *)target, _mm_unpacklo_epi8(low, second));
        _mm_storeu_si128((__m128i *)(target + 16), _mm_unpackhi_epi8(low, second));
        return;
    } else
#endif
    {
        for (int j = 0; j < 16; j++) {
            const long r = 16 * block + j;
            masks[j] = r < rows ? fm_sign_mask(x + r * rowStride + first * columnStride, columnStride, n) : 0;
        }
    }
    // Row j = 8L + i sits at bytes 16L + 2i and 16L + 2i + 1; padding rows are zero.
    for (int j = 0; j < 16; j++) {
        if (16 * block + j < rows) fm_sign_bytes(masks[j], target + 16 * (j >> 3) + 2 * (j & 7));
        else target[16 * (j >> 3) + 2 * (j & 7)] = target[16 * (j >> 3) + 2 * (j & 7) + 1] = 0;
    }
}

// Index words of the blocks [firstBlock, lastBlock) of the rows × columns matrix whose entry (r, c) is
// x[r·rowStride + c·columnStride], for `words` words per block: out + 32·(block·words + word). A transposed
// matrix (rowStride 1) is read four blocks at a time, so that each of its 64-byte lines is read once.
void fm_sign_index(const int8_t *x, long rows, long columns, long rowStride, long columnStride, long words,
                   long firstBlock, long lastBlock, uint8_t *out) {
    const long step = rowStride == 1 ? 4 : 1;
    for (long group = firstBlock; group < lastBlock; group += step)
        for (long word = 0; word < words; word++)
            for (long block = group; block < group + step && block < lastBlock; block++)
                fm_sign_word(x, rows, columns, rowStride, columnStride, words, block, word, out);
}

// ---- Tables for SignLookupTables (SignLookup.swift): groups [firstGroup, lastGroup) ----------------------

static inline __attribute__((always_inline)) void fm_lookup_tables_body(
        const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
        long planeCount, uint8_t *planes, int64_t *wide) {
    const int64_t offset = (int64_t)3 << bits;
    for (long group = firstGroup; group < lastGroup; group++) {
        int64_t q[3];
        for (int c = 0; c < 3; c++) {
            const long column = 3 * group + c;
            // |y| ≤ 2^46: adding and subtracting 1.5·2^52 rounds to the nearest integer (ties to even).
            q[c] = column < columns ? (int64_t)((values[column] * scale + 0x1.8p52) - 0x1.8p52) : 0;
        }
        int64_t t[8];
        for (int s = 0; s < 8; s++)
            t[s] = offset + ((s & 1) ? -q[0] : q[0]) + ((s & 2) ? -q[1] : q[1]) + ((s & 4) ? -q[2] : q[2]);
        for (int s = 0; s < 8; s++) wide[8 * group + s] = t[s];
        uint8_t *target = planes + 32 * planeCount * (group >> 2) + 16 * ((group >> 1) & 1) + 8 * (group & 1);
        for (int k = 0; k < planeCount; k++)
            for (int s = 0; s < 8; s++) target[32 * k + s] = (uint8_t)((uint64_t)t[s] >> (7 * k) & 127);
    }
}

#if FM_X86
// The same planes with AVX2 (integer arithmetic: the same bytes; `wide`, which only the portable
// products read, is not written). The entries with even e (A) and odd e (B = A − 2q_0) sit in two
// registers; each entry's seven 7-bit fields are spread to bytes (field k to byte k) in three halving
// steps — fields 4–6 up by 4 bits, then the upper two of each 32-bit half up by 2, then the upper one of
// each 16-bit quarter up by 1 — and an 8×8 byte transpose, whose unpacks put the entries of plane k in the
// order A_0 B_0 A_1 B_1 … = e = 0 … 7, gives the planes.
__attribute__((target("avx2")))
void fm_lookup_tables_avx2(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                           long planeCount, uint8_t *planes, int64_t *wide) {
    (void)wide;
    const int64_t offset = (int64_t)3 << bits;
    const __m256i bit1 = _mm256_setr_epi64x(0, -1, 0, -1), bit2 = _mm256_setr_epi64x(0, 0, -1, -1);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i keep1 = _mm256_set1_epi64x(0x0FFFFFFF), move1 = _mm256_set1_epi64x(0x001FFFFF00000000);
    const __m256i keep2 = _mm256_set1_epi64x(0x00003FFF00003FFF), move2 = _mm256_set1_epi64x(0x3FFF00003FFF0000);
    const __m256i keep3 = _mm256_set1_epi64x(0x007F007F007F007F), move3 = _mm256_set1_epi64x(0x7F007F007F007F00);
    #define FM_SPREAD(y) \
        y = _mm256_or_si256(_mm256_and_si256(y, keep1), _mm256_and_si256(_mm256_slli_epi64(y, 4), move1)); \
        y = _mm256_or_si256(_mm256_and_si256(y, keep2), _mm256_and_si256(_mm256_slli_epi64(y, 2), move2)); \
        y = _mm256_or_si256(_mm256_and_si256(y, keep3), _mm256_and_si256(_mm256_slli_epi64(y, 1), move3));
    for (long group = firstGroup; group < lastGroup; group++) {
        int64_t q[3];
        for (int c = 0; c < 3; c++) {
            const long column = 3 * group + c;
            q[c] = column < columns ? (int64_t)((values[column] * scale + 0x1.8p52) - 0x1.8p52) : 0;
        }
        __m256i a = _mm256_sub_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(offset + q[0] + q[1] + q[2]),
                                                      _mm256_and_si256(bit1, _mm256_set1_epi64x(2 * q[1]))),
                                     _mm256_and_si256(bit2, _mm256_set1_epi64x(2 * q[2])));
        __m256i b = _mm256_sub_epi64(a, _mm256_set1_epi64x(2 * q[0]));
        FM_SPREAD(a)
        FM_SPREAD(b)
        const __m256i l = _mm256_unpacklo_epi8(a, b), h = _mm256_unpackhi_epi8(a, b);
        const __m256i p03 = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi16(l, h), order);
        const __m256i p47 = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi16(l, h), order);
        uint8_t *target = planes + 32 * planeCount * (group >> 2) + 16 * ((group >> 1) & 1) + 8 * (group & 1);
        const __m128i p01 = _mm256_castsi256_si128(p03), p23 = _mm256_extracti128_si256(p03, 1);
        const __m128i p45 = _mm256_castsi256_si128(p47), p6 = _mm256_extracti128_si256(p47, 1);
        _mm_storel_epi64((__m128i *)target, p01);
        _mm_storeh_pd((double *)(target + 32), _mm_castsi128_pd(p01));
        _mm_storel_epi64((__m128i *)(target + 64), p23);
        _mm_storeh_pd((double *)(target + 96), _mm_castsi128_pd(p23));
        if (planeCount > 4) _mm_storel_epi64((__m128i *)(target + 128), p45);
        if (planeCount > 5) _mm_storeh_pd((double *)(target + 160), _mm_castsi128_pd(p45));
        if (planeCount > 6) _mm_storel_epi64((__m128i *)(target + 192), p6);
    }
    #undef FM_SPREAD
}

// The same planes with AVX-512 (F, BW, DQ, VBMI), a word (four groups, twelve columns) at a time; groups
// before the first whole word and after the last go to the AVX2 builder. The twelve integers q_c come
// from one masked load, an exact scaling (scale is a power of two) and a conversion rounding to nearest
// even — the same integers as the portable `(y + 1.5·2^52) − 1.5·2^52`. Group g's eight entries
// T[s] = 3·2^b + Σ_c (−1)^{s_c} q_c sit in one register (entry s in lane s: q_c broadcast, negated in
// the lanes with bit c of s set); vpmultishiftqb cuts each entry into its 7-bit fields (byte k: bits
// 7k … 7k + 7, the eighth bit cleared afterwards), two byte permutes of two registers gather each plane's
// bytes of groups (0, 1) and (2, 3), and two qword permutes put plane k of the word at bytes 32k … 32k + 31.
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vbmi")))
void fm_lookup_tables_avx512(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                             long planeCount, uint8_t *planes, int64_t *wide) {
    long first = (firstGroup + 3) / 4, last = lastGroup / 4;
    if (first >= last) { fm_lookup_tables_avx2(values, columns, firstGroup, lastGroup, scale, bits, planeCount, planes, wide); return; }
    if (4 * first > firstGroup) fm_lookup_tables_avx2(values, columns, firstGroup, 4 * first, scale, bits, planeCount, planes, wide);
    const __m512i offset = _mm512_set1_epi64((int64_t)3 << bits);
    const __m512d scales = _mm512_set1_pd(scale);
    const __m512i fields = _mm512_set1_epi64(0x312A231C150E0700LL);   // bytes 0, 7, 14, …, 49
    const __m512i low7 = _mm512_set1_epi8(0x7F);
    // Byte j of the gather of groups (a, b) for planes 4h … 4h + 3: plane 4h + j/16, group a (j mod 16 < 8)
    // or b (index + 64), entry j mod 8, which sits at byte 8·entry + plane of its group's register.
    uint8_t pick[2][64];
    for (int h = 0; h < 2; h++)
        for (int j = 0; j < 64; j++)
            pick[h][j] = (uint8_t)(((j & 8) ? 64 : 0) + 8 * (j & 7) + 4 * h + j / 16);
    const __m512i pickLow = _mm512_loadu_si512((const void *)pick[0]), pickHigh = _mm512_loadu_si512((const void *)pick[1]);
    const __m512i lanes01 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), lanes23 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    const __mmask8 negate[3] = {0xAA, 0xCC, 0xF0};
    for (long word = first; word < last; word++) {
        const long column = 12 * word, n = columns - column;
        const __mmask8 lowMask = n >= 8 ? 0xFF : (n > 0 ? (__mmask8)((1u << n) - 1) : 0);
        const __mmask8 highMask = n >= 12 ? 0x0F : (n > 8 ? (__mmask8)((1u << (n - 8)) - 1) : 0);
        const __m512i qLow = _mm512_cvt_roundpd_epi64(_mm512_mul_pd(_mm512_maskz_loadu_pd(lowMask, values + column), scales),
                                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m512i qHigh = _mm512_cvt_roundpd_epi64(_mm512_mul_pd(_mm512_maskz_loadu_pd(highMask, values + column + 8), scales),
                                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512i z[4];
        for (int g = 0; g < 4; g++) {
            __m512i t = offset;
            for (int c = 0; c < 3; c++) {
                const __m512i q = _mm512_permutex2var_epi64(qLow, _mm512_set1_epi64(3 * g + c), qHigh);
                t = _mm512_add_epi64(t, _mm512_mask_sub_epi64(q, negate[c], _mm512_setzero_si512(), q));
            }
            z[g] = _mm512_multishift_epi64_epi8(fields, t);
        }
        const __m512i low01 = _mm512_permutex2var_epi8(z[0], pickLow, z[1]), low23 = _mm512_permutex2var_epi8(z[2], pickLow, z[3]);
        uint8_t *target = planes + 32 * planeCount * word;
        _mm512_storeu_si512((void *)target, _mm512_and_si512(_mm512_permutex2var_epi64(low01, lanes01, low23), low7));
        _mm512_storeu_si512((void *)(target + 64), _mm512_and_si512(_mm512_permutex2var_epi64(low01, lanes23, low23), low7));
        if (planeCount == 4) continue;
        const __m512i high01 = _mm512_permutex2var_epi8(z[0], pickHigh, z[1]), high23 = _mm512_permutex2var_epi8(z[2], pickHigh, z[3]);
        const __m512i p45 = _mm512_and_si512(_mm512_permutex2var_epi64(high01, lanes01, high23), low7);
        if (planeCount >= 6) _mm512_storeu_si512((void *)(target + 128), p45);
        else _mm256_storeu_si256((__m256i *)(target + 128), _mm512_castsi512_si256(p45));
        if (planeCount == 7)
            _mm256_storeu_si256((__m256i *)(target + 192),
                                _mm512_castsi512_si256(_mm512_and_si512(_mm512_permutex2var_epi64(high01, lanes23, high23), low7)));
    }
    if (4 * last < lastGroup) fm_lookup_tables_avx2(values, columns, 4 * last, lastGroup, scale, bits, planeCount, planes, wide);
}

int fm_cpu_has_avx512vbmi(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi")) ? 1 : 0;
}
#else
void fm_lookup_tables_avx2(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                           long planeCount, uint8_t *planes, int64_t *wide) {
    (void)values; (void)columns; (void)firstGroup; (void)lastGroup; (void)scale; (void)bits; (void)planeCount; (void)planes; (void)wide;
    __builtin_trap();
}
void fm_lookup_tables_avx512(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                             long planeCount, uint8_t *planes, int64_t *wide) {
    (void)values; (void)columns; (void)firstGroup; (void)lastGroup; (void)scale; (void)bits; (void)planeCount; (void)planes; (void)wide;
    __builtin_trap();
}
int fm_cpu_has_avx512vbmi(void) { return 0; }
#endif

void fm_lookup_tables(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                      long planeCount, uint8_t *planes, int64_t *wide) {
    fm_lookup_tables_body(values, columns, firstGroup, lastGroup, scale, bits, planeCount, planes, wide);
}

// ---- AMP's special functions on arrays: G/H (the output channel) and tanh (the binary prior) ----------
//
// Written once on 4-lane vectors of the compiler's vector extension and compiled twice, for the x86-64
// baseline (two SSE2 registers per vector) and for AVX2: with only +, −, ×, ÷, min, max and round-to-
// nearest-even, lane by lane and without contraction into FMA, both give the same bits, so AMP's records
// do not depend on the instruction set.

#pragma STDC FP_CONTRACT OFF
typedef double fm_v4d __attribute__((ext_vector_type(4)));
typedef long fm_v4l __attribute__((ext_vector_type(4)));
typedef int fm_v4i __attribute__((ext_vector_type(4)));
typedef double fm_v8d __attribute__((ext_vector_type(8)));
typedef long fm_v8l __attribute__((ext_vector_type(8)));
typedef int fm_v8i __attribute__((ext_vector_type(8)));

// (Two independent vectors per step: the functions are chains of dependent operations, and interleaving
// two of them keeps the core busy.)
#define FM_ARRAY_BODY(f, ...) { \
    long i = 0; \
    for (; i + 8 <= n; i += 8) { fm_v4d v, w; __builtin_memcpy(&v, in + i, sizeof v); __builtin_memcpy(&w, in + i + 4, sizeof w); \
                                 v = f(v, ##__VA_ARGS__); w = f(w, ##__VA_ARGS__); \
                                 __builtin_memcpy(out + i, &v, sizeof v); __builtin_memcpy(out + i + 4, &w, sizeof w); } \
    for (; i + 4 <= n; i += 4) { fm_v4d v; __builtin_memcpy(&v, in + i, sizeof v); v = f(v, ##__VA_ARGS__); __builtin_memcpy(out + i, &v, sizeof v); } \
    if (i < n) { fm_v4d v = (fm_v4d)0.0; __builtin_memcpy(&v, in + i, (size_t)(n - i) * sizeof(double)); \
                 v = f(v, ##__VA_ARGS__); __builtin_memcpy(out + i, &v, (size_t)(n - i) * sizeof(double)); } }

// (The baseline copy passes 32-byte vectors between always-inlined functions only: no ABI to change.)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"
#define FM_V4(name) name
#define FM_V4_TARGET
#include "special_v4.h"
#undef FM_V4
#undef FM_V4_TARGET
#pragma clang diagnostic pop
#if FM_X86
#define FM_V4(name) name##_avx2
#define FM_V4_TARGET __attribute__((target("avx2")))
#include "special_v4.h"
#undef FM_V4
#undef FM_V4_TARGET
// A third copy for AVX-512 (F, VL, DQ): G/H and tanh on eight lanes (two 4-lane steps at once: the same
// operations lane by lane, so the same bits), the coefficients of G/H picked from the transposed table
// by vpermt2pd (16 pieces in two registers) instead of scalar loads.
#define FM_V4(name) name##_avx512
#define FM_V4_TARGET __attribute__((target("avx2,avx512f,avx512vl,avx512dq")))
#define FM_V4_COEFFICIENTS(c, piece, table) { \
    const __m512i index = _mm512_castsi256_si512((__m256i)__builtin_convertvector(piece, fm_v4l)); \
    for (int j = 0; j < 10; j++) \
        c[j] = (fm_v4d)_mm512_castpd512_pd256(_mm512_permutex2var_pd(_mm512_load_pd(table + 16 * j), index, \
                                                                     _mm512_load_pd(table + 16 * j + 8))); }
#define FM_V8_COEFFICIENTS(c, piece, table) { \
    const __m512i index = (__m512i)__builtin_convertvector(piece, fm_v8l); \
    for (int j = 0; j < 10; j++) \
        c[j] = (fm_v8d)_mm512_permutex2var_pd(_mm512_load_pd(table + 16 * j), index, _mm512_load_pd(table + 16 * j + 8)); }
#include "special_v4.h"
#undef FM_V4
#undef FM_V4_TARGET
#undef FM_V4_COEFFICIENTS
#undef FM_V8_COEFFICIENTS
#else
void fm_goverh_array_avx2(const double *in, double *out, long n, const double *table) { (void)in; (void)out; (void)n; (void)table; __builtin_trap(); }
void fm_tanh_array_avx2(const double *in, double *out, long n) { (void)in; (void)out; (void)n; __builtin_trap(); }
void fm_amp_rows_avx2(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                      const double *table, double *omega, double *g, double *dg, double *c, double *dgSums, double *cLargest) {
    (void)dots; (void)oldG; (void)labels; (void)count; (void)k; (void)table; (void)omega; (void)g; (void)dg; (void)c; (void)dgSums;
    (void)cLargest;
    __builtin_trap();
}
void fm_amp_columns_avx2(const int64_t *totals, long count, const double *k, double *a, double *b, double *m, double *v,
                         double *results) {
    (void)totals; (void)count; (void)k; (void)a; (void)b; (void)m; (void)v; (void)results; __builtin_trap();
}
void fm_goverh_array_avx512(const double *in, double *out, long n, const double *table) { (void)in; (void)out; (void)n; (void)table; __builtin_trap(); }
void fm_tanh_array_avx512(const double *in, double *out, long n) { (void)in; (void)out; (void)n; __builtin_trap(); }
void fm_amp_rows_avx512(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                        const double *table, double *omega, double *g, double *dg, double *c, double *dgSums, double *cLargest) {
    (void)dots; (void)oldG; (void)labels; (void)count; (void)k; (void)table; (void)omega; (void)g; (void)dg; (void)c; (void)dgSums;
    (void)cLargest;
    __builtin_trap();
}
void fm_amp_columns_avx512(const int64_t *totals, long count, const double *k, double *a, double *b, double *m, double *v,
                           double *results) {
    (void)totals; (void)count; (void)k; (void)a; (void)b; (void)m; (void)v; (void)results; __builtin_trap();
}
#endif
