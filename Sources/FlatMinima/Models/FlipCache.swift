/// Incremental energy of binary weights under single-weight flips, from cached stabilities.
///
/// Caches the un-normalised stabilities t^μ_k = σ^μ Σ_i w_{k,i} x^μ_{off_k+i} and each pattern's
/// vote count c^μ = #{k : t^μ_k > κ√n}. Flipping weight j = (k, i) changes t^μ_k by −2 w_j ξ^μ_a with
/// ξ^μ_a = σ^μ x^μ_a (a = off_k + i), so the energy change of a flip costs O(P) instead of O(P·N):
/// ΔE = Σ_μ [c^μ ≥ m] − [c^μ − v^μ + v′^μ ≥ m] with v, v′ the old and new votes of unit k and m the
/// votes needed. The inputs are kept column-major (ξ^μ_a contiguous in μ) for that loop.
/// In the spirit of RRRMC.jl's models: energy, energy change of a move, and its cache update;
/// `recomputedEnergy` is the slow oracle the tests compare against.
@_spi(Benchmarks) public struct FlipCache {
    public let model: Model
    /// Current binary weights (±1).
    public private(set) var weights: [Double]
    /// Current energy E(w).
    public private(set) var energy: Int
    var columns: [Double]      // ξ^μ_a at a·P + μ
    var stabilities: [Double]  // t^μ_k at k·P + μ
    var votes: [Int32]         // c^μ
    let patternCount: Int
    let threshold: Double

    public init(model: Model, patterns: PatternSet, weights: [Double]) {
        precondition(weights.count == model.weightCount && patterns.dimension == model.inputs)
        self.model = model
        self.weights = weights
        let p = patterns.count
        patternCount = p
        threshold = model.threshold
        self.columns = patterns.visit(ColumnTransposer())
        stabilities = [Double](repeating: 0, count: p * model.hidden)
        votes = [Int32](repeating: 0, count: p)
        energy = 0
        refresh()
    }

    /// Recomputes every cached stability and the energy from scratch (clears rounding drift).
    mutating func refresh() {
        let p = patternCount, n = model.fanIn
        stabilities.withUnsafeMutableBufferPointer { t in
            for i in t.indices { t[i] = 0 }
            columns.withUnsafeBufferPointer { xi in
                for k in 0..<model.hidden {
                    let offset = model.inputOffset(unit: k)
                    for i in 0..<n {
                        let w = weights[k * n + i], column = (offset + i) * p
                        for mu in 0..<p { t[k * p + mu] += w * xi[column + mu] }
                    }
                }
            }
        }
        var e = 0
        let needed = Int32(model.votesNeeded)
        for mu in 0..<p {
            var c: Int32 = 0
            for k in 0..<model.hidden where stabilities[k * p + mu] > threshold { c += 1 }
            votes[mu] = c
            if c < needed { e += 1 }
        }
        energy = e
    }

    /// The energy change ΔE of flipping weight `j` (O(P)).
    public func deltaEnergy(flipping j: Int) -> Int {
        let p = patternCount, n = model.fanIn, k = j / n
        let a = model.inputOffset(unit: k) + (j - k * n)
        let step = -2 * weights[j], theta = threshold
        let needed = Int32(model.votesNeeded)
        var delta = 0
        columns.withUnsafeBufferPointer { xi in
            stabilities.withUnsafeBufferPointer { t in
                let column = a * p, row = k * p
                if model.hidden == 1 {
                    for mu in 0..<p {
                        let old = t[row + mu]
                        let new = old + step * xi[column + mu]
                        delta += (old > theta ? 1 : 0) - (new > theta ? 1 : 0)
                    }
                } else {
                    votes.withUnsafeBufferPointer { c in
                        for mu in 0..<p {
                            let old = t[row + mu]
                            let new = old + step * xi[column + mu]
                            let change = Int32(new > theta ? 1 : 0) - Int32(old > theta ? 1 : 0)
                            if change != 0 {
                                let before = c[mu] >= needed, after = c[mu] + change >= needed
                                delta += (after ? 0 : 1) - (before ? 0 : 1)
                            }
                        }
                    }
                }
            }
        }
        return delta
    }

    /// Flips weight `j` and updates the cache and the energy (O(P)).
    public mutating func flip(_ j: Int) {
        let p = patternCount, n = model.fanIn, k = j / n
        let a = model.inputOffset(unit: k) + (j - k * n)
        let step = -2 * weights[j], theta = threshold
        let needed = Int32(model.votesNeeded)
        var e = energy
        columns.withUnsafeBufferPointer { xi in
            stabilities.withUnsafeMutableBufferPointer { t in
                votes.withUnsafeMutableBufferPointer { c in
                    let column = a * p, row = k * p
                    for mu in 0..<p {
                        let old = t[row + mu]
                        let new = old + step * xi[column + mu]
                        t[row + mu] = new
                        let change = Int32(new > theta ? 1 : 0) - Int32(old > theta ? 1 : 0)
                        if change != 0 {
                            let before = c[mu] >= needed
                            c[mu] += change
                            let after = c[mu] >= needed
                            e += (after ? 0 : 1) - (before ? 0 : 1)
                        }
                    }
                }
            }
        }
        energy = e
        weights[j] = -weights[j]
    }

    /// E(w) recomputed from the patterns, ignoring the cache: the test oracle.
    func recomputedEnergy(patterns: PatternSet) -> Int {
        model.energy(weights: weights, on: patterns)
    }
}

/// ξ^μ_a = σ^μ x^μ_a, column-major (a·P + μ).
struct ColumnTransposer: PatternVisitor {
    func visit<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: [Double]) -> [Double] {
        let p = labels.count, n = p > 0 ? x.count / p : 0
        var columns = [Double](repeating: 0, count: p * n)
        for mu in 0..<p {
            let sigma = labels[mu]
            for a in 0..<n { columns[a * p + mu] = sigma * x[mu * n + a].asDouble }
        }
        return columns
    }
}
