import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

@Suite struct GeneratorTests {
    @Test func seedsAreDeterministicAndDistinct() {
        #expect(Seeds.derive(1, 2) == Seeds.derive(1, 2))
        var seen = Set<UInt64>()
        for base in 0..<1000 as Range<UInt64> {
            for stream in 0..<100 as Range<UInt64> { seen.insert(Seeds.derive(base, stream)) }
        }
        #expect(seen.count == 100_000)
    }

    @Test func equalSeedsEqualSequences() {
        let a = Generator(seed: 42), b = Generator(seed: 42), c = Generator(seed: 43)
        let sa = (0..<100).map { _ in a.uniform() }, sb = (0..<100).map { _ in b.uniform() }
        let sc = (0..<100).map { _ in c.uniform() }
        #expect(sa == sb && sa != sc)
        #expect(sa.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    /// The full 64-bit seed matters (GSL's own seeding keeps 32 bits).
    @Test func upperSeedBitsMatter() {
        let low = Generator(seed: 7), high = Generator(seed: 7 | (1 << 40))
        #expect((0..<4).map { _ in low.bits32() } != (0..<4).map { _ in high.bits32() })
    }

    /// Moments of 100 000 draws within 5 standard errors: the mean of N(0,1) has s.e. 1/√n = 0.0032,
    /// the variance s.e. √(2/n) = 0.0045; a fair sign's count has s.e. √n/2 = 158.
    @Test func moments() {
        let g = Generator(base: 3, stream: 9), n = 100_000
        let z = (0..<n).map { _ in g.gaussian() }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        let plus = (0..<n).filter { _ in g.sign() > 0 }.count
        #expect(abs(Double(plus) - Double(n) / 2) < 5 * Double(n).squareRoot() / 2)
    }

    @Test func permutationsAndIndices() {
        let g = Generator(seed: 5)
        let p = g.permutation(1000)
        #expect(p.sorted() == Array(0..<1000) && p != Array(0..<1000))
        #expect((0..<10_000).allSatisfy { _ in (0..<7).contains(g.index(below: 7)) })
    }

    /// `fillSigns` draws exactly the stream of successive `sign()` calls, across the 624-word twist
    /// boundaries and from any position in the state (after prior draws of other kinds).
    @Test(arguments: [0, 1, 623, 624, 625, 5000])
    func bulkSignsEqualSuccessiveSigns(count: Int) {
        for seed in [1, 42, 0xDEAD_BEEF_CAFE, UInt64.max] as [UInt64] {
            for prior in [0, 1, 300, 623, 624, 1000] {
                let bulk = Generator(seed: seed), single = Generator(seed: seed)
                for _ in 0..<prior { _ = bulk.bits32(); _ = single.bits32() }
                var signs = [Int8](repeating: 0, count: count)
                signs.withUnsafeMutableBufferPointer { bulk.fillSigns($0) }
                let expected = (0..<count).map { _ in Int8(single.sign()) }
                #expect(signs == expected, "seed \(seed), \(prior) prior draws")
            }
        }
    }

    /// After a bulk fill (of Int8 or of Double) the generator continues exactly as after the same number
    /// of `sign()` calls: uniform, Gaussian and raw draws agree.
    @Test(arguments: [0, 1, 623, 624, 625, 5000])
    func drawsAfterBulkSignsContinueTheStream(count: Int) {
        for seed in [3, 77, 1 << 40] as [UInt64] {
            let bytes = Generator(seed: seed), reals = Generator(seed: seed), single = Generator(seed: seed)
            _ = (bytes.gaussian(), reals.gaussian(), single.gaussian())
            var signs = [Int8](repeating: 0, count: count)
            signs.withUnsafeMutableBufferPointer { bytes.fillSigns($0) }
            let realSigns = reals.signs(count)
            let expected = (0..<count).map { _ in single.sign() }
            #expect(realSigns == expected && signs.map(Double.init) == expected)
            // 700 of each kind crosses a twist whatever the position the fill left.
            let next = { (g: Generator) -> [Double] in
                (0..<700).map { _ in g.uniform() } + (0..<700).map { _ in g.gaussian() }
                    + (0..<700).map { _ in Double(g.bits32()) }
            }
            let continuation = next(single)
            #expect(next(bytes) == continuation && next(reals) == continuation, "seed \(seed)")
        }
    }
}
