// AMP's special functions and rounds on four- and eight-lane vectors (CKernels.h, special_v4.h).
#include "internal.h"

// ---- AMP's special functions on arrays: G/H (the output channel) and tanh (the binary prior) ----------
//
// Written once on 4-lane vectors of the compiler's vector extension and compiled twice, for the x86-64
// baseline (two SSE2 registers per vector) and for AVX2: with only +, −, ×, ÷, min, max and round-to-
// nearest-even, lane by lane and without contraction into FMA, both give the same bits, so AMP's records
// do not depend on the instruction set.

#pragma STDC FP_CONTRACT OFF

// (Two independent vectors per step: the functions are chains of dependent operations, and interleaving
// two of them keeps the core busy.)
#define FM_ARRAY_BODY(f, ...) { \
    long i = 0; \
    for (; i + 8 <= n; i += 8) { fm_v4d v, w; __builtin_memcpy(&v, in + i, sizeof v); \
        __builtin_memcpy(&w, in + i + 4, sizeof w); \
                                 v = f(v, ##__VA_ARGS__); w = f(w, ##__VA_ARGS__); \
                                 __builtin_memcpy(out + i, &v, sizeof v); \
                                         __builtin_memcpy(out + i + 4, &w, sizeof w); } \
    for (; i + 4 <= n; i += 4) { fm_v4d v; __builtin_memcpy(&v, in + i, sizeof v); v = f(v, ##__VA_ARGS__); \
        __builtin_memcpy(out + i, &v, sizeof v); } \
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
        c[j] = (fm_v8d)_mm512_permutex2var_pd(_mm512_load_pd(table + 16 * j), index, \
                                              _mm512_load_pd(table + 16 * j + 8)); }
#include "special_v4.h"
#undef FM_V4
#undef FM_V4_TARGET
#undef FM_V4_COEFFICIENTS
#undef FM_V8_COEFFICIENTS
#endif
