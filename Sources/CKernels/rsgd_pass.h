// Replicated SGD's fused pull-and-sign pass (CKernels.h has the equations), written once on the compiler's
// vector extension and included once per width by rsgd.c: FM_W = 8 (AVX2, eight floats per vector) or 16
// (AVX-512 F, BW, VL, sixteen). Both widths compute every site alike: single precision, multiplications and
// additions rounded separately (FP_CONTRACT OFF; AVX-512 implies FMA), so they write the same bits.
//
// A site's new target t = table[c] comes from register permutes where the table fits in two vectors (at most
// 2·FM_W entries): vgatherdps is slow on cores with the gather-data-sampling mitigation (BENCHMARKS.md).
// Larger tables are gathered, and only where a site flipped (elsewhere t = table[c] already holds). The last
// sites of [lo, hi) go through the same body with partial loads and stores: the lanes past hi read zero
// (no flip there) and are not written.
//
// Per width: FM_FN(name) names the copy, FM_TARGET its attribute; FM_PERMUTE, FM_GATHER and FM_FLIPS are the
// three steps the vector extension has no operation for; loads and stores of the first `count` lanes are
// plain copies with AVX2 and masked moves with AVX-512. The file undefines its macros at its end.
#pragma STDC FP_CONTRACT OFF

#if FM_W == 8
#define FM_VF fm_v8f
#define FM_VI fm_v8i
#define FM_VC fm_v8c
#define FM_FN(name) name##_avx2
#define FM_TARGET __attribute__((target("avx2")))
#define FM_LANES 0, 1, 2, 3, 4, 5, 6, 7
// table[c] from two 8-entry registers: vpermps on each, bit 3 of c (moved to the sign bit) picks one.
#define FM_PERMUTE(low, high, c) (FM_VF)_mm256_blendv_ps(_mm256_permutevar8x32_ps((__m256)(low), (__m256i)(c)), \
    _mm256_permutevar8x32_ps((__m256)(high), (__m256i)(c)), _mm256_castsi256_ps(_mm256_slli_epi32((__m256i)(c), 28)))
#define FM_GATHER(old, changed, c, table) \
    (FM_VF)_mm256_mask_i32gather_ps((__m256)(old), table, (__m256i)(c), (__m256)(changed), 4)
#define FM_FLIPS(changed) (uint64_t)(unsigned)_mm256_movemask_ps((__m256)(changed))
#elif FM_W == 16
#define FM_VF fm_v16f
#define FM_VI fm_v16i
#define FM_VC fm_v16c
#define FM_FN(name) name##_avx512
#define FM_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define FM_LANES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#define FM_MASK(count) ((__mmask16)((count) >= 16 ? 0xFFFF : (1u << (count)) - 1))
#define FM_PERMUTE(low, high, c) (FM_VF)_mm512_permutex2var_ps((__m512)(low), (__m512i)(c), (__m512)(high))
#define FM_GATHER(old, changed, c, table) \
    (FM_VF)_mm512_mask_i32gather_ps((__m512)(old), _mm512_test_epi32_mask((__m512i)(changed), (__m512i)(changed)), \
                                    (__m512i)(c), table, 4)
#define FM_FLIPS(changed) (uint64_t)_mm512_test_epi32_mask((__m512i)(changed), (__m512i)(changed))
#else
#error "FM_W must be 8 or 16"
#endif

#define FM_INLINE static inline __attribute__((always_inline)) FM_TARGET
#define FM_SELECT(mask, a, b) ((__typeof__(a))(((FM_VI)(mask) & (FM_VI)(a)) | (~(FM_VI)(mask) & (FM_VI)(b))))

// ---- Loads and stores of the first `count` lanes (the rest read as zero, and are not written) -----------

#if FM_W == 8
// vmaskmovps / vpmaskmovd; with a whole vector's count the mask is a constant and they become plain moves.
#define FM_LIVE(count) (__m256i)((FM_VI){FM_LANES} < (FM_VI)(int)(count))
#endif

FM_INLINE FM_VF FM_FN(fm_rsgd_load_f)(const float *p, long count) {
#if FM_W == 8
    return (FM_VF)_mm256_maskload_ps(p, FM_LIVE(count));
#else
    return (FM_VF)_mm512_maskz_loadu_ps(FM_MASK(count), p);
#endif
}

FM_INLINE void FM_FN(fm_rsgd_store_f)(float *p, FM_VF v, long count) {
#if FM_W == 8
    _mm256_maskstore_ps(p, FM_LIVE(count), (__m256)v);
#else
    _mm512_mask_storeu_ps(p, FM_MASK(count), (__m512)v);
#endif
}

