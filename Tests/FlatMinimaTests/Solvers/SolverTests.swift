import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// Records every step, to check that solvers report progress.
final class Recorder: SolverObserver {
    var steps: [SolverStep] = []
    func observe(_ step: SolverStep) { steps.append(step) }
}

func run(_ name: String, _ spec: ProblemSpec, seed: UInt64 = 1, _ options: [String: String] = [:]) throws -> Record {
    let entry = try SolverRegistry.entry(named: name)
    let (solver, parameters) = try entry.build(options)
    return try Run.execute(try Problem(spec), entry: entry, solver: solver, parameters: parameters, seed: seed)
}

@Suite struct SolverTests {
    /// α = 0.2 is far below the binary perceptron's capacity 0.833 and well inside the region where
    /// simulated annealing finds solutions at N ≈ 500 (SCIENCE.md §6): every instance must be solved.
    @Test func annealingSolvesEasyBinaryPerceptron() throws {
        for instance in 1...5 {
            let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 501), patterns: 100,
                                   instanceSeed: UInt64(instance))
            let r = try run("sa", spec)
            #expect(r["solved"] == .int(1), "instance \(instance): \(r.json)")
            #expect(r["converged"] == .int(1))
        }
    }

    @Test func annealingSolvesCommittees() throws {
        for arch in Model.Architecture.allCases {
            let model = Model(kind: .committee, weights: .binary, architecture: arch, hidden: 3, inputs: 201)
            let spec = ProblemSpec(model: model, patterns: ProblemSpec.patterns(alpha: 0.1, model: model),
                                   instanceSeed: 2)
            let r = try run("sa", spec)
            #expect(r["solved"] == .int(1), "\(arch): \(r.json)")
        }
    }

    /// Spherical perceptron: capacity α_c = 2 (Gardner); at α = 1 the perceptron rule converges.
    @Test func perceptronRuleSolvesSpherical() throws {
        for inputs in ProblemSpec.Inputs.allCases {
            let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 400), inputs: inputs,
                                   patterns: 400, instanceSeed: 3)
            let r = try run("perceptron", spec)
            #expect(r["solved"] == .int(1), "\(r.json)")
        }
        let margin = ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 400, margin: 0.5),
                                 patterns: 200, instanceSeed: 3)
        #expect(try run("perceptron", margin)["solved"] == .int(1))
    }

    /// Above capacity (α = 3 > 2) the rule cannot converge; with the same seed the first 50 epochs of a
    /// 500-epoch run are the 50-epoch run, and the pocket only ever improves, so the longer run's
    /// training errors are never more.
    @Test func pocketKeepsTheBestWeights() throws {
        let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 200), patterns: 600,
                               instanceSeed: 5)
        guard case let .int(short)? = try run("perceptron", spec, ["max_iters": "50"])["train_errors"],
              case let .int(long)? = try run("perceptron", spec, ["max_iters": "500"])["train_errors"] else {
            Issue.record("no train_errors"); return
        }
        #expect(long <= short && long > 0)
    }

    @Test func leastActionSolvesCommittee() throws {
        let model = Model(kind: .committee, weights: .spherical, architecture: .tree, hidden: 3, inputs: 300)
        let spec = ProblemSpec(model: model, patterns: 150, instanceSeed: 4)
        #expect(try run("perceptron", spec)["solved"] == .int(1))
    }

    /// A teacher–student perceptron learns: the student's test error falls well below chance.
    @Test func teacherStudentGeneralises() throws {
        let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .spherical, inputs: 200), task: .teacher,
                               inputs: .gaussian, patterns: 600, instanceSeed: 6, testPatterns: 4000)
        let r = try run("perceptron", spec)
        guard case let .double(test)? = r["test_error"], case let .double(overlap)? = r["teacher_overlap"] else {
            Issue.record("missing test_error: \(r.json)"); return
        }
        // At α = 3 the perceptron rule is near R ≈ 0.9; chance is 0.5.
        #expect(test < 0.2)
        #expect(abs(test - acos(overlap) / Double.pi) < 5 * (0.25 / 4000).squareRoot())
    }

    @Test func sameSeedsSameRecord() throws {
        let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 201), patterns: 60,
                               instanceSeed: 8)
        var a = try run("sa", spec, seed: 3), b = try run("sa", spec, seed: 3)
        a.fields.removeAll { $0.name == "seconds" }
        b.fields.removeAll { $0.name == "seconds" }
        #expect(a == b)
        var c = try run("sa", spec, seed: 4)
        c.fields.removeAll { $0.name == "seconds" }
        #expect(c != a)
    }

    @Test func unsupportedAndBadParameters() throws {
        let binary = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 11), patterns: 5)
        #expect(throws: FlatMinimaError.self) { try run("perceptron", binary) }
        #expect(throws: FlatMinimaError.self) { try run("sa", binary, ["beta_end": "-1"]) }
        #expect(throws: FlatMinimaError.self) { try run("sa", binary, ["no_such": "1"]) }
        #expect(throws: FlatMinimaError.self) { try SolverRegistry.entry(named: "nope") }
    }

    @Test func observerSeesEverySweep() throws {
        let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 101), patterns: 60,
                               instanceSeed: 1)
        let entry = try SolverRegistry.entry(named: "sa")
        let (solver, _) = try entry.build(["max_iters": "30"])
        let recorder = Recorder()
        let outcome = try solver.solve(try Problem(spec), generator: Generator(seed: 1), observer: recorder)
        #expect(recorder.steps.count == outcome.iterations)
        // The returned configuration is the best one seen at the end of a sweep.
        let best = try #require(recorder.steps.map(\.energy).min())
        #expect(spec.model.energy(weights: outcome.weights, on: try Problem(spec).train) == best)
    }
}

