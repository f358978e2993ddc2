import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// The Wilson score interval of sweep tables (`flatminima table --stat success`).
@Suite struct SummaryTests {
    /// Exact ends at 0/n and n/n, the textbook values elsewhere (3/10: [0.1078, 0.6032]; 1/20:
    /// [0.00889, 0.2361], both from the closed form with z = 1.96), and s/n always inside.
    @Test func wilsonInterval() {
        #expect(Summary.wilson(successes: 0, trials: 3).low == 0)
        #expect(Summary.wilson(successes: 3, trials: 3).high == 1)
        #expect(abs(Summary.wilson(successes: 0, trials: 3).high - 0.5615) < 1e-4)
        let a = Summary.wilson(successes: 3, trials: 10), b = Summary.wilson(successes: 1, trials: 20)
        #expect(abs(a.low - 0.1078) < 1e-4 && abs(a.high - 0.6032) < 1e-4, "\(a)")
        #expect(abs(b.low - 0.00889) < 1e-5 && abs(b.high - 0.2361) < 1e-4, "\(b)")
        for n in 1...40 {
            for s in 0...n {
                let (low, high) = Summary.wilson(successes: s, trials: n), p = Double(s) / Double(n)
                #expect(0 <= low && low <= p && p <= high && high <= 1, "\(s)/\(n): [\(low), \(high)]")
            }
        }
    }
}
