import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

@Suite struct ConeVolumeTests {
    func spherical(_ patterns: Int) throws -> Problem {
        try Problem(ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 1001), patterns: patterns,
                                instanceSeed: 1))
    }

    /// With (almost) no patterns the cone around a solution is (almost) all solutions: V(θ) = log sin θ
    /// up to O(P/N) — measured 1e−3 with P = 2 at N = 1001. (Around a configuration that violates a
    /// pattern with stability Δ < 0, small cones lose a finite fraction per weight, ~ Δ²/(2 sin²θ)/N.)
    @Test func emptyProblemGivesTheCeiling() throws {
        let problem = try spherical(2)
        let entry = try SolverRegistry.entry(named: "perceptron")
        let reference = try entry.build([:]).0.solve(problem, generator: Generator(seed: 4),
                                                     observer: NullObserver()).weights
        let curve = try ConeVolume(angles: [1.2, 0.8, 0.4, 0.1]).curve(around: reference, problem: problem,
                                                                       generator: Generator(seed: 1))
        for point in curve {
            #expect(point.converged)
            #expect(abs(point.volume - point.ceiling) < 5e-3, "\(point)")
        }
    }

    /// Around a solution at α = 1 (κ = 0): V(θ) never exceeds the ceiling log sin θ, and at wide
    /// angles it reaches the whole Gardner volume, AMP's free entropy at the plain fixed point.
    @Test func solutionCurveIsBounded() throws {
        let problem = try spherical(1001)
        let entry = try SolverRegistry.entry(named: "perceptron")
        let solution = try entry.build([:]).0.solve(problem, generator: Generator(seed: 2),
                                                    observer: NullObserver()).weights
        let curve = try ConeVolume(angles: [1.2, 1, 0.8, 0.6, 0.4, 0.2, 0.1]).curve(around: solution, problem: problem,
                                                                                    generator: Generator(seed: 3))
        for point in curve {
            #expect(point.converged && point.volume <= point.ceiling + 1e-3, "\(point)")
        }
        let amp = try SolverRegistry.entry(named: "amp")
        let (solver, parameters) = try amp.build([:])
        let record = try Run.execute(problem, entry: amp, solver: solver, parameters: parameters, seed: 1)
        guard case let .double(gardner)? = record["free_entropy"] else { Issue.record("no free entropy"); return }
        #expect(abs((curve.map(\.volume).max() ?? 0) - gardner) < 2e-3,
                "max V \(curve.map(\.volume).max() ?? 0) vs \(gardner)")
        #expect(throws: FlatMinimaError.self) { try ConeVolume(angles: [2]) }
        #expect(throws: FlatMinimaError.self) { try ConeVolume(angles: [0]) }
    }
}
