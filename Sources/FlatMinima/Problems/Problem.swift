import Foundation

/// A problem instance: training patterns with labels and, for teacher–student or real data, a way to
/// measure the test error. Built deterministically from a `ProblemSpec`.
///
/// Each kind of randomness has its own stream of the instance seed (`Seeds.InstanceStream`): patterns,
/// labels, teacher, fresh test patterns and the data split. Test patterns of a teacher task are never
/// stored: they are regenerated in chunks from their stream, so memory stays O(N) however many there are.
public struct Problem: Sendable {
    public let spec: ProblemSpec
    public let train: PatternSet
    /// The teacher's weights (teacher task only), in the model's flat layout.
    public let teacher: [Double]?
    /// The held-out split (data task only).
    public let test: PatternSet?

    @inlinable public var model: Model { spec.model }

    /// Generates the instance (storage or teacher) or loads it (data), after validating the spec.
    public init(_ spec: ProblemSpec) throws(FlatMinimaError) {
        var spec = spec
        if spec.task == .data {
            guard let path = spec.dataFile else {
                throw .invalidOption(option: "--data", message: "a data task needs a CSV file")
            }
            // Before the file is read: the split needs a fraction in [0, 1).
            try ProblemSpec.checkTestFraction(spec.testFraction)
            let table = try DataTable.load(path: path, header: spec.dataHeader ?? .auto)
            if spec.model.inputs != table.features {
                spec.model.inputs = table.features
            }
            let split = table.split(testFraction: spec.testFraction,
                                    generator: Generator(base: spec.instanceSeed,
                                                         stream: Seeds.InstanceStream.dataSplit.rawValue))
            spec.patterns = split.train.count
            try spec.validate()
            self.spec = spec
            self.train = split.train
            self.test = split.test.count > 0 ? split.test : nil
            self.teacher = nil
            return
        }
        try spec.validate()
        self.spec = spec
        let n = spec.model.inputs, p = spec.patterns
        let patternGenerator = Generator(base: spec.instanceSeed, stream: Seeds.InstanceStream.patterns.rawValue)
        let inputs = Problem.drawInputs(count: p * n, kind: spec.inputs, generator: patternGenerator)
        var labels = [Double](repeating: 0, count: p)
        var teacher: [Double]? = nil
        switch spec.task {
        case .storage:
            let labelGenerator = Generator(base: spec.instanceSeed, stream: Seeds.InstanceStream.labels.rawValue)
            labels = labelGenerator.signs(p)
        case .teacher:
            let t = Problem.drawTeacher(spec)
            teacher = t
            labels = Problem.outputs(of: spec.model, weights: t, on: inputs, count: p)
        case .data:
            preconditionFailure("handled above")
        }
        self.train = PatternSet(count: p, dimension: n, storage: inputs, labels: labels)
        self.teacher = teacher
        self.test = nil
    }

    /// `count` inputs from `generator`: ±1 stored as Int8, Gaussian as Double.
    static func drawInputs(count: Int, kind: ProblemSpec.Inputs, generator: Generator) -> PatternSet.Storage {
        switch kind {
        case .pm1:
            return .signs([Int8](unsafeUninitializedCapacity: count) { buffer, initialized in
                generator.fillSigns(buffer)
                initialized = count
            })
        case .gaussian:
            return .reals([Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = generator.gaussian() }
                initialized = count
            })
        }
    }

    /// The outputs ±1 (margin ignored) of the network `weights` on `count` stored inputs.
    static func outputs(of model: Model, weights: [Double], on inputs: PatternSet.Storage, count: Int) -> [Double] {
        let set = PatternSet(count: count, dimension: model.inputs, storage: inputs,
                             labels: [Double](repeating: 0, count: count))
        return weights.withUnsafeBufferPointer { w in set.visit(OutputComputer(model: model, weights: w)) }
    }

    static func drawTeacher(_ spec: ProblemSpec) -> [Double] {
        let generator = Generator(base: spec.instanceSeed, stream: Seeds.InstanceStream.teacher.rawValue)
        let count = spec.model.weightCount
        switch spec.teacherPrior {
        case .binary: return generator.signs(count)
        case .gaussian: return (0..<count).map { _ in generator.gaussian() }
        }
    }

    /// The fraction of test patterns `weights` misclassifies (margin ignored): fresh patterns from the
    /// instance's test stream for a teacher task, the held-out split for data, nil for storage.
    public func testError(_ weights: [Double]) -> Double? {
        switch spec.task {
        case .storage: return nil
        case .data:
            guard let test else { return nil }
            return Double(model.errors(weights: weights, on: test, margin: 0)) / Double(test.count)
        case .teacher:
            guard let teacher else { return nil }
            let n = model.inputs, total = spec.testPatterns, chunk = 256
            let generator = Generator(base: spec.instanceSeed, stream: Seeds.InstanceStream.testPatterns.rawValue)
            var wrong = 0, done = 0
            while done < total {
                let m = min(chunk, total - done)
                let x = Problem.drawInputs(count: m * n, kind: spec.inputs, generator: generator)
                let truth = Problem.outputs(of: model, weights: teacher, on: x, count: m)
                let predicted = Problem.outputs(of: model, weights: weights, on: x, count: m)
                for mu in 0..<m where truth[mu] != predicted[mu] { wrong += 1 }
                done += m
            }
            return Double(wrong) / Double(total)
        }
    }

    /// Normalised overlap R = w·t/(|w||t|) with the teacher, averaged over hidden units for a tree
    /// (whose units are aligned with the teacher's); nil without a teacher or for a fully connected
    /// committee, whose hidden units are defined only up to a permutation.
    public func teacherOverlap(_ weights: [Double]) -> Double? {
        guard let teacher, model.architecture == .tree || model.kind == .perceptron else { return nil }
        let n = model.fanIn
        var total = 0.0
        for k in 0..<model.hidden {
            var wt = 0.0, ww = 0.0, tt = 0.0
            for i in k * n ..< (k + 1) * n {
                wt += weights[i] * teacher[i]; ww += weights[i] * weights[i]; tt += teacher[i] * teacher[i]
            }
            total += ww > 0 && tt > 0 ? wt / (ww * tt).squareRoot() : 0
        }
        return total / Double(model.hidden)
    }
}

struct OutputComputer: PatternVisitor {
    let model: Model
    let weights: UnsafeBufferPointer<Double>

    func visit<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: [Double]) -> [Double] {
        let n = model.inputs
        return (0..<labels.count).map { mu in
            model.output(weights: weights, input: UnsafeBufferPointer(rebasing: x[mu * n ..< (mu + 1) * n]))
        }
    }
}
