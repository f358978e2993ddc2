import CKernels
import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// The AVX2 + FMA kernels of BP (CKernels) against the portable Swift functions they replace: vector e^x
/// and log x against libm over the ranges BP feeds them, and the single-precision message ½[log H(a) − log H(b)]
/// against `Special.halfLogHRatio` over arguments of every sign and size; the AVX-512 kernels (BP's
/// pattern, the committee unit) against the AVX2 ones. Skipped on CPUs without AVX2 + FMA (the AVX-512
/// comparisons on CPUs without AVX-512).
@Suite(.enabled(if: InstructionSet.hardware.hasFMA)) struct VectorKernelTests {
    /// Relative error ≤ 4 ulp of e^x on [−708, 709] (and 0 below −708), |log x − log_libm x| ≤ 4 ulp of
    /// the result on [1e−300, 1e300] (the first pass's tanh; the committee kernel's H and message); four
    /// lanes with AVX2 + FMA, eight with AVX-512 (the same source).
    @Test(arguments: [4, 8]) func expAndLogMatchLibm(_ lanes: Int) {
        guard lanes == 4 || InstructionSet.hardware.hasAVX512VBMI else { return }
        let exp = lanes == 4 ? fm_exp4_avx2 : fm_exp8_avx512, log = lanes == 4 ? fm_log4_avx2 : fm_log8_avx512
        var worstExp = 0.0, worstLog = 0.0
        var x = [Double](repeating: 0, count: lanes), out = [Double](repeating: 0, count: lanes)
        let points = 80_000
        for k in 0 ..< points / lanes {
            for lane in 0..<lanes { x[lane] = -708 + 1417 * Double(lanes * k + lane) / Double(points) }
            exp(x, &out)
            for lane in 0..<lanes {
                worstExp = max(worstExp, abs(out[lane] - Foundation.exp(x[lane])) / Foundation.exp(x[lane]))
            }
            for lane in 0..<lanes {
                x[lane] = Foundation.pow(10, -300 + 600 * Double(lanes * k + lane) / Double(points))
            }
            log(x, &out)
            for lane in 0..<lanes {
                let exact = Foundation.log(x[lane])
                worstLog = max(worstLog, abs(out[lane] - exact) / max(abs(exact), 1e-300))
            }
        }
        #expect(worstExp < 4 * Double.ulpOfOne, "exp worst relative error \(worstExp)")
        #expect(worstLog < 4 * Double.ulpOfOne, "log worst relative error \(worstLog)")
        x = [-800, -1e12, .nan, 0] + [Double](repeating: 0, count: lanes - 4)
        exp(x, &out)
        #expect(out[0] == 0 && out[1] == 0 && out[2].isNaN && out[3] == 1)
    }

    /// The single-precision message against the double-precision `Special.halfLogHRatio` over a grid of
    /// (a, b) with b − a = 2s for cavity widths s from 1e−3 to 1e3 and centres across ±60, every sign
    /// pattern. Bound: A and B are rounded to float once (relative 6e−8) and every float operation adds
    /// a few 6e−8; the message's absolute error is then a few 1e−7 times (1 + |message| + |a|·s), the
    /// last term from the rounding of a and b themselves, which moves a message of slope ≈ s·|a|.
    /// Messages are stored as Float (relative 6e−8) and BP's tolerance is 1e−5.
    @Test(arguments: [8, 16]) func singlePrecisionMessageMatchesPortable(_ lanes: Int) {
        guard lanes == 8 || InstructionSet.hardware.hasAVX512VBMI else { return }
        var worst = 0.0
        var a = [Double](repeating: 0, count: lanes), b = a
        var out = [Float](repeating: 0, count: lanes)
        let widths = [1e-3, 0.01, 0.1, 0.5, 1, 2, 5, 30, 1e3]
        var pending: [(Double, Double)] = []
        func flush() {
            for k in pending.count..<lanes { a[k] = 0; b[k] = 0 }
            if lanes == 8 { fm_half_log_h_ratio8_f32_avx2(a, b, &out, Special.erfcxTableSingle) } else {
                fm_half_log_h_ratio16_f32_avx512(a, b, &out, Special.erfcxTableSingle)
            }
            for (k, (x, y)) in pending.enumerated() {
                let exact = Special.halfLogHRatio(x, y)
                let scale = 1 + abs(exact) + abs(x + y) / 2 * abs(y - x) / 2
                worst = max(worst, abs(Double(out[k]) - exact) / scale)
            }
            pending = []
        }
        for s in widths {
            for c in stride(from: -60.0, through: 60.0, by: 0.0731) {
                a[pending.count] = c - s; b[pending.count] = c + s
                pending.append((c - s, c + s))
                if pending.count == lanes { flush() }
            }
        }
        if !pending.isEmpty { flush() }
        #expect(worst < 1e-6, "worst scaled difference \(worst)")
    }

    /// BP's whole pattern update: the AVX-512 kernel against the AVX2 one on random rows (every tail
    /// length mod 16, both the parallel and the sequential form), within the message's accuracy: a few
    /// 1e−7 absolute on messages of size up to ~3 here.
    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 31, 1001])
    func avx512PatternMatchesAVX2(_ n: Int) {
        guard InstructionSet.hardware.hasAVX512VBMI else { return }
        let g = Generator(seed: UInt64(n))
        let x: [Int8] = (0..<n).map { _ in g.uniform() < 0.5 ? -1 : 1 }
        let h0 = (0..<n).map { _ in 6 * g.uniform() - 3 }
        let u0: [Float] = (0..<n).map { _ in Float(2 * g.uniform() - 1) }
        for sequential in [false, true] {
            var results: [(Double, [Float], [Double], [Double])] = []
            for wide in [false, true] {
                var u = u0, h = h0, cavity = h0.map { $0 * 0.5 }, sum = [Double](repeating: 0.25, count: n)
                var m = [Double](repeating: 0, count: n), v = m
                let kernel = wide ? fm_bp_pattern_f32_avx512 : fm_bp_pattern_f32_avx2
                let change = cavity.withUnsafeMutableBufferPointer { cb in
                    sum.withUnsafeMutableBufferPointer { sb in
                        kernel(x, &u, &h, sequential ? cb.baseAddress : nil, sequential ? nil : sb.baseAddress, &m,
                               &v, n, 0.3, 0.2,
                               Special.erfcxTableSingle)
                    }
                }
                results.append((change, u, sequential ? h + cavity : sum, m + v))
            }
            let (a, b) = (results[0], results[1])
            #expect(abs(a.0 - b.0) < 1e-6, "n = \(n): change \(a.0) vs \(b.0)")
            #expect(zip(a.1, b.1).allSatisfy { abs(Double($0) - Double($1)) < 1e-6 }, "n = \(n): messages")
            #expect(zip(a.2, b.2).allSatisfy { abs($0 - $1) < 1e-6 }, "n = \(n): fields or sums")
            #expect(zip(a.3, b.3).allSatisfy { abs($0 - $1) < 1e-14 }, "n = \(n): m and v")
        }
    }

    /// The committee unit's kernels: AVX-512 against AVX2 on random units (every tail length mod 8, both
    /// forms), in double precision up to the Float store of the message: M and V within 1e−14 relative
    /// (sums over eight lanes instead of four), the messages within one Float rounding (2.4e−7 relative).
    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 64, 321])
    func avx512CommitteeUnitMatchesAVX2(_ fan: Int) {
        guard InstructionSet.hardware.hasAVX512VBMI else { return }
        let g = Generator(seed: UInt64(1000 + fan))
        let x: [Int8] = (0..<fan).map { _ in g.uniform() < 0.5 ? -1 : 1 }
        let h0 = (0..<fan).map { _ in 4 * g.uniform() - 2 }
        let u0: [Float] = (0..<fan).map { _ in Float(g.uniform() - 0.5) }
        for sequential in [false, true] {
            var results: [(Double, Double, Double, [Float], [Double])] = []
            for wide in [false, true] {
                var u = u0, h = h0, cavity = h0.map { $0 * 0.5 }, sum = [Double](repeating: 0.25, count: fan)
                var m = [Double](repeating: 0, count: fan), v = m
                var bigM = 0.0, bigV = 0.0
                (wide ? fm_committee_unit_sums_avx512 : fm_committee_unit_sums_avx2)(x, h, u, &m, &v, fan, &bigM, &bigV)
                let change = cavity.withUnsafeMutableBufferPointer { cb in
                    sum.withUnsafeMutableBufferPointer { sb in
                        (wide ? fm_committee_unit_messages_avx512 : fm_committee_unit_messages_avx2)(
                            x, &u, m, v, fan, bigM, bigV, 0.3, 0.4, 0.6, 0.2, sequential ? nil : sb.baseAddress,
                            sequential ? cb.baseAddress : nil, &h,
                                wide ? Special.erfcxTableTransposed : Special.erfcxTablePadded)
                    }
                }
                results.append((bigM, bigV, change, u, sequential ? h + cavity : sum))
            }
            let (a, b) = (results[0], results[1])
            #expect(abs(a.0 - b.0) <= 1e-14 * max(1, abs(a.0)) && abs(a.1 - b.1) <= 1e-14 * a.1, "fan = \(fan): M, V")
            #expect(abs(a.2 - b.2) <= 2.4e-7 * a.2 + 1e-12, "fan = \(fan): change \(a.2) vs \(b.2)")
            #expect(zip(a.3, b.3).allSatisfy { abs(Double($0) - Double($1)) <= 2.4e-7 * abs(Double($0)) + 1e-12 },
                    "fan = \(fan): messages")
            #expect(zip(a.4, b.4).allSatisfy { abs($0 - $1) <= 1e-6 }, "fan = \(fan): fields or sums")
        }
    }
}
