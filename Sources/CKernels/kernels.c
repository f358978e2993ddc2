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
#endif
