import CKernels
import Foundation

// Exact products of a ±1 matrix with a real vector by table look-up: the two matrix products of AMP on
// ±1 patterns (AMP.swift).
//
// The vector v is rounded to a fixed point, v_c ≈ q_c · u with integers |q_c| ≤ 2^b (`SignLookupTables`).
// The columns are cut into groups of three; for each group G a table holds the eight signed sums
//
//     T_G[s] = 3·2^b + Σ_{c∈G} (−1)^{s_c} q_c ∈ [0, 6·2^b],   s = (s_0, s_1, s_2) ∈ {0, 1}³,
//
// so that for a row x with s_c = [x_c = −1] the product is Σ_c x_c q_c = Σ_G T_G[s_G(x)] − 3·2^b·#groups,
// an integer sum that does not depend on its order, on the number of threads or on the instruction set.
// This is the "method of four Russians" (Arlazarov, Dinic, Kronrod & Faradzev 1970) with the vectorised
// in-register look-ups of product-quantisation search (André, Kermarrec & Le Scouarnec, VLDB 2015): the
// AVX2 instruction vpshufb looks up 32 indices in 16-byte tables at once, so the tables are split into
// planes of 7 bits (T = Σ_k 2^{7k} P_k; 4 to 7 planes for b = 25, 32, 39 or 46) and each plane's look-ups
// are summed separately (`fm_lookup16_avx2`). One look-up covers three matrix entries, where a
// multiply-add kernel spends one 16-bit multiply per entry and 16-bit limb (timings in BENCHMARKS.md).
// The sign indices are stored once per run (`SignLookupMatrix`, 4 bits per three entries: a sixth of the
// Int8 matrix), so large problems also read less memory.

/// The sign indices of a ±1 matrix (rows × columns, entry (r, c) at x[r·rowStride + c·columnStride])
/// for `SignLookupTables` products. Rows come in blocks of 16 and columns in words of 12 (four groups of
/// three); an index word is 32 bytes: in 128-bit lane L, bytes 2j + t (j < 8, t < 2) belong to row
/// 16·block + 8L + j, their low nibble to group 4·word + t and their high nibble to group 4·word + 2 + t,
/// each nibble s_G | 8t (the second group of a pair indexes the upper half of its 16-byte table). Padding
/// rows are zero, padding columns count as +1 (their table values are zero).
final class SignLookupMatrix: @unchecked Sendable {
    static let blockRows = 16
    static let wordColumns = 12
    let rows: Int
    let columns: Int
    /// Index words per block of rows: ⌈columns/12⌉.
    let words: Int
    /// Blocks of 16 rows: ⌈rows/16⌉.
    let blocks: Int
    let index: UnsafeMutablePointer<UInt8>

    init(_ x: UnsafePointer<Int8>, rows: Int, columns: Int, rowStride: Int, columnStride: Int, workers: Int) {
        self.rows = rows
        self.columns = columns
        words = (columns + Self.wordColumns - 1) / Self.wordColumns
        blocks = (rows + Self.blockRows - 1) / Self.blockRows
        let bytes = blocks * words * 32
        index = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes))
        nonisolated(unsafe) let out = index, x = x
        let words = self.words, blocks = self.blocks, parts = max(1, min(workers, blocks))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let share = (part * blocks / parts, (part + 1) * blocks / parts)
            fm_sign_index(x, rows, columns, rowStride, columnStride, words, share.0, share.1, out)
        }
    }

    deinit { index.deallocate() }

    /// The products of worker `w`'s share of the blocks (consecutive blocks, `workers` shares), handed to
    /// `body` with the share's blocks and its first row: products[r − first] for the rows r of the share
    /// (padding rows included). Nothing is called for an empty share.
    func shareProducts(_ tables: SignLookupTables, worker w: Int, of workers: Int,
                       _ body: (_ products: UnsafePointer<Int64>, _ blocks: Range<Int>, _ first: Int) -> Void) {
        let share = (w * blocks / workers) ..< ((w + 1) * blocks / workers)
        guard !share.isEmpty else { return }
        let out = UnsafeMutablePointer<Int64>.allocate(capacity: share.count * Self.blockRows)
        defer { out.deallocate() }
        let first = share.lowerBound * Self.blockRows
        products(tables, blocks: share, into: out - first)
        body(out, share, first)
    }

    /// out[r] = Σ_c x_rc q_c for the rows of `blocks` (out holds 16 per block, padding rows included), with
    /// q the integers of `tables`; exact, the same on every CPU.
    /// From `.avx2` the AVX2 kernel (needs tables built from `.avx2`), else the portable loop; from
    /// `.avx512BW` pairs of blocks by the AVX-512BW kernel (the last block of an odd count by the AVX2 one).
    /// The same integers in every case.
    func products(_ tables: SignLookupTables, blocks: Range<Int>, into out: UnsafeMutablePointer<Int64>,
                  instructions: InstructionSet = .current) {
        precondition(tables.words == words)
        let correction = tables.correction
        if instructions.hasAVX2 {
            // All the words block by block while the tables (32·planes bytes per word) fit in three
            // quarters of the L2 cache (the block order reuses each block's tables; BENCHMARKS.md);
            // beyond, chunks over all the blocks whose tables take at most half the L1 cache (up to 64 words,
            // a power of two). The blocking changes the order of exact integer sums only, never a result.
            for r in blocks.lowerBound * Self.blockRows ..< blocks.upperBound * Self.blockRows { out[r] = -correction }
            let wide = instructions.hasAVX512BW
            let wordBytes = 32 * tables.planeCount
            var chunk = wordBytes * words <= CacheSizes.level2 / 4 * 3 ? words : 64
            while chunk > 8 && chunk < words && chunk * wordBytes > CacheSizes.level1 / 2 { chunk /= 2 }
            var first = 0
            while first < words {
                let last = min(words, first + chunk)
                var block = blocks.lowerBound
                if wide {
                    while block + 2 <= blocks.upperBound {
                        fm_lookup32_avx512(index + block * words * 32, words, first, last, tables.planes,
                                           tables.planeCount, out + block * Self.blockRows)
                        block += 2
                    }
                }
                while block < blocks.upperBound {
                    fm_lookup16_avx2(index + block * words * 32, first, last, tables.planes, tables.planeCount,
                                     out + block * Self.blockRows)
                    block += 1
                }
                first = last
            }
            return
        }
        // Portable: the whole table values, one look-up per group.
        let wide = tables.wide
        for block in blocks {
            for r in 0..<Self.blockRows {
                let lane = (r >> 3) * 16 + (r & 7) * 2
                var total: Int64 = 0
                var word = index + block * words * 32 + lane, group = wide
                for _ in 0..<words {
                    let b0 = Int(word[0]), b1 = Int(word[1])
                    total &+= group[b0 & 7] &+ group[8 + (b1 & 7)]
                        &+ group[16 + (b0 >> 4 & 7)] &+ group[24 + (b1 >> 4 & 7)]
                    word += 32
                    group += 32
                }
                out[block * Self.blockRows + r] = total &- correction
            }
        }
    }
}

