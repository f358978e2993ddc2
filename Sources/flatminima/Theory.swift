import ArgumentParser
import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ReplicaSymmetric.Prior: ExpressibleByArgument {}

/// A grid of values: "start:stop:step" (inclusive, within rounding; a negative step runs downwards)
/// or "a,b,c".
struct Grid: ExpressibleByArgument {
    let values: [Double]
    let text: String

    init?(argument: String) {
        text = argument
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 {
            guard let a = Double(parts[0]), let b = Double(parts[1]), let step = Double(parts[2]),
                  a.isFinite, b.isFinite, step.isFinite, step != 0, (b - a) * step >= 0 else { return nil }
            let count = Int(((b - a) / step + 1e-9).rounded(.down)) + 1
            guard count <= 100_000 else { return nil }
            // Rounded to 12 decimals so that 0.8:0.2:-0.3 gives 0.2, not 0.20000000000000007.
            values = (0..<count).map { ((a + Double($0) * step) * 1e12).rounded() / 1e12 }
        } else {
            let list = argument.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !list.isEmpty, list.allSatisfy({ $0?.isFinite == true }) else { return nil }
            values = list.map { $0! }
        }
    }

    static var defaultValueDescription: String { "start:stop:step or a,b,c" }
}

/// `flatminima theory`: replica-symmetric curves of the perceptron (SCIENCE.md §7) as tables.
struct Theory: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replica-symmetric theory of the perceptron: storage entropy, capacity, teacher–student.",
        discussion: """
        Examples:
          flatminima theory storage --weights binary --alpha 0.1:0.8:0.1
          flatminima theory storage --weights spherical --margin 0.5 --alpha 0.5,1,1.5
          flatminima theory capacity --weights binary --margin 0:1:0.25
          flatminima theory teacher --prior binary --alpha 0.5:2:0.25
          flatminima theory transitions
        """,
        subcommands: [Storage.self, Capacity.self, Teacher.self, Transitions.self]
    )

    struct OutputOptions: ParsableArguments {
        @Option(help: "Output: json | tsv | table. Default: table on a terminal, json otherwise.")
        var format: RecordFormat?

        func print(_ records: [Record]) {
            let format = self.format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
            Output.write(format.render(records))
        }
    }

    static func record(_ fields: [Record.Field]) -> Record {
        Record(fields + [("version", .string(FlatMinima.version))])
    }

    struct Storage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entropy of solutions s(α) and order parameters of the storage problem.")
        @Option(help: "binary | spherical.") var weights: Model.Weights = .binary
        @Option(help: "Margin κ >= 0.") var margin: Double = 0
        @Option(help: "Loads α > 0: start:stop:step or a,b,c.") var alpha: Grid
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard margin.isFinite, margin >= 0 else { throw ValidationError("--margin: must be a finite number >= 0 (got \(margin))") }
            guard alpha.values.allSatisfy({ $0 > 0 }) else { throw ValidationError("--alpha: every load must be > 0 (got \(alpha.text))") }
        }

        func run() throws {
            var records: [Record] = []
            for a in alpha.values {
                switch weights {
                case .binary:
                    let rs = ReplicaSymmetric.binaryStorage(alpha: a, margin: margin)
                    records.append(Theory.record([("weights", .string("binary")), ("margin", .double(margin)), ("alpha", .double(a)),
                                                  ("q", .double(rs.q)), ("q_hat", .double(rs.qHat)), ("entropy", .double(rs.entropy)),
                                                  ("status", .string(rs.entropy.isNaN ? "far above capacity: no RS saddle point with q < 1"
                                                                    : rs.entropy < 0 ? "above capacity: negative RS entropy, no solutions" : "ok"))]))
                case .spherical:
                    let capacity = ReplicaSymmetric.sphericalCapacity(margin: margin)
                    guard a < capacity else {
                        records.append(Theory.record([("weights", .string("spherical")), ("margin", .double(margin)), ("alpha", .double(a)),
                                                      ("q", .null), ("q_hat", .null), ("entropy", .null),
                                                      ("status", .string("above capacity alpha_c = \(Record.Value.double(capacity).short): no solutions"))]))
                        continue
                    }
                    let rs = try ReplicaSymmetric.sphericalStorage(alpha: a, margin: margin)
                    records.append(Theory.record([("weights", .string("spherical")), ("margin", .double(margin)), ("alpha", .double(a)),
                                                  ("q", .double(rs.q)), ("q_hat", .null), ("entropy", .double(rs.entropy)),
                                                  ("status", .string("ok"))]))
                }
            }
            output.print(records)
        }
    }

    struct Capacity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capacity α_c(κ): Gardner's formula (spherical) or the zero-entropy point (binary).")
        @Option(help: "binary | spherical.") var weights: Model.Weights = .binary
        @Option(help: "Margins κ >= 0: start:stop:step or a,b,c.") var margin: Grid = Grid(argument: "0")!
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard margin.values.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--margin: every margin must be >= 0 (got \(margin.text))") }
        }

        func run() throws {
            let records = margin.values.map { k in
                // A binary capacity not found (no zero of s below α = 2 with a q < 1 saddle point) is NA.
                let alphaC = weights == .binary ? (try? ReplicaSymmetric.binaryCapacity(margin: k)) : ReplicaSymmetric.sphericalCapacity(margin: k)
                return Theory.record([("weights", .string(weights.rawValue)), ("margin", .double(k)),
                                      ("alpha_c", alphaC.map { .double($0) } ?? .null)])
            }
            output.print(records)
        }
    }

    struct Teacher: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bayes-optimal and Gibbs generalization errors and overlaps of the teacher–student perceptron.")
        @Option(help: "Teacher (and prior) weights: binary | gaussian.") var prior: ReplicaSymmetric.Prior = .binary
        @Option(help: "Loads α > 0: start:stop:step or a,b,c.") var alpha: Grid
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard alpha.values.allSatisfy({ $0 > 0 }) else { throw ValidationError("--alpha: every load must be > 0 (got \(alpha.text))") }
        }

        func run() throws {
            let records = try alpha.values.map { a in
                let t = try ReplicaSymmetric.bayesOptimalTeacher(alpha: a, prior: prior)
                return Theory.record([
                    ("prior", .string(prior.rawValue)), ("alpha", .double(a)), ("q", .double(t.q)),
                    ("bayes_error", .double(t.bayesError)), ("gibbs_error", .double(t.gibbsError)),
                    ("branch_q", t.branchQ.map { .double($0) } ?? .null),
                    ("branch_free_entropy", t.branchFreeEntropy.map { .double($0) } ?? .null),
                ])
            }
            output.print(records)
        }
    }

    struct Transitions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The binary teacher's first-order transition to perfect learning and its spinodal.")
        @OptionGroup var output: OutputOptions

        func run() throws {
            let t = try ReplicaSymmetric.binaryTeacherTransitions()
            output.print([Theory.record([("prior", .string("binary")), ("transition", .double(t.transition)),
                                         ("spinodal", .double(t.spinodal))])])
        }
    }
}
