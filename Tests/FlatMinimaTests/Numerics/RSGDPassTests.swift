import CKernels
import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// rsgd's fused pass (`fm_rsgd_pull_sign_avx2`, `fm_rsgd_pull_sign_avx512`; PackedReplicas.swift has the
/// equations) against the pass written out site by site in Swift:
///     h_i += λ (t_i − w_i);  h_i += η s_i;  h_i = clamp(h_i, ±clip);  w_i = sign(h_i);
///     on a flip c_i ± 1, t_i = table[c_i], bit i toggles,
/// every array equal to the last bit, for tables small enough for one or two register permutes and large
/// enough to need a gather (y + 1 = 2 … 40 entries), every tail length mod 16, with and without the step
/// and the clip. The whole solver is checked against its double-precision oracle in GradientSolverTests.
@Suite(.enabled(if: InstructionSet.hardware.hasAVX2)) struct RSGDPassTests {
    struct State: Equatable {
        var h: [Float], w: [Float], counts: [Int32], targets: [Float], bits: [UInt64]
    }

    @Test(arguments: [2, 6, 9, 16, 17, 32, 40])
    func vectorPassesMatchTheEquations(_ entries: Int) {
        let y = entries - 1
        let g = Generator(seed: UInt64(100 + entries))
        let table: [Float] = (0...y).map { c in Float(tanh(0.7 * Double(2 * c - y))) } + [Float](repeating: 0,
                                                                                                 count: 32)
        for (lo, hi) in [(0, 1), (64, 71), (0, 16), (64, 95), (128, 256), (0, 1001)] {
            let n = hi
            var start = State(h: [], w: [], counts: [], targets: [],
                              bits: (0..<((n + 63) / 64)).map { _ in UInt64(g.uniform() * 0x1p53) })
            for _ in 0..<n {
                let positive = g.uniform() < 0.5
                // c counts the replicas at +1 including this one: a flip keeps it in [0, y].
                let c = positive ? 1 + Int(g.uniform() * Double(y)) : Int(g.uniform() * Double(y))
                start.w.append(positive ? 1 : -1)
                start.counts.append(Int32(c))
                start.targets.append(table[c])
                start.h.append(Float(3 * g.uniform() - 1.5))
            }
            let sums: [Int8] = (0..<(n + 64)).map { _ in Int8(Int(g.uniform() * 21) - 10) }
            for (rate, clip) in [(Float(0), Float(0)), (0.05, 0), (0.05, 0.9)] {
                let pull: Float = 0.3
                var expected = start
                for i in lo..<hi {
                    var v = expected.h[i] + pull * (expected.targets[i] - expected.w[i])
                    if rate != 0 { v += rate * Float(sums[i]) }
                    if clip > 0 { v = min(clip, max(-clip, v)) }
                    expected.h[i] = v
                    let nw: Float = v > 0 ? 1 : -1
                    if nw != expected.w[i] {
                        expected.w[i] = nw
                        expected.counts[i] += v > 0 ? 1 : -1
                        expected.targets[i] = table[Int(expected.counts[i])]
                        expected.bits[i >> 6] ^= 1 << UInt64(i & 63)
                    }
                }
                var kernels = [("AVX2", fm_rsgd_pull_sign_avx2)]
                if InstructionSet.hardware.hasAVX512VBMI { kernels.append(("AVX-512", fm_rsgd_pull_sign_avx512)) }
                for (name, kernel) in kernels {
                    var s = start
                    kernel(&s.h, &s.w, &s.counts, &s.targets, table, entries, &s.bits, sums, lo, hi, rate, pull, clip)
                    #expect(s == expected,
                            "\(name), \(entries) entries, sites [\(lo), \(hi)), η = \(rate), clip = \(clip)")
                }
            }
        }
    }
}
