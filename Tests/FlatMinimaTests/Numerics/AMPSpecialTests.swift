import CKernels
import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// AMP's array versions of G/H and tanh (CKernels `fm_goverh_array`, `fm_tanh_array`): the portable, AVX2
/// and AVX-512 builds give the same bits, and agree with the scalar functions they replace; the same for
/// the row and column rounds (`fm_amp_rows`, `fm_amp_columns`), whose AVX-512 copy runs eight lanes.
struct AMPSpecialTests {
    static let arguments: [Double] = Array(stride(from: -40.0, through: 40.0, by: 0.0137))
        + [-1e3, 1e3, 1e8, 0, -0.0, 1e-300, -1e-300, 1e-9, -1e-9, 19, 22, -22, 354, -354, 709.5, -709.5, .infinity,
           -.infinity, .nan]

    static func apply(_ f: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void,
                      _ x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        // Every tail length (the last 1–3 entries go through a padded vector).
        for n in [x.count, x.count - 1, x.count - 2, x.count - 3] {
            out.withUnsafeMutableBufferPointer { o in x.withUnsafeBufferPointer { f($0.baseAddress!, o.baseAddress!,
                                                                                    n) } }
        }
        return out
    }

    @Test func hazardMatchesScalar() {
        let x = Self.arguments
        let portable = Self.apply({ fm_goverh_array($0, $1, $2, Special.erfcxTablePadded) }, x)
        if InstructionSet.hardware.hasAVX2 {
            let avx2 = Self.apply({ fm_goverh_array_avx2($0, $1, $2, Special.erfcxTablePadded) }, x)
            #expect(zip(portable, avx2).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        if InstructionSet.hardware.hasAVX512VBMI {
            let avx512 = Self.apply({ fm_goverh_array_avx512($0, $1, $2, Special.erfcxTablePadded) }, x)
            #expect(zip(portable, avx512).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        for (xi, fast) in zip(x, portable) {
            let scalar = Special.GoverHFast(xi)
            if xi.isNaN { #expect(fast.isNaN); continue }
            if scalar.isInfinite { #expect(fast == scalar); continue }
            // Two implementations of e^x (this one and the C library's), each within an ulp or two.
            #expect(abs(fast - scalar) <= 1e-15 * abs(scalar) + 1e-300, "x = \(xi): \(fast) vs \(scalar)")
        }
    }

    @Test func tanhMatches() {
        let x = Self.arguments
        let portable = Self.apply({ fm_tanh_array($0, $1, $2) }, x)
        if InstructionSet.hardware.hasAVX2 {
            let avx2 = Self.apply({ fm_tanh_array_avx2($0, $1, $2) }, x)
            #expect(zip(portable, avx2).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        if InstructionSet.hardware.hasAVX512VBMI {
            let avx512 = Self.apply({ fm_tanh_array_avx512($0, $1, $2) }, x)
            #expect(zip(portable, avx512).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        for (xi, fast) in zip(x, portable) {
            if xi.isNaN { #expect(fast.isNaN); continue }
            // Absolute accuracy (1 − e^{−2|x|} cancels for |x| ≪ 1), and the sign and the limits exact.
            #expect(abs(fast - Foundation.tanh(xi)) <= 2.5e-16, "x = \(xi): \(fast) vs \(Foundation.tanh(xi))")
            #expect(fast.sign == xi.sign && abs(fast) <= 1)
        }
        #expect(Self.apply({ fm_tanh_array($0, $1, $2) }, [40, -40, .infinity, -.infinity]) == [1, -1, 1, -1])
    }

    typealias In = UnsafePointer<Double>?
    typealias Out = UnsafeMutablePointer<Double>?
    typealias RowsKernel = (UnsafePointer<Int64>?, In, In, Int, In, In, Out, Out, Out, Out, Out, Out) -> Void
    typealias ColumnsKernel = (UnsafePointer<Int64>?, Int, In, Out, Out, Out, Out, Out) -> Void

    /// Every output of a row round and of a column round, as bit patterns, on `count` entries.
    static func rounds(_ rows: RowsKernel, _ columns: ColumnsKernel, count: Int, seed: UInt64) -> [UInt64] {
        let g = Generator(seed: seed)
        // Products over a wide range (some far in the tails of G/H and tanh), a NaN-free mix of labels.
        let dots = (0..<count).map { _ in Int64((2 * g.uniform() - 1) * pow(10, 4 * g.uniform()) * 1e6) }
        let oldG = (0..<count).map { _ in 2 * g.uniform() - 1 }
        let labels = (0..<count).map { _ in g.uniform() < 0.5 ? -1.0 : 1.0 }
        let k = [1e-6, 1 / Double(2001).squareRoot(), 0.4, 0.3, 1 / 0.4.squareRoot(), 1 / 0.4]
        let blocks = (count + 15) / 16
        var omega = [Double](repeating: 0, count: count), gg = omega, dg = omega, c = omega
        var dgSums = [Double](repeating: 0, count: blocks), cLargest = dgSums
        rows(dots, oldG, labels, count, k, Special.erfcxTablePadded, &omega, &gg, &dg, &c, &dgSums, &cLargest)
        var a = omega, b = omega, m = oldG.map { 0.9 * $0 }, v = oldG.map { 0.5 + 0.4 * $0 }
        var results = [Double](repeating: 0, count: 4 * blocks)
        columns(dots, count, [0.7, 3e-6, 0.25], &a, &b, &m, &v, &results)
        return (omega + gg + dg + c + dgSums + cLargest + a + b + m + v + results).map(\.bitPattern)
    }

    @Test(arguments: [1, 3, 4, 5, 8, 12, 15, 16, 17, 23, 24, 29, 600])
    func roundsMatchAcrossInstructionSets(_ count: Int) {
        let portable = Self.rounds(fm_amp_rows, fm_amp_columns, count: count, seed: UInt64(count))
        if InstructionSet.hardware.hasAVX2 {
            #expect(Self.rounds(fm_amp_rows_avx2, fm_amp_columns_avx2, count: count, seed: UInt64(count)) == portable)
        }
        if InstructionSet.hardware.hasAVX512VBMI {
            #expect(Self.rounds(fm_amp_rows_avx512, fm_amp_columns_avx512, count: count,
                                seed: UInt64(count)) == portable)
        }
    }
}
