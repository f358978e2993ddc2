import CKernels
import Foundation
import Testing
@testable import FlatMinima

/// AMP's array versions of G/H and tanh (CKernels `fm_goverh_array`, `fm_tanh_array`): the portable and
/// the AVX2 builds give the same bits, and both agree with the scalar functions they replace.
struct AMPSpecialTests {
    static let arguments: [Double] = Array(stride(from: -40.0, through: 40.0, by: 0.0137))
        + [-1e3, 1e3, 1e8, 0, -0.0, 1e-300, -1e-300, 1e-9, -1e-9, 19, 22, -22, 354, -354, 709.5, -709.5, .infinity, -.infinity, .nan]

    static func apply(_ f: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void, _ x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        // Every tail length (the last 1–3 entries go through a padded vector).
        for n in [x.count, x.count - 1, x.count - 2, x.count - 3] {
            out.withUnsafeMutableBufferPointer { o in x.withUnsafeBufferPointer { f($0.baseAddress!, o.baseAddress!, n) } }
        }
        return out
    }

    @Test func hazardMatchesScalar() {
        let x = Self.arguments
        let portable = Self.apply({ fm_goverh_array($0, $1, $2, Special.erfcxTablePadded) }, x)
        if fm_cpu_has_avx2() != 0 {
            let avx2 = Self.apply({ fm_goverh_array_avx2($0, $1, $2, Special.erfcxTablePadded) }, x)
            #expect(zip(portable, avx2).allSatisfy { $0.bitPattern == $1.bitPattern })
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
        if fm_cpu_has_avx2() != 0 {
            let avx2 = Self.apply({ fm_tanh_array_avx2($0, $1, $2) }, x)
            #expect(zip(portable, avx2).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
        for (xi, fast) in zip(x, portable) {
            if xi.isNaN { #expect(fast.isNaN); continue }
            // Absolute accuracy (1 − e^{−2|x|} cancels for |x| ≪ 1), and the sign and the limits exact.
            #expect(abs(fast - Foundation.tanh(xi)) <= 2.5e-16, "x = \(xi): \(fast) vs \(Foundation.tanh(xi))")
            #expect(fast.sign == xi.sign && abs(fast) <= 1)
        }
        #expect(Self.apply({ fm_tanh_array($0, $1, $2) }, [40, -40, .infinity, -.infinity]) == [1, -1, 1, -1])
    }
}
