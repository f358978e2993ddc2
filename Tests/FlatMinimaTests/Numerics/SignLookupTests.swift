import CKernels
import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// AMP's exact products by table look-up (SignLookup.swift): against Int64 sums of the rounded integers,
/// for both layouts (rows of the matrix and of its transpose), sizes that leave partial blocks and
/// words, every plane count, extreme integers, and the AVX2 kernel and builder against the portable ones.
struct SignLookupTests {
    /// A ±1 matrix (rows × columns, row-major) from a fixed seed.
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64) -> [Int8] {
        let g = Generator(seed: seed)
        return (0 ..< rows * columns).map { _ in Int8(g.sign()) }
    }

    /// Σ_c x_rc q_c for every row r of the rows × columns matrix at x[r·rowStride + c·columnStride].
    static func reference(_ x: [Int8], rows: Int, columns: Int, rowStride: Int, columnStride: Int,
                          _ q: [Int64]) -> [Int64] {
        (0..<rows).map { r in
            (0..<columns).reduce(Int64(0)) { $0 + Int64(x[r * rowStride + $1 * columnStride]) * q[$1] }
        }
    }

    /// The integers `load` rounds `values` to (unit 2^(E − b)).
    static func integers(_ values: [Double], _ tables: SignLookupTables) -> [Int64] {
        values.map { Int64(($0 / tables.unit).rounded(.toNearestOrEven)) }
    }

    static func products(_ matrix: SignLookupMatrix, _ tables: SignLookupTables, instructions: InstructionSet,
                         blocks: Range<Int>? = nil) -> [Int64] {
        let blocks = blocks ?? 0 ..< matrix.blocks
        var out = [Int64](repeating: 0, count: matrix.blocks * SignLookupMatrix.blockRows)
        out.withUnsafeMutableBufferPointer {
            matrix.products(tables, blocks: blocks, into: $0.baseAddress!, instructions: instructions)
        }
        let rows = blocks.lowerBound * SignLookupMatrix.blockRows
            ..< min(matrix.rows, blocks.upperBound * SignLookupMatrix.blockRows)
        return Array(out[rows])
    }

    /// The accelerated levels this CPU runs: AVX2 (one block at a time) and, where there is AVX-512BW,
    /// pairs of blocks (and from VBMI the AVX-512 table builder).
    static let fastLevels = InstructionSet.available.filter(\.hasAVX2)

    @Test(arguments: [(1, 1), (16, 12), (17, 13), (37, 53), (5, 200), (130, 29)])
    func productsAreExact(_ size: (Int, Int)) {
        let (p, n) = size
        let x = Self.matrix(p, n, seed: UInt64(31 * p + n))
        let g = Generator(seed: 7)
        // Values over several decades, the largest at ±1 (every bit of the top limb in use), zeros, one
        // value that rounds to zero.
        var values = (0..<n).map { i in (2 * g.uniform() - 1) * pow(10, -Double(i % 5)) }
        values[0] = n > 1 ? -1 : 1
        if n > 2 { values[1] = 0; values[2] = 1e-300 }
        for (rowStride, columnStride, rows, columns) in [(n, 1, p, n), (1, n, n, p)] {
            let vector = columnStride == 1 ? values : Array((0..<p).map { values[$0 % n] * 0.5 })
            let matrix = SignLookupMatrix(x, rows: rows, columns: columns, rowStride: rowStride,
                                          columnStride: columnStride, workers: 2)
            for planes in 4...7 {
                let portable = SignLookupTables(columns: columns, planeCount: planes)
                #expect(vector.withUnsafeBufferPointer { portable.load($0, instructions: .portable) })
                let q = Self.integers(vector, portable)
                #expect(q.allSatisfy { abs($0) <= 1 << Int64(portable.bits) })
                let expected = Self.reference(x, rows: rows, columns: columns, rowStride: rowStride,
                                              columnStride: columnStride, q)
                #expect(Self.products(matrix, portable, instructions: .portable) == expected,
                        "\(size) \(planes) planes, portable")
                let bytes = 32 * planes * portable.words
                for level in Self.fastLevels {
                    // The AVX2 builder and the AVX-512 one (whole, and in three parts that cut words) write
                    // the same planes as the portable one.
                    for parts in level.hasAVX512VBMI ? [1, 3] : [1] {
                        let other = SignLookupTables(columns: columns, planeCount: planes)
                        #expect(vector.withUnsafeBufferPointer { other.load($0, instructions: level, parts: parts) })
                        #expect(Array(UnsafeBufferPointer(start: other.planes, count: bytes))
                                == Array(UnsafeBufferPointer(start: portable.planes, count: bytes)),
                                "\(size) \(planes) planes, \(level) in \(parts)")
                    }
                    let fast = SignLookupTables(columns: columns, planeCount: planes)
                    #expect(vector.withUnsafeBufferPointer { fast.load($0, instructions: level) })
                    #expect(fast.unit == portable.unit)
                    #expect(Self.products(matrix, fast, instructions: level) == expected,
                            "\(size) \(planes) planes, \(level)")
                    // A share that starts at an odd block (pairs from there, the last one alone).
                    if matrix.blocks > 2 {
                        let share = 1 ..< matrix.blocks
                        #expect(Self.products(matrix, fast, instructions: level, blocks: share)
                                == Array(expected[16...]), "\(size) \(planes) planes, blocks from 1")
                    }
                }
            }
        }
    }

    /// The extremes of the integers: every entry at ±2^b (the tables' values reach 0 and 6·2^b), on a row
    /// long enough that the kernel widens its 16-bit lanes several times (64 words per widening).
    @Test func extremeIntegersOnLongRows() {
        let p = 19, n = 12 * 64 * 3 + 7
        let x = Self.matrix(p, n, seed: 99)
        let matrix = SignLookupMatrix(x, rows: p, columns: n, rowStride: n, columnStride: 1, workers: 1)
        for sign in [1.0, -1.0] {
            // All entries just below 1 = 2^E: each rounds to ±2^b.
            let values = [Double](repeating: sign * (1.0).nextDown, count: n)
            for level in [InstructionSet.portable] + Self.fastLevels {
                let tables = SignLookupTables(columns: n, planeCount: 7)
                #expect(values.withUnsafeBufferPointer { tables.load($0, instructions: level) })
                let q = Self.integers(values, tables)
                #expect(abs(q[0]) == 1 << Int64(tables.bits))
                let expected = Self.reference(x, rows: p, columns: n, rowStride: n, columnStride: 1, q)
                #expect(Self.products(matrix, tables, instructions: level) == expected)
            }
        }
        // Non-finite values are refused and leave the tables as they were.
        let tables = SignLookupTables(columns: n)
        #expect([Double](repeating: 0.5, count: n).withUnsafeBufferPointer { tables.load($0) })
        let unit = tables.unit
        for bad in [Double.nan, .infinity] {
            var values = [Double](repeating: 0.1, count: n)
            values[n / 2] = bad
            #expect(!values.withUnsafeBufferPointer { tables.load($0) })
            #expect(tables.unit == unit)
        }
    }

    /// `AMP.planeCount`: the fewest planes whose resolution is a thousandth of tol.
    @Test func precisionFollowsTolerance() {
        #expect(AMP.planeCount(tolerance: 1e-2) == 4)
        #expect(AMP.planeCount(tolerance: 1e-6) == 5)
        #expect(AMP.planeCount(tolerance: 1e-7) == 6)
        #expect(AMP.planeCount(tolerance: 1e-9) == 7)
        #expect(AMP.planeCount(tolerance: 1e-15) == 7)
    }
}

extension SignLookupTables {
    /// Rounds `values` (`columns` entries) and builds the tables; false (tables unchanged) when one is
    /// not finite.
    /// (For the tests: AMP takes max|v| from its rounds and calls `prepare` and `build` itself.)
    func load(_ values: UnsafeBufferPointer<Double>, instructions: InstructionSet = .current, parts: Int = 1) -> Bool {
        precondition(values.count == columns)
        // max|v|, and Σ (v − v), which is NaN as soon as one entry is NaN or infinite.
        var largest = 0.0, check = 0.0
        for v in values {
            largest = max(largest, abs(v))
            check += v - v
        }
        guard largest.isFinite, !check.isNaN else { return false }
        prepare(largest: largest)
        // In `parts` ranges of groups, as AMP's workers build them (not word-aligned in general).
        let groups = 4 * words
        for part in 0..<parts {
            build(values, groups: (part * groups / parts) ..< ((part + 1) * groups / parts), instructions: instructions)
        }
        return true
    }
}
