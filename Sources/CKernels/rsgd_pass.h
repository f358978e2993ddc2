// Replicated SGD's fused pull-and-sign pass (CKernels.h has the equations), written once on the compiler's
// vector extension and included once per width by rsgd.c: FM_W = 8 (AVX2, eight floats per vector) or 16
// (AVX-512 F, BW, VL, sixteen). Both widths compute every site alike: single precision, multiplications and
// additions rounded separately (FP_CONTRACT OFF; AVX-512 implies FMA), so they write the same bits.
//
// A site's new target t = table[c] comes from register permutes where the table fits in two vectors (at most
// 2·FM_W entries): vgatherdps is slow on cores with the gather-data-sampling mitigation (BENCHMARKS.md).
// Larger tables are gathered, and only where a site flipped (elsewhere t = table[c] already holds). The last
// sites of [lo, hi) go through the same body: with AVX2 on zero-padded copies, with AVX-512 by masked moves;
// the lanes past hi read zero (no flip there) and are not written.
//
// Per width: FM_FN(name) names the copy, FM_TARGET its attribute; FM_PERMUTE, FM_GATHER and FM_FLIPS are the
// three steps the vector extension has no operation for; FM_LOAD_F … FM_STORE_I move whole vectors (AVX2)
// or the first `count` lanes (AVX-512). The file undefines its macros at its end.
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

// ---- Loads and stores: whole vectors with AVX2, the first `count` lanes (masked) with AVX-512 -------------

#if FM_W == 8
#define FM_LOAD(V, p) ({ V v_; __builtin_memcpy(&v_, p, sizeof v_); v_; })
#define FM_STORE(p, v) ({ __typeof__(v) s_ = (v); __builtin_memcpy(p, &s_, sizeof s_); })
#define FM_LOAD_F(p, count) FM_LOAD(FM_VF, p)
#define FM_STORE_F(p, v, count) FM_STORE(p, v)
#define FM_LOAD_I(p, count) FM_LOAD(FM_VI, p)
#define FM_STORE_I(p, v, count) FM_STORE(p, v)
#define FM_LOAD_C(p, count) FM_LOAD(FM_VC, p)
#else
#define FM_LOAD_F(p, count) (FM_VF)_mm512_maskz_loadu_ps(FM_MASK(count), p)
#define FM_STORE_F(p, v, count) _mm512_mask_storeu_ps(p, FM_MASK(count), (__m512)(v))
#define FM_LOAD_I(p, count) (FM_VI)_mm512_maskz_loadu_epi32(FM_MASK(count), p)
#define FM_STORE_I(p, v, count) _mm512_mask_storeu_epi32(p, FM_MASK(count), (__m512i)(v))
#define FM_LOAD_C(p, count) (FM_VC)_mm_maskz_loadu_epi8(FM_MASK(count), p)
#endif

// ---- The pass ---------------------------------------------------------------------------------------------

