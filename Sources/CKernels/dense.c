// Dense kernels on ±1 (Int8) rows: XOR-popcount, row sums, dot products and axpy (CKernels.h).
#include "internal.h"

#if FM_X86
__attribute__((target("popcnt")))
#endif
long fm_xor_popcount(const uint64_t *a, const uint64_t *b, long words) {
    long total = 0;
    for (long j = 0; j < words; j++) total += __builtin_popcountll(a[j] ^ b[j]);
    return total;
}

#if FM_X86
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
#endif
