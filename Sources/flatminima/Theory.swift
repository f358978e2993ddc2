import ArgumentParser
import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ReplicaSymmetric.Prior: ExpressibleByArgument {}

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

    /// The largest margin accepted. The capacities fall as 1/κ² (α_c(10⁶) ≈ 10⁻¹²); far beyond, κ² and
    /// the loads that go with it leave double precision (Gardner's α_c underflows near κ ≈ 10¹⁵⁴).
    static let maximumMargin = 1e6

    static func record(_ fields: [Record.Field]) -> Record {
        Record(fields + Record.provenance)
    }

    struct Storage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entropy of solutions s(α) and order parameters of the storage problem.")
        @Option(help: "binary | spherical.") var weights: Model.Weights = .binary
        @Option(help: "Margin κ in [0, 1e6].") var margin: Double = 0
        @Option(help: "Loads α > 0: start:stop:step or a,b,c.", transform: Grid.init(parsing:)) var alpha: Grid
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard margin.isFinite, margin >= 0, margin <= Theory.maximumMargin else {
                throw ValidationError("--margin: must be a number in [0, 1e6] (got \(margin))")
            }
            guard alpha.values.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--alpha: every load must be > 0 (got \(alpha.text))")
            }
        }

        /// One row per load, each computed on its own: a point that has no solution or fails says so in
        /// `status` (with null numbers) and the others are still printed.
        func run() throws {
            var records: [Record] = []
            // The binary capacity, computed once and only if a row needs it to say where it lies.
            var binaryCapacity: Double?? = nil
            func capacityText() -> String {
                if binaryCapacity == nil {
                    binaryCapacity = .some(try? ReplicaSymmetric.binaryCapacity(margin: margin))
                }
                return (binaryCapacity ?? nil).map { Record.Value.double($0).short } ?? "unknown"
            }
            for a in alpha.values {
                let head: [Record.Field] = [("weights", .string(weights.rawValue)), ("margin", .double(margin)),
                                            ("alpha", .double(a))]
                switch weights {
                case .binary:
                    let rs = ReplicaSymmetric.binaryStorage(alpha: a, margin: margin)
                    let status: String
                    if rs.entropy.isNaN {
                        let alphaC = capacityText()
                        status = (binaryCapacity ?? nil).map({ a > $0 }) == true
                            ? "far above capacity (alpha_c = \(alphaC)): no RS saddle point with q < 1"
                            : "no RS saddle point with q < 1 found (alpha_c = \(alphaC))"
                    } else {
                        status = rs.entropy < 0 ? "above capacity: negative RS entropy, no solutions" : "ok"
                    }
                    records.append(Theory.record(head + [("q", .double(rs.q)), ("q_hat", .double(rs.qHat)),
                                                         ("entropy", .double(rs.entropy)),
                                                         ("status", .string(status))]))
                case .spherical:
                    let capacity = ReplicaSymmetric.sphericalCapacity(margin: margin)
                    let fields: [Record.Field]
                    if a >= capacity * (1 - 1e-9) {
                        fields = [("q", .null), ("q_hat", .null), ("entropy", .null),
                                  ("status", .string("at or above capacity (alpha_c = "
                                                     + "\(Record.Value.double(capacity).short)): no solutions"))]
                    } else {
                        do {
                            let rs = try ReplicaSymmetric.sphericalStorage(alpha: a, margin: margin)
                            fields = [("q", .double(rs.q)), ("q_hat", .null), ("entropy", .double(rs.entropy)),
                                      ("status", .string("ok"))]
                        } catch {
                            fields = [("q", .null), ("q_hat", .null), ("entropy", .null),
                                      ("status", .string("no saddle point found (\(error))"))]
                        }
                    }
                    records.append(Theory.record(head + fields))
                }
            }
            output.print(records)
        }
    }

    struct Capacity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capacity α_c(κ): Gardner's formula (spherical) or the zero-entropy point (binary).")
        @Option(help: "binary | spherical.") var weights: Model.Weights = .binary
        @Option(help: "Margins κ in [0, 1e6]: start:stop:step or a,b,c (default: 0).", transform: Grid.init(parsing:))
        var margin: Grid = try! Grid(parsing: "0")
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard margin.values.allSatisfy({ $0 >= 0 && $0 <= Theory.maximumMargin }) else {
                throw ValidationError("--margin: every margin must be in [0, 1e6] (got \(margin.text))")
            }
        }

        func run() throws {
            let records = margin.values.map { k in
                let alphaC: Double?, status: String
                switch weights {
                case .spherical:
                    alphaC = ReplicaSymmetric.sphericalCapacity(margin: k)
                    status = "ok"
                case .binary:
                    do {
                        alphaC = try ReplicaSymmetric.binaryCapacity(margin: k)
                        status = "ok"
                    } catch {
                        alphaC = nil
                        let annealed = 2 * min(1, ReplicaSymmetric.annealedBinaryCapacity(margin: k))
                        status = "no zero of the RS entropy found on the q < 1 saddle point below alpha = "
                            + Record.Value.double(annealed).short + " (\(error))"
                    }
                }
                return Theory.record([("weights", .string(weights.rawValue)), ("margin", .double(k)),
                                      ("alpha_c", alphaC.map { .double($0) } ?? .null), ("status", .string(status))])
            }
            output.print(records)
        }
    }

    struct Teacher: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bayes-optimal and Gibbs generalization errors and overlaps of the teacher–student perceptron.")
        @Option(help: "Teacher (and prior) weights: binary | gaussian.") var prior: ReplicaSymmetric.Prior = .binary
        @Option(help: "Loads α > 0: start:stop:step or a,b,c.", transform: Grid.init(parsing:)) var alpha: Grid
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard alpha.values.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--alpha: every load must be > 0 (got \(alpha.text))")
            }
        }

        /// One row per load, each computed on its own; a point that fails says why in `status`.
        func run() throws {
            let records = alpha.values.map { a in
                let head: [Record.Field] = [("prior", .string(prior.rawValue)), ("alpha", .double(a))]
                do {
                    let t = try ReplicaSymmetric.bayesOptimalTeacher(alpha: a, prior: prior)
                    return Theory.record(head + [
                        ("q", .double(t.q)), ("one_minus_q", .double(t.oneMinusQ)),
                        ("bayes_error", .double(t.bayesError)), ("gibbs_error", .double(t.gibbsError)),
                        ("branch_q", t.branchQ.map { .double($0) } ?? .null),
                        ("branch_free_entropy", t.branchFreeEntropy.map { .double($0) } ?? .null),
                        ("status", .string("ok")),
                    ])
                } catch {
                    let reason = (error as? GSLError) == .underflow
                        ? "1 - q below 1e-300, beyond double precision" : "numerical failure (\(error))"
                    return Theory.record(head + [
                        ("q", .null), ("one_minus_q", .null), ("bayes_error", .null), ("gibbs_error", .null),
                        ("branch_q", .null), ("branch_free_entropy", .null), ("status", .string(reason)),
                    ])
                }
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
