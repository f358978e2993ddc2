import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// BP and focusing BP where their messages polarise or their state describes no solution.
///
/// On a teacher task with a binary teacher, above the transition (α ≈ 1.245) the teacher is the only
/// solution and BP's fixed point polarises on it: every field is ±(tens to thousands), q = 1 and the
/// Bethe free entropy (the log-evidence per input) is log 1 = 0. The cavity variances V_μ are then 0, the
/// arguments of log H reach ±10^150 and GSL's erfc returns NaN there; with the asymptotic tails of
/// `Special` the free entropy is a number, and the run is a result.
@Suite struct BPTeacherTests {
    @Test(arguments: [(201, 1.5), (201, 3.0), (501, 2.0)])
    func polarisedTeacherFixedPointIsAResult(_ n: Int, _ alpha: Double) throws {
        let r = try run("bp", binaryPerceptron(n, alpha: alpha, instance: 1, task: .teacher))
        #expect(r["solved"] == .int(1) && r["converged"] == .int(1), "\(r.json)")
        #expect(r["reason"] == nil, "\(r.json)")
        let phi = try #require(number(r, "free_entropy"), "\(r.json)")
        #expect(abs(phi) < 1e-4, "φ = \(phi): log 1 = 0 for a unique solution")
        #expect(try #require(number(r, "q")) > 0.999_999)
    }

    /// Far above capacity (α = 5; α_c = 0.83) focusing BP ends without a solution at a state whose local
    /// entropy is −10^16 (N = 101): not an entropy. Both entropies are left out (NA) and the reason says
    /// why, beside the run's own reason.
    @Test func fbpAboveCapacityLeavesOutItsEntropies() throws {
        let r = try run("fbp", binaryPerceptron(101, alpha: 5, instance: 1))
        #expect(r["converged"] == .int(0), "\(r.json)")
        #expect(number(r, "free_entropy")?.isNaN == true && number(r, "local_entropy")?.isNaN == true, "\(r.json)")
        #expect(r["reason"] == .string("protocol ended without a solution; "
                                       + "local entropy below -log 2: no solutions near the reference"), "\(r.json)")
    }

    /// Below capacity fbp solves and keeps both entropies (finite, the local entropy in [0, log 2]).
    @Test func fbpBelowCapacityKeepsItsEntropies() throws {
        let r = try run("fbp", binaryPerceptron(201, alpha: 0.4, instance: 1))
        #expect(r["converged"] == .int(1) && r["reason"] == nil, "\(r.json)")
        let local = try #require(number(r, "local_entropy"))
        #expect(local >= 0 && local <= log(2.0), "\(r.json)")
        #expect(try #require(number(r, "free_entropy")).isFinite)
    }
}