/// A stand-in solver that returns fixed weights and fields, to test what `Run` makes of an outcome.
struct FixedOutcome: Solver {
    static let name = "fixed"
    static let summary = "returns a fixed outcome (tests)"
    static let parameters: [ParameterSpec] = []
    static func unsupported(_ model: Model) -> String? { nil }
    nonisolated(unsafe) static var weights: (Problem) -> [Double] = { _ in [] }
    nonisolated(unsafe) static var extra: [Record.Field] = []
    init(_ parameters: SolverParameters) throws(FlatMinimaError) {}
    func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        SolverOutcome(weights: Self.weights(problem), iterations: 1, converged: true, extra: Self.extra)
    }
}

@Suite(.serialized) struct RunRecordTests {
    func record(_ spec: ProblemSpec) throws -> Record {
        let entry = FixedOutcome.entry
        let (solver, parameters) = try entry.build([:])
        return try Run.execute(try Problem(spec), entry: entry, solver: solver, parameters: parameters, seed: 1)
    }

    /// Spherical weights are judged on the sphere |w|² = N: the margin test σ·w·x > κ√N is not scale
    /// invariant, so unnormalised weights (AMP's means, the perceptron rule's sums) must be rescaled first.
    /// A teacher direction scaled by 10⁶ satisfies κ = 1 on every pattern unless rescaled; on the sphere
    /// at α = 1.5 > α_c(1) = 0.52 it cannot.
    @Test func sphericalWeightsAreNormalisedBeforeTheMarginTest() throws {
        let model = Model(kind: .perceptron, weights: .spherical, inputs: 201, margin: 1)
        let spec = ProblemSpec(model: model, task: .teacher, inputs: .gaussian, patterns: 300, instanceSeed: 3)
        FixedOutcome.weights = { problem in problem.teacher!.map { 1e6 * $0 } }
        FixedOutcome.extra = []
        let r = try record(spec)
        #expect(r["solved"] == .int(0), "\(r.json)")
        let overlap = r["teacher_overlap"].flatMap { if case .double(let x) = $0 { x } else { nil } }
        #expect(overlap.map { abs($0 - 1) < 1e-12 } == true)
    }

    /// A run that claims convergence with NaN in its weights or fields is reported as not converged.
    @Test func nanOutcomesAreNotConverged() throws {
        let spec = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 101), patterns: 10)
        FixedOutcome.weights = { _ in [Double](repeating: 1, count: 101) }
        FixedOutcome.extra = [("free_entropy", .double(.nan)), ("gamma", .double(.infinity))]
        let r = try record(spec)
        #expect(r["converged"] == .int(0))
        #expect(r["reason"] == .string("NaN in free_entropy"))
        FixedOutcome.extra = [("gamma", .double(.infinity))]
        #expect(try record(spec)["converged"] == .int(1), "an infinite γ is a legitimate value")
    }
}
