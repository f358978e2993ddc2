import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// The slow, obviously-correct twins of the model kernels: plain loops over patterns, units, inputs.
enum Oracle {
    static func preactivation(_ m: Model, _ w: [Double], unit k: Int, _ x: [Double]) -> Double {
        var s = 0.0
        for i in 0..<m.fanIn {
            let input = m.architecture == .full ? i : k * m.fanIn + i
            s += w[k * m.fanIn + i] * x[input]
        }
        return s
    }

    static func energy(_ m: Model, _ w: [Double], _ set: PatternSet) -> Int {
        var wrong = 0
        for mu in 0..<set.count {
            let x = set.pattern(mu)
            var votes = 0
            for k in 0..<m.hidden
            where set.labels[mu] * preactivation(m, w, unit: k, x) / Double(m.fanIn).squareRoot() > m.margin {
                votes += 1
            }
            if 2 * votes <= m.hidden { wrong += 1 }
        }
        return wrong
    }

    static func loss(_ m: Model, _ w: [Double], _ set: PatternSet, _ loss: Loss) -> Double {
        var total = 0.0
        for mu in 0..<set.count {
            let x = set.pattern(mu)
            let lambdas = (0..<m.hidden).map { preactivation(m, w, unit: $0, x) / Double(m.fanIn).squareRoot() }
            let delta = m.kind == .perceptron
                ? set.labels[mu] * lambdas[0]
                : set.labels[mu] * lambdas.map { tanh($0) }.reduce(0, +) / Double(m.hidden).squareRoot()
            total += loss.value(delta)
        }
        return total
    }
}

/// Small instances of every architecture, with ±1 and Gaussian inputs.
func smallProblems() throws -> [Problem] {
    let models = [
        Model(kind: .perceptron, weights: .binary, inputs: 41, margin: 0),
        Model(kind: .perceptron, weights: .binary, inputs: 41, margin: 0.3),
        Model(kind: .committee, weights: .binary, architecture: .tree, hidden: 3, inputs: 45, margin: 0),
        Model(kind: .committee, weights: .binary, architecture: .full, hidden: 5, inputs: 21, margin: 0.2),
    ]
    var problems: [Problem] = []
    for (i, m) in models.enumerated() {
        for inputs in ProblemSpec.Inputs.allCases {
            problems.append(try Problem(ProblemSpec(model: m, task: .storage, inputs: inputs, patterns: 60,
                                                    instanceSeed: UInt64(10 + i))))
        }
    }
    return problems
}

@Suite struct ModelTests {
    @Test func energyMatchesOracle() throws {
        for problem in try smallProblems() {
            let g = Generator(seed: 7)
            for _ in 0..<5 {
                let w = (0..<problem.model.weightCount).map { _ in g.sign() }
                let energy = problem.model.energy(weights: w, on: problem.train)
                #expect(energy == Oracle.energy(problem.model, w, problem.train))
            }
        }
    }

    @Test func stabilitiesMatchOracle() throws {
        for problem in try smallProblems() {
            let m = problem.model, g = Generator(seed: 3)
            let w = (0..<m.weightCount).map { _ in g.gaussian() }
            let s = m.stabilities(weights: w, on: problem.train)
            for mu in 0..<problem.train.count {
                for k in 0..<m.hidden {
                    let x = problem.train.pattern(mu)
                    let expected = problem.train.labels[mu] * Oracle.preactivation(m, w, unit: k, x)
                        / Double(m.fanIn).squareRoot()
                    #expect(abs(s[mu * m.hidden + k] - expected) <= 1e-12 * max(1, abs(expected)))
                }
            }
        }
    }

    /// Every cached ΔE equals the difference of two recomputations, along a random walk of flips.
    @Test func flipCacheMatchesRecomputation() throws {
        for problem in try smallProblems() {
            let m = problem.model, g = Generator(seed: 11)
            var cache = FlipCache(model: m, patterns: problem.train, weights: (0..<m.weightCount).map { _ in g.sign() })
            #expect(cache.energy == cache.recomputedEnergy(patterns: problem.train))
            for _ in 0..<300 {
                let j = g.index(below: m.weightCount)
                var flipped = cache.weights
                flipped[j] = -flipped[j]
                let expected = Oracle.energy(m, flipped, problem.train) - Oracle.energy(m, cache.weights, problem.train)
                #expect(cache.deltaEnergy(flipping: j) == expected)
                cache.flip(j)
                #expect(cache.energy == Oracle.energy(m, cache.weights, problem.train))
            }
        }
    }

    /// Central finite differences of the total loss against the analytic gradient.
    @Test(arguments: [Loss.crossEntropy(beta: 1), Loss.crossEntropy(beta: 4), Loss.hinge(margin: 0.5)])
    func gradientMatchesFiniteDifferences(loss: Loss) throws {
        for problem in try smallProblems() {
            let m = problem.model, g = Generator(seed: 5)
            let w = (0..<m.weightCount).map { _ in g.gaussian() }
            let (value, gradient) = m.lossAndGradient(weights: w, on: problem.train, loss: loss)
            #expect(abs(value - Oracle.loss(m, w, problem.train, loss)) <= 1e-9 * max(1, abs(value)))
            #expect(m.totalLoss(weights: w, on: problem.train, loss: loss) == value)
            let h = 1e-6
            for j in stride(from: 0, to: m.weightCount, by: 7) {
                var plus = w, minus = w
                plus[j] += h
                minus[j] -= h
                let numeric = (Oracle.loss(m, plus, problem.train, loss) - Oracle.loss(m, minus, problem.train, loss))
                    / (2 * h)
                // The hinge has kinks: a pattern crossing Δ = κ within ±h breaks the difference quotient.
                if case .hinge = loss, abs(numeric - gradient[j]) > 1e-5 { continue }
                // Truncation O(h²·ℓ‴) plus rounding O(ε·ℓ/h) ≈ 1e-8 relative.
                #expect(abs(numeric - gradient[j]) <= 1e-6 * max(1, abs(numeric)),
                        "weight \(j): \(numeric) vs \(gradient[j])")
            }
        }
    }

    @Test func validationNamesOptionAndRange() {
        func message(_ m: Model, pm1: Bool = true) -> String? {
            do { try m.validate(pm1Inputs: pm1); return nil } catch { return error.description }
        }
        #expect(message(Model(kind: .perceptron, weights: .binary, inputs: 0))?.hasPrefix("-N:") == true)
        #expect(message(Model(kind: .perceptron, weights: .binary, inputs: 100))?.contains("odd") == true)
        #expect(message(Model(kind: .perceptron, weights: .binary, inputs: 100), pm1: false) == nil)
        #expect(message(Model(kind: .perceptron, weights: .spherical, inputs: 100)) == nil)
        #expect(message(Model(kind: .committee, weights: .binary, hidden: 4, inputs: 101))?
            .hasPrefix("-K/--hidden") == true)
        #expect(message(Model(kind: .committee, weights: .binary, architecture: .tree, hidden: 3, inputs: 100))?
            .contains("divide") == true)
        #expect(message(Model(kind: .committee, weights: .binary, architecture: .tree, hidden: 3, inputs: 99)) == nil)
        #expect(message(Model(kind: .perceptron, weights: .binary, inputs: 11, margin: -1))?
            .hasPrefix("--margin") == true)
        #expect(message(Model(kind: .perceptron, weights: .binary, inputs: 11, margin: .nan))?
            .hasPrefix("--margin") == true)
    }
}