FM_INLINE FM_VI FM_FN(fm_rsgd_load_i)(const int32_t *p, long count) {
#if FM_W == 8
    return (FM_VI)_mm256_maskload_epi32((const int *)p, FM_LIVE(count));
#else
    return (FM_VI)_mm512_maskz_loadu_epi32(FM_MASK(count), p);
#endif
}

FM_INLINE void FM_FN(fm_rsgd_store_i)(int32_t *p, FM_VI v, long count) {
#if FM_W == 8
    _mm256_maskstore_epi32((int *)p, FM_LIVE(count), (__m256i)v);
#else
    _mm512_mask_storeu_epi32(p, FM_MASK(count), (__m512i)v);
#endif
}

FM_INLINE FM_VC FM_FN(fm_rsgd_load_c)(const int8_t *p, long count) {
#if FM_W == 8
    if (count >= FM_W) { FM_VC v; __builtin_memcpy(&v, p, sizeof v); return v; }
    FM_VC v = (FM_VC)0;
    for (long k = 0; k < count; k++) v[k] = p[k];
    return v;
#else
    return (FM_VC)_mm_maskz_loadu_epi8(FM_MASK(count), p);
#endif
}

// ---- The pass ---------------------------------------------------------------------------------------------

// Sites [i, i + min(count, FM_W)) (always inlined: a whole vector's count is a constant).
FM_INLINE void FM_FN(fm_rsgd_sites)(float *h, float *w, int32_t *counts, float *targets, const float *table,
                                    int permuting, FM_VF low, FM_VF high, uint64_t *bits, const int8_t *sums,
                                    long i, long count, float rate, float pull, float clip) {
    const FM_VF zero = (FM_VF)0.0f, one = (FM_VF)1.0f, minus = (FM_VF)-1.0f;
    const FM_VF ws = FM_FN(fm_rsgd_load_f)(w + i, count), ts = FM_FN(fm_rsgd_load_f)(targets + i, count);
    FM_VF hs = FM_FN(fm_rsgd_load_f)(h + i, count);
    hs = hs + pull * (ts - ws);
    if (rate != 0.0f) hs = hs + rate * __builtin_convertvector(FM_FN(fm_rsgd_load_c)(sums + i, count), FM_VF);
    if (clip > 0.0f) {
        const FM_VF lower = (FM_VF)-clip, upper = (FM_VF)clip;
        hs = FM_SELECT(hs > lower, hs, lower);   // x86's max and min: the second operand on a tie
        hs = FM_SELECT(hs < upper, hs, upper);
    }
    FM_FN(fm_rsgd_store_f)(h + i, hs, count);
    const FM_VI live = (FM_VI){FM_LANES} < (FM_VI)(int)(count >= FM_W ? FM_W : count);
    const FM_VI positive = hs > zero;
    const FM_VI changed = (positive ^ (ws > zero)) & live;
    FM_FN(fm_rsgd_store_f)(w + i, FM_SELECT(positive, one, minus), count);
    const FM_VI c = FM_FN(fm_rsgd_load_i)(counts + i, count) + (changed & FM_SELECT(positive, (FM_VI)1, (FM_VI)-1));
    FM_FN(fm_rsgd_store_i)(counts + i, c, count);
    const uint64_t flips = FM_FLIPS(changed);
    if (permuting) FM_FN(fm_rsgd_store_f)(targets + i, FM_PERMUTE(low, high, c), count);
    else if (flips) FM_FN(fm_rsgd_store_f)(targets + i, FM_GATHER(ts, changed, c, table), count);
    bits[i >> 6] ^= flips << (i & 63);
}

FM_TARGET void FM_FN(fm_rsgd_pull_sign)(float *h, float *w, int32_t *counts, float *targets, const float *table,
                                        long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                                        float rate, float pull, float clip) {
    const int permuting = entries <= 2 * FM_W;
    const FM_VF low = permuting ? FM_FN(fm_rsgd_load_f)(table, FM_W) : (FM_VF)0.0f;
    const FM_VF high = permuting && entries > FM_W ? FM_FN(fm_rsgd_load_f)(table + FM_W, FM_W) : low;
    long i = lo;
    for (; i + FM_W <= hi; i += FM_W)
        FM_FN(fm_rsgd_sites)(h, w, counts, targets, table, permuting, low, high, bits, sums, i, FM_W,
                             rate, pull, clip);
    if (i < hi)
        FM_FN(fm_rsgd_sites)(h, w, counts, targets, table, permuting, low, high, bits, sums, i, hi - i,
                             rate, pull, clip);
}

#undef FM_VF
#undef FM_VI
#undef FM_VC
#undef FM_FN
#undef FM_TARGET
#undef FM_LANES
#undef FM_MASK
#undef FM_LIVE
#undef FM_PERMUTE
#undef FM_GATHER
#undef FM_FLIPS
#undef FM_INLINE
#undef FM_SELECT
