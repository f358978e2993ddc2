// Exact products of ±1 matrices by table look-up (SignLookup.swift has the layout and the tables), written
// once for both widths and included by lookup.c once per width: FM_W = 32 (AVX2, one block of 16 rows per
// call, the word of each row pair in one 32-byte register) or 64 (AVX-512 BW, two consecutive blocks at
// once: word q of the first block in the low half of a 64-byte register and word q of the second in the
// high half). Integer arithmetic only: both widths give the same exact sums.
//
// Words [first, last) of the block(s): with S_kr the sum over those index words of plane k's entries (7-bit
// bytes) for row r, out[r] += Σ_k 2^{7k} S_kr (k < count, 4…7; word q's planes at planes + 32·count·q). An
// index word is 32 bytes: in 128-bit lane L, bytes 2j and 2j+1 are row 8L + j's indices into the two
// 8-entry halves of a 16-byte table (low nibble: the word's first table, high nibble: its second). vpshufb
// looks one index per byte up at once (every 128-bit lane reads the same broadcast table), two look-ups add
// in bytes (≤ 254), and vpmaddubsw against ones adds each row's byte pair into its 16-bit lane (≤ 508); every
// 64 words (≤ 32512) the lanes are widened into Int32. With AVX-512 the 16-bit lane j of a product is row j
// of the pair (rows 0–15 of the first block, then of the second), and `out` holds all 32 rows.
//
// Per width: FM_FN(name) names the copy, FM_TARGET its attribute, FM_MM(op) the intrinsic of that width,
// FM_VI and FM_HALF the vector and half-vector types, FM_LOW / FM_HIGH the halves, FM_BROADCAST a 16-byte
// table in every 128-bit lane and FM_WORD(q) index word q. The file undefines its macros at its end.

#if FM_W == 32
#define FM_FN(name) name##_avx2
#define FM_TARGET __attribute__((target("avx2")))
#define FM_MM(op) _mm256_##op
#define FM_VI __m256i
#define FM_HALF __m128i
#define FM_ZERO() _mm256_setzero_si256()
#define FM_AND(a, b) _mm256_and_si256(a, b)
#define FM_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define FM_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define FM_LOW(v) _mm256_castsi256_si128(v)
#define FM_HIGH(v) _mm256_extracti128_si256(v, 1)
#define FM_BROADCAST(p) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(p)))
#define FM_WORD(q) FM_LOAD(index + 32 * (q))
#elif FM_W == 64
#define FM_FN(name) name##_avx512
#define FM_TARGET __attribute__((target("avx512f,avx512bw")))
#define FM_MM(op) _mm512_##op
#define FM_VI __m512i
#define FM_HALF __m256i
#define FM_ZERO() _mm512_setzero_si512()
#define FM_AND(a, b) _mm512_and_si512(a, b)
#define FM_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define FM_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define FM_LOW(v) _mm512_castsi512_si256(v)
#define FM_HIGH(v) _mm512_extracti64x4_epi64(v, 1)
#define FM_BROADCAST(p) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(p)))
#define FM_WORD(q) _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(index + 32 * (q)))), \
                                      _mm256_loadu_si256((const __m256i *)(index + 32 * (words + (q)))), 1)
#else
#error "FM_W must be 32 or 64"
#endif

// `count` planes (a constant after inlining, so that the accumulators stay in registers); `words` is the
// block length (the second block's words follow the first's; AVX-512 only).
__attribute__((always_inline)) FM_TARGET
static inline void FM_FN(fm_lookup_rows)(const uint8_t *index, long words, long first, long last,
                                         const uint8_t *planes, const int count, int64_t *out) {
    (void)words;
    const FM_VI ones = FM_MM(set1_epi8)(1), low = FM_MM(set1_epi8)(0x0F);
    FM_VI wide[14];
    for (int k = 0; k < 2 * count; k++) wide[k] = FM_ZERO();
    long q = first;
    while (q < last) {
        const long stop = last - q > 64 ? q + 64 : last;
        FM_VI a[7];
        for (int k = 0; k < count; k++) a[k] = FM_ZERO();
        for (; q < stop; q++) {
            const FM_VI w = FM_WORD(q);
            const FM_VI i0 = FM_AND(w, low), i1 = FM_AND(FM_MM(srli_epi16)(w, 4), low);
            const uint8_t *t = planes + 32 * count * q;
            for (int k = 0; k < count; k++)
                a[k] = FM_MM(add_epi16)(a[k], FM_MM(maddubs_epi16)(FM_MM(add_epi8)(
                    FM_MM(shuffle_epi8)(FM_BROADCAST(t + 32 * k), i0),
                    FM_MM(shuffle_epi8)(FM_BROADCAST(t + 32 * k + 16), i1)), ones));
        }
        for (int k = 0; k < count; k++) {
            wide[2 * k] = FM_MM(add_epi32)(wide[2 * k], FM_MM(cvtepu16_epi32)(FM_LOW(a[k])));
            wide[2 * k + 1] = FM_MM(add_epi32)(wide[2 * k + 1], FM_MM(cvtepu16_epi32)(FM_HIGH(a[k])));
        }
    }
    // out[r] += Σ_k 2^{7k} S_kr in Int64 (wrapping: the exact total fits), FM_W / 8 rows per step.
    for (int part = 0; part < 4; part++) {
        int64_t *rows = out + FM_W / 8 * part;
        FM_VI total = FM_LOAD(rows);
        for (int k = 0; k < count; k++) {
            const FM_VI lanes = wide[2 * k + (part >> 1)];
            const FM_HALF half = (part & 1) ? FM_HIGH(lanes) : FM_LOW(lanes);
            total = FM_MM(add_epi64)(total, FM_MM(slli_epi64)(FM_MM(cvtepu32_epi64)(half), 7 * k));
        }
        FM_STORE(rows, total);
    }
}

// One copy of the body per plane count.
FM_TARGET
static void FM_FN(fm_lookup_planes)(const uint8_t *index, long words, long first, long last, const uint8_t *planes,
                                    long planeCount, int64_t *out) {
    switch (planeCount) {
    case 4: FM_FN(fm_lookup_rows)(index, words, first, last, planes, 4, out); break;
    case 5: FM_FN(fm_lookup_rows)(index, words, first, last, planes, 5, out); break;
    case 6: FM_FN(fm_lookup_rows)(index, words, first, last, planes, 6, out); break;
    default: FM_FN(fm_lookup_rows)(index, words, first, last, planes, 7, out); break;
    }
}

#undef FM_FN
#undef FM_TARGET
#undef FM_MM
#undef FM_VI
#undef FM_HALF
#undef FM_ZERO
#undef FM_AND
#undef FM_LOAD
#undef FM_STORE
#undef FM_LOW
#undef FM_HIGH
#undef FM_BROADCAST
#undef FM_WORD
