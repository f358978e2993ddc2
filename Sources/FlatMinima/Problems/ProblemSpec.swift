import Foundation

/// Everything that defines a problem instance: the model, the task, the inputs and the instance seed.
///
/// Two runs with equal specs see exactly the same patterns, labels, teacher and test set, whatever
/// solver or solver seed they use: the instance seed fixes patterns and teacher, separately from the
/// solver seed (SCIENCE.md §1).
public struct ProblemSpec: Sendable, Hashable, Codable {
    /// Storage of random labels, learning a teacher's rule, or a real data set from a CSV file.
    public enum Task: String, Sendable, Hashable, Codable, CaseIterable { case storage, teacher, data }
    /// ±1 inputs or standard Gaussian inputs.
    public enum Inputs: String, Sendable, Hashable, Codable, CaseIterable { case pm1, gaussian }
    /// A teacher's weights: ±1 or standard Gaussian.
    public enum TeacherPrior: String, Sendable, Hashable, Codable, CaseIterable { case binary, gaussian }

    public var model: Model
    public var task: Task
    public var inputs: Inputs
    /// P, the number of training patterns (for `data`, fixed by the file and the split).
    public var patterns: Int
    /// The load as requested (`--alpha`), which records report as `alpha` beside the realised P/N
    /// (`alpha_actual`); nil when P was given (`--patterns`) or fixed by a data file.
    public var requestedAlpha: Double?
    public var teacherPrior: TeacherPrior
    public var instanceSeed: UInt64
    /// Fresh patterns on which a teacher task measures the test error.
    public var testPatterns: Int
    /// The CSV file of a `data` task.
    public var dataFile: String?
    /// The fraction of a data file's rows held out as the test split.
    public var testFraction: Double
    /// Whether a data file's first row is a header (data task only; nil for the other tasks, and absent
    /// from configurations saved before the key existed, which read it as `auto`).
    public var dataHeader: DataHeader?

    public init(model: Model, task: Task = .storage, inputs: Inputs = .pm1, patterns: Int,
                teacherPrior: TeacherPrior? = nil, instanceSeed: UInt64 = 1, testPatterns: Int = 10_000,
                dataFile: String? = nil, testFraction: Double = 0.2, dataHeader: DataHeader? = nil,
                requestedAlpha: Double? = nil) {
        self.model = model
        self.task = task
        self.inputs = inputs
        self.patterns = patterns
        self.requestedAlpha = requestedAlpha
        self.teacherPrior = teacherPrior ?? (model.weights == .binary ? .binary : .gaussian)
        self.instanceSeed = instanceSeed
        self.testPatterns = testPatterns
        self.dataFile = dataFile
        self.testFraction = testFraction
        self.dataHeader = task == .data ? dataHeader ?? .auto : dataHeader
    }

    /// The most training patterns accepted.
    static let largestPatterns = 1_000_000_000

    /// P = round(α · number of weights): α = P/N for perceptrons and trees, P/(K·N) fully connected.
    /// (Loads that would give more than `largestPatterns` give `largestPatterns + 1`, which `validate`
    /// rejects; NaN gives 0.)
    public static func patterns(alpha: Double, model: Model) -> Int {
        let p = (alpha * Double(model.weightCount)).rounded()
        guard p.isFinite || p.isInfinite else { return 0 }
        return p > Double(largestPatterns) ? largestPatterns + 1 : max(0, Int(p))
    }

    /// α = P / number of weights, the realised load.
    public var alpha: Double { Double(patterns) / Double(model.weightCount) }

    /// The load records report as `alpha`: the requested one, or the realised P/N when none was requested.
    public var reportedAlpha: Double { requestedAlpha ?? alpha }

    /// Bytes the problem and a solver's working copy of it take: the stored patterns (1 byte per ±1
    /// input, 8 per real one), a column-major working copy in Doubles (as simulated annealing keeps),
    /// per-pattern and per-weight state, and a chunk of test patterns.
    var memoryEstimate: Double {
        let p = Double(patterns), n = Double(model.inputs), k = Double(model.hidden)
        let stored = (inputs == .pm1 && task != .data ? 1.0 : 8.0) * p * n
        return stored + 8 * (p * n + 4 * p * k + 8 * Double(model.weightCount)) + 8 * n * 256
    }

    /// Checks every option against its accepted range (the data file itself is checked on loading).
    public func validate(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws(FlatMinimaError) {
        try model.validate(pm1Inputs: task != .data && inputs == .pm1)
        switch task {
        case .storage, .teacher:
            guard patterns >= 1, patterns <= Self.largestPatterns else {
                throw .invalidOption(option: RequestKeys.option(["alpha", "patterns"]),
                                     message: "must give P in [1, 10^9] patterns "
                                         + "(got P = \(patterns), alpha = \(alpha))")
            }
            if task == .teacher { try Self.checkTestPatterns(testPatterns) }
        case .data:
            guard let file = dataFile, !file.isEmpty else {
                throw .invalidOption(option: RequestKeys.option(["data"]), message: "a data task needs a CSV file")
            }
            try Self.checkTestFraction(testFraction)
        }
        let limit = 0.8 * Double(physicalMemory)
        if memoryEstimate > limit {
            let gib = memoryEstimate / 1_073_741_824, have = Double(physicalMemory) / 1_073_741_824
            throw .invalidOption(
                option: RequestKeys.option(["N", "alpha"]),
                message: String(format: "the problem needs about %.1f GiB but this machine has %.1f GiB "
                                + "(accepted: at most 80%% of RAM)", gib, have))
        }
    }

    /// The number of fresh test patterns of a teacher task: 1 ... 10^7.
    static func checkTestPatterns(_ count: Int) throws(FlatMinimaError) {
        guard count >= 1, count <= 10_000_000 else {
            throw .invalidOption(option: RequestKeys.option(["test_patterns"]),
                                 message: "must be in [1, 10^7] (got \(count))")
        }
    }

    /// The fraction of a data file held out for testing: in [0, 1).
    static func checkTestFraction(_ fraction: Double) throws(FlatMinimaError) {
        guard fraction >= 0, fraction < 1 else {
            throw .invalidOption(option: RequestKeys.option(["test_fraction"]),
                                 message: "must be in [0, 1) (got \(fraction))")
        }
    }
}
