// Replicated SGD's fused pull-and-sign pass (CKernels.h, PackedReplicas.swift).
#include "internal.h"

#if FM_X86
__attribute__((target("avx2")))
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    // t = table[c] by register permutes when the table has at most 16 entries (y ≤ 15): vgatherdps is
    // slow on cores with the gather-data-sampling mitigation (BENCHMARKS.md). Larger tables gather, and
    // only where a site flipped (elsewhere t is unchanged).
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
#endif