// Sites i … i + min(count, FM_W) − 1, whose arrays start at h, w, counts, targets and sums (always inlined:
// a whole vector's count is a constant). Lanes past `count` are zero (AVX2: a padded copy) or masked.
FM_INLINE void FM_FN(fm_rsgd_sites)(float *h, float *w, int32_t *counts, float *targets, const int8_t *sums,
                                    const float *table, int permuting, FM_VF low, FM_VF high, uint64_t *bits,
                                    long i, long count, float rate, float pull, float clip, int stepping,
                                    int clipping) {
    const FM_VF zero = (FM_VF)0.0f, one = (FM_VF)1.0f, minus = (FM_VF)-1.0f;
    const FM_VF ws = FM_LOAD_F(w, count), ts = FM_LOAD_F(targets, count);
    FM_VF hs = FM_LOAD_F(h, count);
    hs = hs + pull * (ts - ws);
    if (stepping) hs = hs + rate * __builtin_convertvector(FM_LOAD_C(sums, count), FM_VF);
    if (clipping) {
        const FM_VF lower = (FM_VF)-clip, upper = (FM_VF)clip;
        hs = FM_SELECT(hs > lower, hs, lower);   // x86's max and min: the second operand on a tie
        hs = FM_SELECT(hs < upper, hs, upper);
    }
    FM_STORE_F(h, hs, count);
    const FM_VI live = (FM_VI){FM_LANES} < (FM_VI)(int)(count >= FM_W ? FM_W : count);
    const FM_VI positive = hs > zero;
    const FM_VI changed = (positive ^ (ws > zero)) & live;
    FM_STORE_F(w, FM_SELECT(positive, one, minus), count);
    const FM_VI c = FM_LOAD_I(counts, count) + (changed & FM_SELECT(positive, (FM_VI)1, (FM_VI)-1));
    FM_STORE_I(counts, c, count);
    const uint64_t flips = FM_FLIPS(changed);
    if (permuting) FM_STORE_F(targets, FM_PERMUTE(low, high, c), count);
    else if (flips) FM_STORE_F(targets, FM_GATHER(ts, changed, c, table), count);
    bits[i >> 6] ^= flips << (i & 63);
}

FM_TARGET void FM_FN(fm_rsgd_pull_sign)(float *h, float *w, int32_t *counts, float *targets, const float *table,
                                        long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                                        float rate, float pull, float clip) {
    const int permuting = entries <= 2 * FM_W;
    const FM_VF low = permuting ? FM_LOAD_F(table, FM_W) : (FM_VF)0.0f;
    const FM_VF high = permuting && entries > FM_W ? FM_LOAD_F(table + FM_W, FM_W) : low;
    const int stepping = rate != 0.0f, clipping = clip > 0.0f;
    long i = lo;
    for (; i + FM_W <= hi; i += FM_W)
        FM_FN(fm_rsgd_sites)(h + i, w + i, counts + i, targets + i, sums + i, table, permuting, low, high, bits,
                             i, FM_W, rate, pull, clip, stepping, clipping);
    if (i == hi) return;
#if FM_W == 8
    // The last < 8 sites on zero-padded copies (AVX2's masked stores are slow on some cores): zero lanes
    // do not flip, and only the `count` sites are copied back.
    const long count = hi - i;
    float hc[FM_W] = {0}, wc[FM_W] = {0}, tc[FM_W] = {0};
    int32_t cc[FM_W] = {0};
    int8_t sc[FM_W] = {0};
    // (Unrolled over the FM_W lanes: a loop to `count` would become calls to memcpy.)
    #pragma clang loop unroll(full)
    for (long k = 0; k < FM_W; k++)
        if (k < count) {
            hc[k] = h[i + k]; wc[k] = w[i + k]; tc[k] = targets[i + k]; cc[k] = counts[i + k]; sc[k] = sums[i + k];
        }
    FM_FN(fm_rsgd_sites)(hc, wc, cc, tc, sc, table, permuting, low, high, bits, i, count, rate, pull, clip,
                         stepping, clipping);
    #pragma clang loop unroll(full)
    for (long k = 0; k < FM_W; k++)
        if (k < count) { h[i + k] = hc[k]; w[i + k] = wc[k]; targets[i + k] = tc[k]; counts[i + k] = cc[k]; }
#else
    FM_FN(fm_rsgd_sites)(h + i, w + i, counts + i, targets + i, sums + i, table, permuting, low, high, bits,
                         i, hi - i, rate, pull, clip, stepping, clipping);
#endif
}

#undef FM_VF
#undef FM_VI
#undef FM_VC
#undef FM_FN
#undef FM_TARGET
#undef FM_LANES
#undef FM_MASK
#undef FM_LOAD
#undef FM_STORE
#undef FM_LOAD_F
#undef FM_STORE_F
#undef FM_LOAD_I
#undef FM_STORE_I
#undef FM_LOAD_C
#undef FM_PERMUTE
#undef FM_GATHER
#undef FM_FLIPS
#undef FM_INLINE
#undef FM_SELECT
