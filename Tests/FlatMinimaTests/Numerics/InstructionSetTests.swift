import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// The instruction-set ladder (InstructionSet.swift): the environment only lowers it, the levels this CPU
/// runs start at the portable one, and the dense kernels give the portable loop's bits at every level.
struct InstructionSetTests {
    @Test func environmentLowersTheLevel() {
        for level in InstructionSet.allCases {
            #expect(level.limited(by: [:]) == level)
            #expect(level.limited(by: ["FLATMINIMA_PORTABLE": "1"]) == .portable)
            #expect(level.limited(by: ["FLATMINIMA_AVX512": "0"]) == min(level, .avx2FMA))
            #expect(level.limited(by: ["FLATMINIMA_AVX512": "1"]) == level)
        }
        #expect(InstructionSet.available.first == .portable)
        #expect(InstructionSet.available.last == .hardware)
        #expect(InstructionSet.current <= .hardware)
    }

    @Test func ladderIsOrdered() {
        #expect(InstructionSet.avx512VBMI.hasAVX512BW && InstructionSet.avx512BW.hasFMA)
        #expect(InstructionSet.avx2FMA.hasAVX2 && InstructionSet.avx2.hasPopcount)
        #expect(!InstructionSet.portable.hasPopcount && !InstructionSet.avx2.hasFMA)
    }

    /// dot and axpy on lengths with partial vectors: the same bits at every level as the portable loop.
    @Test(arguments: [1, 7, 8, 9, 63, 200])
    func denseKernelsMatchThePortableLoop(_ n: Int) {
        let g = Generator(seed: UInt64(n))
        let x = (0..<n).map { _ in Int8(g.sign()) }
        let m = (0..<n).map { _ in 2 * g.uniform() - 1 }
        let reference = Kernels.dot(x, m, count: n, instructions: .portable)
        var referenceAxpy = m
        Kernels.axpy(&referenceAxpy, x, 0.3, count: n, instructions: .portable)
        for level in InstructionSet.available {
            #expect(Kernels.dot(x, m, count: n, instructions: level).bitPattern == reference.bitPattern, "\(level)")
            var b = m
            Kernels.axpy(&b, x, 0.3, count: n, instructions: level)
            #expect(b.map(\.bitPattern) == referenceAxpy.map(\.bitPattern), "\(level)")
            let words = (n + 63) / 64
            let a = (0..<words).map { _ in UInt64.random(in: 0 ... .max) }
            let c = (0..<words).map { _ in UInt64.random(in: 0 ... .max) }
            #expect(Kernels.xorPopcount(a, c, words: words, instructions: level)
                    == Kernels.xorPopcount(a, c, words: words, instructions: .portable))
        }
    }
}
