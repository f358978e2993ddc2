import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

@Suite struct ProblemTests {
    let perceptron = Model(kind: .perceptron, weights: .binary, inputs: 101)

    @Test func sameInstanceSeedSameInstance() throws {
        let spec = ProblemSpec(model: perceptron, task: .teacher, inputs: .gaussian, patterns: 50, instanceSeed: 9)
        let a = try Problem(spec), b = try Problem(spec)
        #expect(a.train == b.train)
        #expect(a.teacher == b.teacher)
        var other = spec
        other.instanceSeed = 10
        #expect(try Problem(other).train != a.train)
    }

    /// More patterns extend the instance: the first P patterns do not depend on the total.
    @Test func patternsArePrefixStable() throws {
        let small = try Problem(ProblemSpec(model: perceptron, patterns: 20, instanceSeed: 4))
        let large = try Problem(ProblemSpec(model: perceptron, patterns: 40, instanceSeed: 4))
        #expect((0..<20).allSatisfy { small.train.pattern($0) == large.train.pattern($0) })
        #expect(small.train.bytes == 20 * 101)  // ±1 inputs take one byte each
    }

    @Test func teacherLabelsComeFromTeacher() throws {
        for kind in [Model(kind: .perceptron, weights: .binary, inputs: 101),
                     Model(kind: .committee, weights: .spherical, architecture: .full, hidden: 3, inputs: 40)] {
            let problem = try Problem(ProblemSpec(model: kind, task: .teacher, inputs: .pm1, patterns: 200,
                                                  instanceSeed: 2))
            let teacher = try #require(problem.teacher)
            #expect(problem.model.errors(weights: teacher, on: problem.train, margin: 0) == 0)
            #expect(problem.testError(teacher) == 0)
            #expect(problem.teacherOverlap(teacher).map { abs($0 - 1) < 1e-12 } ?? (kind.architecture == .full))
        }
    }

    /// Storage labels and ±1 inputs are fair coins: counts within 5 standard errors of half.
    @Test func storageStatistics() throws {
        let problem = try Problem(ProblemSpec(model: perceptron, patterns: 2000, instanceSeed: 3))
        let plus = problem.train.labels.filter { $0 > 0 }.count
        #expect(abs(Double(plus) - 1000) < 5 * (2000 * 0.25).squareRoot())
        let all = (0..<problem.train.count).flatMap { problem.train.pattern($0) }
        #expect(all.allSatisfy { $0 == 1 || $0 == -1 })
        let ones = all.filter { $0 > 0 }.count, total = all.count
        #expect(abs(Double(ones) - Double(total) / 2) < 5 * (Double(total) * 0.25).squareRoot())
        #expect(problem.testError([Double](repeating: 1, count: 101)) == nil)
    }

    /// For Gaussian inputs the perceptron's generalization error is arccos(R)/π (SCIENCE.md §5); the
    /// measured test error on 10 000 fresh patterns must agree within 5 binomial standard errors.
    @Test func testErrorMatchesArccosLaw() throws {
        let model = Model(kind: .perceptron, weights: .spherical, inputs: 200)
        let problem = try Problem(ProblemSpec(model: model, task: .teacher, inputs: .gaussian, patterns: 10,
                                              instanceSeed: 5))
        let teacher = try #require(problem.teacher)
        let g = Generator(seed: 8)
        for noise in [0.3, 1.0, 3.0] {
            let student = teacher.map { $0 + noise * g.gaussian() }
            let r = try #require(problem.teacherOverlap(student))
            let expected = acos(r) / Double.pi
            let measured = try #require(problem.testError(student))
            let se = (expected * (1 - expected) / 10_000).squareRoot()
            #expect(abs(measured - expected) < 5 * se, "noise \(noise): \(measured) vs \(expected)")
        }
    }

    @Test func badSpecsAreRejected() {
        func message(_ spec: ProblemSpec) -> String? {
            do { _ = try Problem(spec); return nil } catch { return error.description }
        }
        #expect(message(ProblemSpec(model: perceptron, patterns: 0))?.hasPrefix("--alpha/--patterns") == true)
        let even = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 100), patterns: 10)
        #expect(message(even)?.hasPrefix("-N") == true)
        let noTests = ProblemSpec(model: perceptron, task: .teacher, patterns: 10, testPatterns: 0)
        #expect(message(noTests)?.hasPrefix("--test-patterns") == true)
        let huge = ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 100_001), patterns: 100_000)
        #expect(message(huge)?.contains("GiB") == true)
        #expect(message(ProblemSpec(model: perceptron, task: .data, patterns: 0))?.hasPrefix("--data") == true)
    }
}

@Suite struct DataTableTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func loadsSplitsAndStandardises() throws {
        var text = "a,b,c,label\n"
        for i in 0..<50 { text += "\(i),\(2 * i + 1),7,\(i % 2 == 0 ? 1 : -1)\n" }
        let path = try write(text)
        let table = try DataTable.load(path: path)
        #expect(table.features == 3 && table.rows.count == 50)
        let split = table.split(testFraction: 0.2, generator: Generator(seed: 1))
        #expect(split.train.count == 40 && split.test.count == 10)
        for j in 0..<2 {
            let column = (0..<40).map { split.train.value($0, j) }
            let mean = column.reduce(0, +) / 40
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 40
            #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12)
        }
        #expect((0..<40).allSatisfy { split.train.value($0, 2) == 0 })  // constant column
        let again = table.split(testFraction: 0.2, generator: Generator(seed: 1))
        #expect(again.train == split.train && again.test == split.test)
    }

    @Test(arguments: [
        ("1,2,1\n3,nan,-1\n", "line 2, column 2"),
        ("1,2,1\n3,4\n", "line 2: 2 columns"),
        ("1,2,1\n3,x,-1\n", "is not a number"),
        ("1,2,1\n3,4,0\n", "is not +1 or -1"),
        ("1,2,1\n", "at least 2 data rows"),
        ("1,inf,1\n3,4,-1\n", "not a finite number"),
    ])
    func malformedFilesAreRejected(text: String, expected: String) throws {
        let path = try write(text)
        #expect(throws: FlatMinimaError.self) { try DataTable.load(path: path) }
        do { _ = try DataTable.load(path: path) } catch { #expect(error.description.contains(expected), "\(error)") }
    }

    @Test func missingFile() {
        do {
            _ = try DataTable.load(path: "/nonexistent/file.csv")
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("no such file"))
            #expect(!error.isUsageError)
        }
    }
}
