/// The hot state of a binary BP engine (`PerceptronBP`, `CommitteeBP`), allocated once for the engine's
/// life and freed in `deinit`: the messages u_{μ→i} (row-major P × variables, Float fields), the pattern
/// fields c_i = Σ_μ u_{μ→i}, the external fields e_i, the total fields h_i of the iteration under way,
/// and per worker a row of sums of new messages and the scratch of one pattern: cavity magnetisations
/// m_{j→μ} and variances (ξ^μ_j)²(1 − m²_{j→μ}) of its edges and, per hidden unit, the sums M, V, the
/// fields Û (unit → vote) and U (output → vote), and the output node's vote distribution.
///
/// The engines hand these pointers to their loops and kernels directly, so an iteration allocates
/// nothing and every worker writes only its own rows.
final class MessageBuffers: @unchecked Sendable {
    /// Variables (weights) N.
    let variables: Int
    /// Patterns P.
    let patterns: Int
    /// Workers of a parallel iteration (each owns a row of `sums` and its scratch).
    let workers: Int
    /// Hidden units K (1 for the perceptron).
    let units: Int
    /// u_{μ→i}, row-major P × N.
    let messages: UnsafeMutablePointer<Float>
    /// c_i.
    let cavity: UnsafeMutablePointer<Double>
    /// e_i.
    let external: UnsafeMutablePointer<Double>
    /// h_i = c_i + e_i, set at the start of an iteration (`loadFields`).
    let fields: UnsafeMutablePointer<Double>
    /// Per worker, Σ of the new messages over its patterns (workers × N).
    let sums: UnsafeMutablePointer<Double>
    /// Per worker, the largest message change.
    let changes: UnsafeMutablePointer<Double>
    private let edgeScratch: UnsafeMutablePointer<Double>
    private let unitScratch: UnsafeMutablePointer<Double>

    /// One worker's scratch for one pattern.
    struct Scratch {
        /// m_{j→μ} and (ξ^μ_j)²(1 − m²_{j→μ}) for every edge j of the pattern.
        let m: UnsafeMutablePointer<Double>
        let v: UnsafeMutablePointer<Double>
        /// Per unit: M_{μk}, V_{μk}, Û_k, U_k, the probability of a positive vote, and the vote counts'
        /// distribution (`CommitteeBP.outputFields`).
        let bigM: UnsafeMutablePointer<Double>
        let bigV: UnsafeMutablePointer<Double>
        let up: UnsafeMutablePointer<Double>
        let down: UnsafeMutablePointer<Double>
        let plus: UnsafeMutablePointer<Double>
        let counts: UnsafeMutablePointer<Double>
    }

    /// Messages uniform in ±`initialScale`, drawn in row-major order, and the pattern fields they give.
    init(variables n: Int, patterns p: Int, units: Int, workers: Int, initialScale: Double, generator: Generator) {
        variables = n
        patterns = p
        self.units = units
        self.workers = workers
        messages = .allocate(capacity: n * p)
        for e in 0..<(n * p) { messages[e] = Float(initialScale * (2 * generator.uniform() - 1)) }
        cavity = .allocate(count: n, filledWith: 0)
        for row in 0..<p { for j in 0..<n { cavity[j] += Double(messages[row * n + j]) } }
        external = .allocate(count: n, filledWith: 0)
        fields = .allocate(count: n, filledWith: 0)
        sums = .allocate(count: workers * n, filledWith: 0)
        changes = .allocate(count: workers, filledWith: 0)
        edgeScratch = .allocate(count: 2 * workers * n, filledWith: 0)
        unitScratch = .allocate(count: workers * (6 * units + 1), filledWith: 0)
    }

    deinit {
        messages.deallocate()
        cavity.deallocate()
        external.deallocate()
        fields.deallocate()
        sums.deallocate()
        changes.deallocate()
        edgeScratch.deallocate()
        unitScratch.deallocate()
    }

    /// Worker w's scratch.
    func scratch(_ w: Int) -> Scratch {
        let n = variables, k = units, unit = unitScratch + w * (6 * k + 1)
        return Scratch(m: edgeScratch + 2 * w * n, v: edgeScratch + (2 * w + 1) * n, bigM: unit, bigV: unit + k,
                       up: unit + 2 * k, down: unit + 3 * k, plus: unit + 4 * k, counts: unit + 5 * k)
    }

    /// h_i = c_i + e_i into `fields`.
    func loadFields() {
        for i in 0..<variables { fields[i] = cavity[i] + external[i] }
    }

    /// Worker w's row of `sums`, zeroed.
    func clearedSums(_ w: Int) -> UnsafeMutablePointer<Double> {
        let row = sums + w * variables
        row.update(repeating: 0, count: variables)
        return row
    }

    /// c_i = Σ_w sums_w,i (the workers in order) after a parallel iteration.
    func gatherSums() {
        for i in 0..<variables {
            var total = 0.0
            for w in 0..<workers { total += sums[w * variables + i] }
            cavity[i] = total
        }
    }

    /// The largest change of the first `count` workers, NaN if any is.
    func largestChange(of count: Int) -> Double {
        var change = 0.0
        for w in 0..<count { change = Field.largest(change, changes[w]) }
        return change
    }
}

extension UnsafeMutablePointer {
    /// `count` elements, each `value`, to be freed with `deallocate()` by the buffer's owner.
    static func allocate(count: Int, filledWith value: Pointee) -> UnsafeMutablePointer {
        let pointer = allocate(capacity: count)
        pointer.initialize(repeating: value, count: count)
        return pointer
    }
}