/// A real vector rounded to the fixed point of `SignLookupMatrix` products, and its tables. `prepare` and
/// `build` round v_c to the nearest multiple of the unit u = 2^(E − b), 2^E > max|v| (an
/// error ≤ 2^−(b+1) of the largest entry: 1.2e−10 for b = 32, 7e−15 for b = 46), and builds, for every
/// group of three columns, the eight table values T_G[s] (`wide`, Int64, for the portable products) and
/// their 7-bit planes (`planes`, laid out for `fm_lookup16_avx2`: word w, plane k at planes +
/// 32·(planeCount·w + k), the word's first pair of groups in bytes 0–15, its second in 16–31). With
/// |q| ≤ 2^b and columns < 2^(62−b) every product fits an Int64 (wrapping partial sums are exact).
final class SignLookupTables: @unchecked Sendable {
    let columns: Int
    let words: Int
    /// Planes of 7 bits per table value.
    let planeCount: Int
    /// b: the integers are at most 2^b in magnitude.
    let bits: Int
    /// The value of one unit.
    private(set) var unit = 0.0
    /// 3·2^b per group: subtracted from the look-up sums.
    let correction: Int64
    let planes: UnsafeMutablePointer<UInt8>
    let wide: UnsafeMutablePointer<Int64>

    /// Tables with `planeCount` (4…7) planes of 7 bits: b = 7·planeCount − 3 bits (25, 32, 39 or 46), at most
    /// 61 − log2(columns).
    init(columns: Int, planeCount: Int = 7) {
        precondition((4...7).contains(planeCount))
        self.columns = columns
        self.planeCount = planeCount
        words = (columns + SignLookupMatrix.wordColumns - 1) / SignLookupMatrix.wordColumns
        bits = min(7 * planeCount - 3, 62 - (Int.bitWidth - columns.leadingZeroBitCount))
        correction = Int64(4 * words) &* (3 << Int64(bits))
        planes = .allocate(capacity: max(1, 32 * planeCount * words))
        wide = .allocate(capacity: max(1, 32 * words))
    }

    deinit {
        planes.deallocate()
        wide.deallocate()
    }

    /// Sets the unit 2^(E − b), 2^E > `largest` (the finite max|v| of the values to come); `build` then
    /// fills the tables, in parts if wanted.
    func prepare(largest: Double) {
        // Entries all below 2^−960 (g of a fully satisfied storage problem, say) count as zero: their
        // products would stay below 1e−280.
        let largest = largest < 0x1p-960 ? 0 : largest
        let exponent = largest > 0 ? Int(largest.exponent) + 1 : 0
        scale = largest > 0 ? Double(sign: .plus, exponent: bits - exponent, significand: 1) : 0
        unit = Double(sign: .plus, exponent: exponent - bits, significand: 1)
    }

    /// 1/unit (0 when every entry rounds to zero).
    private var scale = 0.0

    /// The tables of the groups `groups` (of 0 ..< 4·words) after `prepare`.
    /// (From `.avx2` the AVX2 builder — from `.avx512VBMI` the AVX-512 one, whole words at a time — which
    /// fills only the planes the accelerated products read; else the portable one, which fills `wide` too.)
    func build(_ values: UnsafeBufferPointer<Double>, groups: Range<Int>, instructions: InstructionSet = .current) {
        precondition(values.count == columns && groups.lowerBound >= 0 && groups.upperBound <= 4 * words)
        let builder = instructions.hasAVX512VBMI ? fm_lookup_tables_avx512
            : instructions.hasAVX2 ? fm_lookup_tables_avx2 : fm_lookup_tables
        builder(values.baseAddress, columns, groups.lowerBound, groups.upperBound, scale, bits, planeCount, planes,
                wide)
    }
}
