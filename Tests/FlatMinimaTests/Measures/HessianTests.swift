import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

@Suite struct HessianTests {
    static func problems() throws -> [Problem] {
        [
            try Problem(ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 40), inputs: .gaussian,
                                    patterns: 60, instanceSeed: 2)),
            try Problem(ProblemSpec(model: Model(kind: .committee, weights: .spherical, architecture: .tree, hidden: 3,
                                                 inputs: 36), patterns: 50, instanceSeed: 3)),
            try Problem(ProblemSpec(model: Model(kind: .committee, weights: .spherical, architecture: .full, hidden: 3,
                                                 inputs: 15), inputs: .gaussian, patterns: 40, instanceSeed: 4)),
        ]
    }

    /// H v against central differences of the analytic gradient (`Model.lossAndGradient`, itself
    /// checked against finite differences of the loss): truncation O(ε²) and rounding O(δ/ε), 1e−6.
    @Test func productMatchesFiniteDifferences() throws {
        for problem in try Self.problems() {
            let g = Generator(seed: 1), m = problem.model
            let w = (0..<m.weightCount).map { _ in g.gaussian() }, v = (0..<m.weightCount).map { _ in g.gaussian() }
            let hv = HessianEstimator.product(v, weights: w, problem: problem, beta: 2)
            let eps = 1e-5
            let loss = Loss.crossEntropy(beta: 2)
            let forward = zip(w, v).map { $0 + eps * $1 }, backward = zip(w, v).map { $0 - eps * $1 }
            let plus = m.lossAndGradient(weights: forward, on: problem.train, loss: loss).gradient
            let minus = m.lossAndGradient(weights: backward, on: problem.train, loss: loss).gradient
            for i in 0..<m.weightCount {
                let numeric = (plus[i] - minus[i]) / (2 * eps)
                #expect(abs(numeric - hv[i]) <= 1e-6 * max(1, abs(numeric)), "\(m.kind) \(i): \(numeric) vs \(hv[i])")
            }
        }
    }

    /// Lanczos's top eigenvalues against GSL's dense eigensolver on the full Hessian (built column by
    /// column from H eᵢ); with as many steps as dimensions Lanczos is exact up to rounding, and 30
    /// steps already resolve the top of the spectrum to 1e−6 relative on these small problems.
    @Test func lanczosMatchesDenseEigensolver() throws {
        for problem in try Self.problems() {
            let g = Generator(seed: 5), m = problem.model, d = m.weightCount
            let w = (0..<d).map { _ in g.gaussian() }
            var dense = [Double](repeating: 0, count: d * d)
            for j in 0..<d {
                var e = [Double](repeating: 0, count: d)
                e[j] = 1
                let column = HessianEstimator.product(e, weights: w, problem: problem, beta: 1)
                for i in 0..<d { dense[i * d + j] = column[i] }
            }
            let exact = try HessianEstimator.symmetricEigenvalues(dense, size: d)
            let estimator = try HessianEstimator(beta: 1, lanczosSteps: 30, top: 2, traceSamples: 2)
            let lanczos = try estimator.topEigenvalues(weights: w, problem: problem, generator: Generator(seed: 9))
            #expect(abs(lanczos[0] - exact[0]) <= 1e-6 * abs(exact[0]), "\(lanczos) vs \(exact.prefix(2))")
            #expect(abs(lanczos[1] - exact[1]) <= 1e-4 * abs(exact[0]), "\(lanczos) vs \(exact.prefix(2))")
            // Hutchinson: unbiased, within 5 standard errors of the exact trace.
            let trace = exact.reduce(0, +)
            let estimate = try HessianEstimator(traceSamples: 400).trace(weights: w, problem: problem,
                                                                         generator: Generator(seed: 11))
            #expect(abs(estimate.mean - trace) < 5 * estimate.standardError + 1e-9, "\(estimate) vs \(trace)")
        }
    }
}
