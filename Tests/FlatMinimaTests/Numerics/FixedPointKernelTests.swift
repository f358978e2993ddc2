import CKernels
import Foundation
import Testing
import FlatMinima

/// AMP's fixed-point matrix kernels (CKernels, AVX2) against plain Int64 loops: integer arithmetic, so
/// the results must be equal, not close — over lengths with and without a vector tail, extreme limbs
/// (±2^15, where vpmaddwd's pair sums reach 2^16) and a row long enough (n > 16·2^14) to pass through
/// the dot kernel's fold of its Int32 lanes. Skipped on CPUs without AVX2.
@Suite(.enabled(if: fm_cpu_has_avx2() != 0)) struct FixedPointKernelTests {
    /// Deterministic ±1 rows and Int16 limbs; `extreme` puts every limb at −2^15 or 2^15 − 1 with the
    /// sign of x (the largest sums the kernels can meet).
    static func data(rows: Int, n: Int, seed: UInt64, extreme: Bool) -> (x: [Int8], limbs: [Int16]) {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        let x = (0 ..< rows * n).map { _ in next() & 1 == 0 ? Int8(1) : Int8(-1) }
        let limbs = (0 ..< 3 * n).map { j -> Int16 in
            extreme ? (x[j % n] > 0 ? Int16.max : Int16.min) : Int16(truncatingIfNeeded: next())
        }
        return (x, limbs)
    }

    @Test(arguments: [1, 15, 16, 17, 100, 2001, 300_017])
    func dotMatchesIntegerLoop(n: Int) {
        for extreme in [false, true] {
            let (x, limbs) = Self.data(rows: 4, n: n, seed: UInt64(n), extreme: extreme)
            var sums = [Int64](repeating: -1, count: 12)
            fm_dot4_q16_avx2(x, n, limbs, n, n, &sums)
            for r in 0..<4 {
                for k in 0..<3 {
                    var expected: Int64 = 0
                    for i in 0..<n { expected += Int64(x[r * n + i]) * Int64(limbs[k * n + i]) }
                    #expect(sums[3 * r + k] == expected, "n = \(n), row \(r), limb \(k), extreme \(extreme)")
                }
            }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 100, 2001])
    func axpyMatchesIntegerLoop(n: Int) {
        for extreme in [false, true] {
            let (x, _) = Self.data(rows: 4, n: n, seed: UInt64(n) + 7, extreme: false)
            let coefficients: [Int16] = extreme ? [.min, .max, .min, .max, .max, .min, .max, .min, -16385, 16384, 1, -1]
                                                : [12345, -2, 32000, -777, 5, -32768, 0, 99, -16385, 16384, 1, -1]
            // Accumulators with a stride larger than n and a start value, to see both respected.
            let stride = n + 5
            var acc = (0 ..< 3 * stride).map { Int32($0 % 97) - 48 }
            var expected = acc
            for k in 0..<3 {
                for i in 0..<n {
                    var s: Int32 = 0
                    for r in 0..<4 { s += Int32(x[r * n + i]) * Int32(coefficients[4 * k + r]) }
                    expected[k * stride + i] += s
                }
            }
            fm_axpy4_q16_avx2(&acc, stride, x, n, coefficients, n)
            #expect(acc == expected, "n = \(n), extreme \(extreme)")
        }
    }
}
