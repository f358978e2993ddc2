import Foundation

/// The training objective of the gradient methods and its derivative, one type for the losses and the
/// rule the solvers train with (SCIENCE.md §2).
///
/// A loss acts on a pattern's stability Δ: Δ = σλ for the perceptron (λ = w·x/√N), and for the committee
/// machine the soft-committee output Δ = σ (1/√K) Σ_k tanh(λ_k), a differentiable surrogate of the
/// majority vote (the majority itself has zero gradient almost everywhere).
/// - cross-entropy ℓ_β(Δ) = log(1 + e^{−βΔ})/β, ℓ′(Δ) = −1/(1 + e^{βΔ});
/// - hinge ℓ(Δ) = max(0, κ − Δ), ℓ′(Δ) = −1 when Δ < κ;
/// - least action (Nilsson 1965, Mitchison & Durbin 1989, the rule of
///   carlobaldassi/BinaryCommitteeMachineRSGD.jl): for the perceptron the perceptron rule, the hinge's
///   subgradient taken at Δ ≤ κ; for committees not a loss on Δ but a rule on the units, which
///   `DirectionKernel` applies (a pattern with too few units above κ moves the missing number of wrong
///   units nearest their threshold). `value` and `derivative` give its perceptron form.
/// A larger β (or a larger weight norm) sharpens the cross-entropy towards the error count: growing β
/// slowly is the "slow norm reduction" that ends in wide flat minima (Baldassi, Pittorino & Zecchina,
/// PNAS 117, 161, 2020).
public enum Loss: Sendable, Hashable {
    case crossEntropy(beta: Double)
    case hinge(margin: Double)
    case leastAction(margin: Double)

    /// The names the solvers' `loss` parameter takes.
    public enum Name: String, Sendable, Hashable, CaseIterable {
        case crossEntropy = "ce"
        case hinge
        case leastAction = "la"
    }

    /// The loss called `name`, with the cross-entropy's scale β or the margin κ of the other two.
    public init(_ name: Name, beta: Double, margin: Double) {
        switch name {
        case .crossEntropy: self = .crossEntropy(beta: beta)
        case .hinge: self = .hinge(margin: margin)
        case .leastAction: self = .leastAction(margin: margin)
        }
    }

    public var name: Name {
        switch self {
        case .crossEntropy: .crossEntropy
        case .hinge: .hinge
        case .leastAction: .leastAction
        }
    }

    /// The same loss at the cross-entropy scale β (the others have none).
    public func with(beta: Double) -> Loss {
        if case .crossEntropy = self { return .crossEntropy(beta: beta) }
        return self
    }

    /// ℓ(Δ).
    @inlinable
    public func value(_ delta: Double) -> Double {
        switch self {
        case let .crossEntropy(beta): return Special.log1pexp(-beta * delta) / beta
        case let .hinge(margin), let .leastAction(margin): return max(0, margin - delta)
        }
    }

    /// ℓ′(Δ).
    @inlinable
    func derivative(_ delta: Double) -> Double {
        switch self {
        case let .crossEntropy(beta): return -Special.logistic(-beta * delta)
        case let .hinge(margin): return delta < margin ? -1 : 0
        case let .leastAction(margin): return delta <= margin ? -1 : 0
        }
    }

    /// c = −ℓ′(Δ), the weight of a pattern in a descent step: the β-logistic of the cross-entropy, or
    /// 1/0 for the hinge (Δ < κ) and least-action (Δ ≤ κ) rules.
    @inlinable
    func coefficient(_ delta: Double) -> Double {
        switch self {
        case let .crossEntropy(beta): return Special.logistic(-beta * delta)
        case let .hinge(margin): return delta < margin ? 1 : 0
        case let .leastAction(margin): return delta <= margin ? 1 : 0
        }
    }
}

extension Model {
    /// Total loss Σ_μ ℓ(Δ^μ) over `set` and its gradient with respect to the flat weights.
    public func lossAndGradient(weights: [Double], on set: PatternSet,
                                loss: Loss) -> (loss: Double, gradient: [Double]) {
        precondition(weights.count == weightCount && set.dimension == inputs)
        return weights.withUnsafeBufferPointer { w in
            set.visit(LossGradient(model: self, weights: w, loss: loss, withGradient: true))
        }
    }

    /// Total loss Σ_μ ℓ(Δ^μ) over `set`, without the gradient (one pass of forward products).
    public func totalLoss(weights: [Double], on set: PatternSet, loss: Loss) -> Double {
        precondition(weights.count == weightCount && set.dimension == inputs)
        return weights.withUnsafeBufferPointer { w in
            set.visit(LossGradient(model: self, weights: w, loss: loss, withGradient: false))
        }.loss
    }
}

struct LossGradient: PatternVisitor {
    let model: Model
    let weights: UnsafeBufferPointer<Double>
    let loss: Loss
    /// When false only the loss is summed (the gradient stays empty).
    let withGradient: Bool

    func visit<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: [Double]) -> (loss: Double, gradient: [Double]) {
        let n = model.fanIn, hidden = model.hidden, inputs = model.inputs
        let scale = 1 / Double(n).squareRoot(), committeeScale = 1 / Double(hidden).squareRoot()
        var total = 0.0
        var gradient = [Double](repeating: 0, count: withGradient ? model.weightCount : 0)
        var lambda = [Double](repeating: 0, count: hidden)
        gradient.withUnsafeMutableBufferPointer { g in
            for mu in 0..<labels.count {
                let input = UnsafeBufferPointer(rebasing: x[mu * inputs ..< (mu + 1) * inputs])
                let sigma = labels[mu]
                for k in 0..<hidden { lambda[k] = model.preactivation(weights: weights, unit: k, input: input) * scale }
                if model.kind == .perceptron {
                    let delta = sigma * lambda[0]
                    total += loss.value(delta)
                    let c = loss.derivative(delta) * sigma * scale
                    if withGradient, c != 0 { for i in 0..<n { g[i] += c * input[i].asDouble } }
                } else {
                    var soft = 0.0
                    for k in 0..<hidden { soft += tanh(lambda[k]) }
                    let delta = sigma * soft * committeeScale
                    total += loss.value(delta)
                    let d = loss.derivative(delta) * sigma * committeeScale
                    if !withGradient || d == 0 { continue }
                    for k in 0..<hidden {
                        let t = tanh(lambda[k])
                        let c = d * (1 - t * t) * scale
                        let xOffset = model.inputOffset(unit: k), wOffset = k * n
                        for i in 0..<n { g[wOffset + i] += c * input[xOffset + i].asDouble }
                    }
                }
            }
        }
        return (total, gradient)
    }
}
