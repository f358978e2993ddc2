import Foundation

/// The perceptron learning rule for spherical weights (Rosenblatt 1958), with margin κ, and its
/// least-action generalisation to committee machines (Nilsson 1965; Mitchison & Durbin 1989).
///
/// An epoch visits the patterns in a fresh random order. Perceptron: when the normalised stability
/// Δ^μ = σ^μ w·x^μ/|w| ≤ κ, w ← w + η σ^μ x^μ/√N. Committee machine: when a pattern has too few votes,
/// the wrong unit closest to its threshold (smallest κ − σλ_k with λ_k = w_k·x_k/|w_k|) is updated,
/// w_k ← w_k + η σ x_k/√n. Weights are returned with |w_k|² = n. Below capacity (α < 2 at κ = 0) the
/// perceptron rule converges in finitely many updates (Novikoff's theorem); near it, slowly. On
/// problems it does not solve (non-separable data) it returns the best weights it has held, "pocket"
/// style (Gallant 1990): whenever an epoch counts fewer errors than every earlier one, the weights are
/// scored exactly and kept if they beat the pocket.
public struct PerceptronRule: Solver {
    public static let name = "perceptron"
    public static let summary = "perceptron rule (least action for committees), spherical weights"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "1000",
                      help: "epochs (each visits every pattern once)"),
        ParameterSpec("lr", .real(1e-9...1e9), default: "1", help: "learning rate η (irrelevant at κ = 0)"),
    ]

    public let maxEpochs: Int
    public let learningRate: Double

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxEpochs = p.int("max_iters")
        learningRate = p.double("lr")
    }

    public static func unsupported(_ model: Model) -> String? {
        model.weights == .spherical ? nil : "needs spherical weights (use --weights spherical)"
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        let model = problem.model
        let initial = (0..<model.weightCount).map { _ in generator.gaussian() }
        var (w, epochs, updates, errors) = problem.train.visit(
            PerceptronEpochs(model: model, maxEpochs: maxEpochs, learningRate: learningRate,
                             generator: generator, observer: observer, initial: initial))
        model.projectOntoSphere(w, into: &w)
        return SolverOutcome(weights: w, iterations: epochs, converged: errors == 0,
                             extra: [("updates", .int(updates))]
                                 + (errors == 0 ? [] : [("reason", .string("max_iters reached"))]))
    }
}

/// The epochs of the perceptron / least-action rule, generic over the stored input type.
struct PerceptronEpochs: PatternVisitor {
    /// Patterns not satisfied by `w` (units normalised: a unit votes when σ w_k·x_k > κ |w_k|).
    func exactErrors<X: PatternScalar>(_ w: [Double], _ x: UnsafeBufferPointer<X>, _ labels: [Double]) -> Int {
        let n = model.fanIn, k = model.hidden, inputs = model.inputs
        let norms = (0..<k).map { u in (w[u * n ..< (u + 1) * n].reduce(0) { $0 + $1 * $1 }).squareRoot() }
        var wrong = 0
        w.withUnsafeBufferPointer { wb in
            for mu in 0..<labels.count {
                let row = UnsafeBufferPointer(rebasing: x[mu * inputs ..< (mu + 1) * inputs])
                var votes = 0
                for u in 0..<k
                where labels[mu] * model.preactivation(weights: wb, unit: u, input: row) > model.margin * norms[u] {
                    votes += 1
                }
                if votes < model.votesNeeded { wrong += 1 }
            }
        }
        return wrong
    }

    let model: Model
    let maxEpochs: Int
    let learningRate: Double
    let generator: Generator
    let observer: any SolverObserver
    let initial: [Double]

    func visit<X: PatternScalar>(_ xb: UnsafeBufferPointer<X>, labels: [Double])
        -> (weights: [Double], epochs: Int, updates: Int, errors: Int) {
        let n = model.fanIn, k = model.hidden, N = model.inputs, count = labels.count
        var norms = [Double](repeating: 0, count: k)
        var order = Array(0..<count)
        var lambda = [Double](repeating: 0, count: k)
        var epochs = 0, updates = 0, errors = count
        var fewestCounted = Int.max
        var pocket: (weights: [Double], errors: Int)? = nil
        let step = learningRate / Double(n).squareRoot()
        var weights = initial
        weights.withUnsafeMutableBufferPointer { wb in
            for u in 0..<k {
                var s = 0.0
                for i in u * n ..< (u + 1) * n { s += wb[i] * wb[i] }
                norms[u] = s.squareRoot()
            }
            while epochs < maxEpochs {
                generator.shuffle(&order)
                errors = 0
                for mu in order {
                    let x = UnsafeBufferPointer(rebasing: xb[mu * N ..< (mu + 1) * N])
                    let sigma = labels[mu]
                    var votes = 0
                    for u in 0..<k {
                        let field = model.preactivation(weights: UnsafeBufferPointer(wb), unit: u, input: x)
                        lambda[u] = sigma * field / norms[u]
                        if lambda[u] > model.margin { votes += 1 }
                    }
                    if votes >= model.votesNeeded { continue }
                    errors += 1
                    // The wrong unit nearest its threshold (for the perceptron, the only unit).
                    var target = -1, gap = Double.infinity
                    for u in 0..<k where lambda[u] <= model.margin && model.margin - lambda[u] < gap {
                        gap = model.margin - lambda[u]
                        target = u
                    }
                    let offset = model.inputOffset(unit: target), base = target * n
                    var norm2 = 0.0
                    for i in 0..<n {
                        wb[base + i] += step * sigma * x[offset + i].asDouble
                        norm2 += wb[base + i] * wb[base + i]
                    }
                    norms[target] = norm2.squareRoot()
                    updates += 1
                }
                epochs += 1
                observer.observe(SolverStep(iteration: epochs, energy: errors))
                if errors == 0 { break }
                if errors < fewestCounted {
                    fewestCounted = errors
                    let current = Array(wb)
                    let exact = exactErrors(current, xb, labels)
                    if exact < pocket?.errors ?? Int.max { pocket = (current, exact) }
                }
            }
        }
        if errors > 0, let pocket, pocket.errors < exactErrors(weights, xb, labels) {
            return (pocket.weights, epochs, updates, errors)
        }
        return (weights, epochs, updates, errors)
    }
}
