// Exact products of ±1 matrices by table look-up (CKernels.h, SignLookup.swift).
#include "internal.h"

#if FM_X86
// ---- Exact products of ±1 matrices by table look-up (lookup_lanes.h has the arithmetic) ---------------
#define FM_W 32
#include "lookup_lanes.h"
#undef FM_W
#define FM_W 64
#include "lookup_lanes.h"
#undef FM_W

// One block of 16 rows with AVX2.
__attribute__((target("avx2")))
void fm_lookup16_avx2(const uint8_t *index, long first, long last, const uint8_t *planes, long planeCount,
                      int64_t *out) {
    fm_lookup_planes_avx2(index, 0, first, last, planes, planeCount, out);
}

// Two consecutive blocks of 16 rows at once with AVX-512BW (the same exact sums as two fm_lookup16_avx2
// calls). index: the first block's words (the second's follow at index + 32·words); out: its 32 rows.
__attribute__((target("avx512f,avx512bw")))
void fm_lookup32_avx512(const uint8_t *index, long words, long first, long last, const uint8_t *planes, long planeCount,
                        int64_t *out) {
    fm_lookup_planes_avx512(index, words, first, last, planes, planeCount, out);
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
            const __m128i *row = (const __m128i *)(x + r * rowStride + first);
            masks[j] = r < rows ? (unsigned)_mm_movemask_epi8(_mm_loadu_si128(row)) & 0xFFF : 0;
        }
    } else if (rowStride == 1 && 16 * block + 16 <= rows) {
        // Transposed: 16 consecutive rows of each column; the sign bytes (0 or −1) of column c, masked to
        // its bit, make both index bytes of all 16 rows at once (rows interleaved by the unpacks).
        __m128i sign[12];
        for (long c = 0; c < 12; c++)
            sign[c] = c < n ? _mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)(x + (first + c) * columnStride
                                                                               + 16 * block)),
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
void fm_lookup_tables_avx512(const double *values, long columns, long firstGroup, long lastGroup, double scale,
                             long bits,
                             long planeCount, uint8_t *planes, int64_t *wide) {
    long first = (firstGroup + 3) / 4, last = lastGroup / 4;
    if (first >= last) { fm_lookup_tables_avx2(values, columns, firstGroup, lastGroup, scale, bits, planeCount,
                                               planes, wide); return; }
    if (4 * first > firstGroup) fm_lookup_tables_avx2(values, columns, firstGroup, 4 * first, scale, bits, planeCount,
                                                      planes, wide);
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
    const __m512i pickLow = _mm512_loadu_si512((const void *)pick[0]),
            pickHigh = _mm512_loadu_si512((const void *)pick[1]);
    const __m512i lanes01 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), lanes23 = _mm512_setr_epi64(4, 5, 12, 13, 6,
            7, 14, 15);
    const __mmask8 negate[3] = {0xAA, 0xCC, 0xF0};
    for (long word = first; word < last; word++) {
        const long column = 12 * word, n = columns - column;
        const __mmask8 lowMask = n >= 8 ? 0xFF : (n > 0 ? (__mmask8)((1u << n) - 1) : 0);
        const __mmask8 highMask = n >= 12 ? 0x0F : (n > 8 ? (__mmask8)((1u << (n - 8)) - 1) : 0);
        const __m512i qLow = _mm512_cvt_roundpd_epi64(_mm512_mul_pd(_mm512_maskz_loadu_pd(lowMask, values + column),
                                                                    scales),
                                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m512i qHigh = _mm512_cvt_roundpd_epi64(_mm512_mul_pd(_mm512_maskz_loadu_pd(highMask,
                values + column + 8), scales),
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
        const __m512i low01 = _mm512_permutex2var_epi8(z[0], pickLow, z[1]), low23 = _mm512_permutex2var_epi8(z[2],
                pickLow, z[3]);
        uint8_t *target = planes + 32 * planeCount * word;
        _mm512_storeu_si512((void *)target, _mm512_and_si512(_mm512_permutex2var_epi64(low01, lanes01, low23), low7));
        _mm512_storeu_si512((void *)(target + 64), _mm512_and_si512(_mm512_permutex2var_epi64(low01, lanes23, low23),
                                                                    low7));
        if (planeCount == 4) continue;
        const __m512i high01 = _mm512_permutex2var_epi8(z[0], pickHigh, z[1]), high23 = _mm512_permutex2var_epi8(z[2],
                pickHigh, z[3]);
        const __m512i p45 = _mm512_and_si512(_mm512_permutex2var_epi64(high01, lanes01, high23), low7);
        if (planeCount >= 6) _mm512_storeu_si512((void *)(target + 128), p45);
        else _mm256_storeu_si256((__m256i *)(target + 128), _mm512_castsi512_si256(p45));
        if (planeCount == 7)
            _mm256_storeu_si256((__m256i *)(target + 192),
                                _mm512_castsi512_si256(_mm512_and_si512(_mm512_permutex2var_epi64(high01, lanes23,
                                        high23), low7)));
    }
    if (4 * last < lastGroup) fm_lookup_tables_avx2(values, columns, 4 * last, lastGroup, scale, bits, planeCount,
                                                    planes, wide);
}

#endif

void fm_lookup_tables(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                      long planeCount, uint8_t *planes, int64_t *wide) {
    fm_lookup_tables_body(values, columns, firstGroup, lastGroup, scale, bits, planeCount, planes, wide);
}
