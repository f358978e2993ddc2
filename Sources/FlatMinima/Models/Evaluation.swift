/// Forward passes, stabilities and the energy (error count) of perceptrons and committee machines.
///
/// Un-normalised pre-activations s_k = Σ_i w_{k,i} x_{off_k+i}; the normalised field is λ_k = s_k/√n
/// and the stability of unit k on pattern μ is σ^μ λ_k. A unit votes for the label when σ s_k > κ√n;
/// the energy E(w) counts patterns with fewer than ⌊K/2⌋+1 votes (SCIENCE.md §1).
extension Model {
    /// s_k for unit k on one input.
    @inlinable
    public func preactivation<X: PatternScalar>(weights w: UnsafeBufferPointer<Double>, unit k: Int,
                                                input x: UnsafeBufferPointer<X>) -> Double {
        let n = fanIn, wOffset = k * n, xOffset = inputOffset(unit: k)
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            s0 += w[wOffset + i] * x[xOffset + i].asDouble
            s1 += w[wOffset + i + 1] * x[xOffset + i + 1].asDouble
            s2 += w[wOffset + i + 2] * x[xOffset + i + 2].asDouble
            s3 += w[wOffset + i + 3] * x[xOffset + i + 3].asDouble
            i += 4
        }
        while i < n { s0 += w[wOffset + i] * x[xOffset + i].asDouble; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// The network's output ±1 on one input, margin ignored: sign(Σ_k sign(s_k)), with sign(0) = −1
    /// (a tie counts against the +1 class; ties cannot occur with odd fan-in and ±1 inputs).
    @inlinable
    public func output<X: PatternScalar>(weights w: UnsafeBufferPointer<Double>,
                                         input x: UnsafeBufferPointer<X>) -> Double {
        var votes = 0
        for k in 0..<hidden where preactivation(weights: w, unit: k, input: x) > 0 { votes += 1 }
        return votes >= votesNeeded ? 1 : -1
    }

    /// Whether a pattern with label σ has enough units with σ s_k > `threshold`.
    @inlinable
    func isSatisfied<X: PatternScalar>(weights w: UnsafeBufferPointer<Double>, input x: UnsafeBufferPointer<X>,
                                       label: Double, threshold: Double) -> Bool {
        var votes = 0
        for k in 0..<hidden where label * preactivation(weights: w, unit: k, input: x) > threshold { votes += 1 }
        return votes >= votesNeeded
    }

    /// Number of patterns of `set` that `weights` does not satisfy with margin `margin` (the model's κ
    /// when nil). Pass `margin: 0` for plain classification errors.
    public func errors(weights: [Double], on set: PatternSet, margin: Double? = nil) -> Int {
        precondition(weights.count == weightCount && set.dimension == inputs)
        return weights.withUnsafeBufferPointer { w in
            let threshold = (margin ?? self.margin) * Double(fanIn).squareRoot()
            return set.visit(ErrorCounter(model: self, weights: w, threshold: threshold))
        }
    }

    /// The energy E(w): patterns not satisfied with the model's margin κ.
    public func energy(weights: [Double], on set: PatternSet) -> Int {
        errors(weights: weights, on: set, margin: margin)
    }

    /// Normalised stabilities σ^μ λ^μ_k = σ^μ s^μ_k/√n, pattern-major (`[μ·K + k]`).
    public func stabilities(weights: [Double], on set: PatternSet) -> [Double] {
        precondition(weights.count == weightCount && set.dimension == inputs)
        return weights.withUnsafeBufferPointer { w in set.visit(StabilityComputer(model: self, weights: w)) }
    }
}

struct ErrorCounter: PatternVisitor {
    let model: Model
    let weights: UnsafeBufferPointer<Double>
    let threshold: Double

    func visit<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: [Double]) -> Int {
        let n = model.inputs
        var wrong = 0
        if X.self == Int8.self, !labels.isEmpty, weights.allSatisfy({ $0 == 1 || $0 == -1 || $0 == 0 }) {
            // ±1 inputs and weights in {−1, 0, 1}: every pre-activation is an integer below 2^53, exact in any
            // order of additions, so the vectorised dot product (`Kernels.dot`) gives the same votes.
            let signs = UnsafeRawPointer(x.baseAddress!).assumingMemoryBound(to: Int8.self)
            let fan = model.fanIn, w = weights.baseAddress!
            for mu in 0..<labels.count {
                var votes = 0
                for k in 0..<model.hidden {
                    let s = Kernels.dot(signs + mu * n + model.inputOffset(unit: k), w + k * fan, count: fan)
                    if labels[mu] * s > threshold { votes += 1 }
                }
                if votes < model.votesNeeded { wrong += 1 }
            }
            return wrong
        }
        for mu in 0..<labels.count {
            let input = UnsafeBufferPointer(rebasing: x[mu * n ..< (mu + 1) * n])
            if !model.isSatisfied(weights: weights, input: input, label: labels[mu], threshold: threshold) {
                wrong += 1
            }
        }
        return wrong
    }
}

struct StabilityComputer: PatternVisitor {
    let model: Model
    let weights: UnsafeBufferPointer<Double>

    func visit<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: [Double]) -> [Double] {
        let n = model.inputs, k = model.hidden, scale = 1 / Double(model.fanIn).squareRoot()
        var result = [Double](repeating: 0, count: labels.count * k)
        for mu in 0..<labels.count {
            let input = UnsafeBufferPointer(rebasing: x[mu * n ..< (mu + 1) * n])
            for u in 0..<k {
                result[mu * k + u] = labels[mu] * model.preactivation(weights: weights, unit: u, input: input) * scale
            }
        }
        return result
    }
}
