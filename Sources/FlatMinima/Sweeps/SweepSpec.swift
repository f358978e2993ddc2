import Foundation

/// A parameter sweep: fixed options, grid axes, solvers with their own options, replicates, measures.
///
/// ```toml
/// name = "phase-diagram"
/// replicates = 20          # instances per cell: instance seeds instance_seed, instance_seed + 1, ...
/// instance_seed = 1
/// seed = 1                 # the solver seed of every run
///
/// [problem]                # keys of `flatminima solve`'s problem flags; a list or "a:b:step" is an axis
/// N = [1001, 4001]
/// alpha = "0.4:0.8:0.05"
///
/// [[solver]]
/// name = "rsgd"
/// replicas = [3, 5]        # solver options may be axes too
///
/// [[solver]]
/// name = "sa"
///
/// [measure]                # keys of solve's measure flags (optional)
/// measure = "local-energy"
/// perturbations = "0.01,0.05"
/// ```
///
/// Runs are enumerated in a fixed order — problem cells (the cartesian product of the axes, in the
/// order the keys appear), then solver blocks and their option cells, then replicates — and each run's
/// seeds depend only on its replicate: instance seed `instance_seed + r` (the same instances for every
/// solver and cell, as `solve --instances` does) and solver seed `seed`. A row can therefore be
/// reproduced by one `flatminima solve` command, and results never depend on scheduling or sharding.
public struct SweepSpec: Sendable {
    /// One key set to one value (values are kept as the text a flag would receive).
    public struct Assignment: Sendable, Hashable {
        public let key: String
        public let value: String
        public let line: Int
    }

    /// A key with its values (one value: fixed; several: an axis).
    public struct Axis: Sendable {
        public let key: String
        public let values: [String]
        public let line: Int
    }

    public struct SolverBlock: Sendable {
        public let name: String
        public let line: Int
        public let options: [Axis]
    }

    public struct Run: Sendable {
        /// Position in the enumeration (0-based).
        public let index: Int
        public let problem: [Assignment]
        public let solver: String
        public let solverLine: Int
        public let solverOptions: [Assignment]
        public let replicate: Int
        public let instanceSeed: Int
        public let seed: Int
        /// A content hash of everything that defines the run (16 hex digits).
        public let id: String
    }

    /// The problem keys a spec may set (solve's flags without dashes; `K` is -K, `N` is -N).
    public static let problemKeys = ["model", "weights", "arch", "K", "N", "alpha", "patterns", "task", "inputs",
                                     "teacher", "test_patterns", "data", "test_fraction", "margin"]
    public static let rootKeys = ["name", "replicates", "instance_seed", "seed"]

    public let document: SpecDocument
    public let name: String
    public let replicates: Int
    public let instanceSeed: Int
    public let seed: Int
    public let problem: [Axis]
    public let solvers: [SolverBlock]
    /// The [measure] table (fixed values, no axes).
    public let measure: [Assignment]
    /// FNV-1a of the spec file's bytes (16 hex digits): outputs of different specs are never merged.
    public let hash: String

    public init(path: String) throws(FlatMinimaError) {
        let document = try SpecDocument.load(path: path)
        self.document = document
        let bytes = FileManager.default.contents(atPath: path) ?? Data()
        hash = Self.hex(Self.fnv(bytes))

        for entry in document.root.entries where !Self.rootKeys.contains(entry.key) {
            throw document.error(entry.line, entry.key, "unknown key (accepted at the top level: \(Self.rootKeys.joined(separator: ", ")), and the tables [problem], [[solver]], [measure])")
        }
        for (tableName, table) in document.tables where !["problem", "measure"].contains(tableName) {
            throw document.error(table.line, tableName, "unknown table (accepted: [problem], [[solver]], [measure])")
        }
        for (arrayName, tables) in document.arrays where arrayName != "solver" {
            throw document.error(tables.first?.line ?? 0, arrayName, "unknown array of tables (accepted: [[solver]])")
        }
        func integer(_ key: String, default value: Int, minimum: Int) throws(FlatMinimaError) -> Int {
            guard let entry = document.root.entry(key) else { return value }
            guard case let .integer(i) = entry.value else {
                throw document.error(entry.line, key, "must be an integer (got \(entry.value.kind))")
            }
            guard i >= minimum else { throw document.error(entry.line, key, "must be >= \(minimum) (got \(i))") }
            return i
        }
        replicates = try integer("replicates", default: 1, minimum: 1)
        instanceSeed = try integer("instance_seed", default: 1, minimum: 0)
        seed = try integer("seed", default: 1, minimum: 0)
        if let entry = document.root.entry("name") {
            guard case let .string(s) = entry.value else { throw document.error(entry.line, "name", "must be a string (got \(entry.value.kind))") }
            name = s
        } else {
            name = (path as NSString).lastPathComponent
        }

        var problem: [Axis] = []
        for entry in document.table("problem")?.entries ?? [] {
            guard Self.problemKeys.contains(entry.key) else {
                throw document.error(entry.line, entry.key, "unknown problem key (accepted: \(Self.problemKeys.joined(separator: ", ")))")
            }
            problem.append(try Self.axis(entry, in: document))
        }
        self.problem = problem

        let blocks = document.array("solver")
        guard !blocks.isEmpty else { throw document.error(0, "solver", "a sweep needs at least one [[solver]] table with a name") }
        var solvers: [SolverBlock] = []
        for block in blocks {
            guard let nameEntry = block.entry("name") else { throw document.error(block.line, "solver", "every [[solver]] needs a name") }
            guard case let .string(solverName) = nameEntry.value else {
                throw document.error(nameEntry.line, "name", "must be a string (got \(nameEntry.value.kind))")
            }
            var options: [Axis] = []
            for entry in block.entries where entry.key != "name" { options.append(try Self.axis(entry, in: document)) }
            solvers.append(SolverBlock(name: solverName, line: nameEntry.line, options: options))
        }
        self.solvers = solvers

        var measure: [Assignment] = []
        for entry in document.table("measure")?.entries ?? [] {
            let text: String
            switch entry.value {
            case let .array(items): text = items.map(\.description).joined(separator: ",")
            default: text = entry.value.description
            }
            measure.append(Assignment(key: entry.key, value: text, line: entry.line))
        }
        self.measure = measure
    }

    /// The values of an entry: a list, a range string "a:b:step", or one value.
    static func axis(_ entry: SpecDocument.Entry, in document: SpecDocument) throws(FlatMinimaError) -> Axis {
        var values: [String] = []
        switch entry.value {
        case let .array(items):
            guard !items.isEmpty else { throw document.error(entry.line, entry.key, "empty list") }
            for item in items {
                if case .array = item { throw document.error(entry.line, entry.key, "nested lists are not supported") }
                values.append(item.description)
            }
        case let .string(text) where text.split(separator: ":", omittingEmptySubsequences: false).count == 3
            && text.split(separator: ":").allSatisfy({ Double($0) != nil }):
            values = try range(text, entry: entry, document: document)
        default:
            values = [entry.value.description]
        }
        return Axis(key: entry.key, values: values, line: entry.line)
    }

    /// "a:b:step": a, a + step, ... up to b inclusive (within 1e-9 of a step); printed with 10
    /// significant digits so that 0.1 steps stay 0.1, 0.2, 0.3.
    static func range(_ text: String, entry: SpecDocument.Entry, document: SpecDocument) throws(FlatMinimaError) -> [String] {
        let parts = text.split(separator: ":").compactMap { Double($0) }
        let (start, stop, step) = (parts[0], parts[1], parts[2])
        guard step != 0, step.isFinite, start.isFinite, stop.isFinite else {
            throw document.error(entry.line, entry.key, "range '\(text)' needs a finite, non-zero step")
        }
        guard (stop - start) / step >= -1e-9 else {
            throw document.error(entry.line, entry.key, "empty range '\(text)' (the step goes away from the end)")
        }
        let count = Int(((stop - start) / step + 1e-9).rounded(.down)) + 1
        guard count <= 100_000 else { throw document.error(entry.line, entry.key, "range '\(text)' has \(count) values (at most 100000)") }
        return (0..<count).map { k in
            let v = start + Double(k) * step
            let text = String(format: "%.10g", v)
            return text
        }
    }

    /// Every run, in enumeration order.
    public func runs() -> [Run] {
        var runs: [Run] = []
        for cell in Self.product(problem) {
            for block in solvers {
                for options in Self.product(block.options) {
                    for r in 0..<replicates {
                        let instance = instanceSeed + r
                        let key = cell.map { "\($0.key)=\($0.value)" }.joined(separator: ";") + "|" + block.name + "|"
                            + options.map { "\($0.key)=\($0.value)" }.joined(separator: ";") + "|\(instance)|\(seed)"
                        runs.append(Run(index: runs.count, problem: cell, solver: block.name, solverLine: block.line,
                                        solverOptions: options, replicate: r, instanceSeed: instance, seed: seed,
                                        id: Self.hex(Self.fnv(Data(key.utf8)))))
                    }
                }
            }
        }
        return runs
    }

    /// The cartesian product of axes, the first key varying slowest.
    static func product(_ axes: [Axis]) -> [[Assignment]] {
        var cells: [[Assignment]] = [[]]
        for axis in axes {
            cells = cells.flatMap { cell in axis.values.map { cell + [Assignment(key: axis.key, value: $0, line: axis.line)] } }
        }
        return cells
    }

    /// The keys that vary (axes with more than one value), problem then solver options.
    public var axisKeys: [String] {
        problem.filter { $0.values.count > 1 }.map(\.key)
            + solvers.flatMap { $0.options.filter { $0.values.count > 1 }.map { "opt_" + $0.key } }
    }

    /// Runs for shard `index` of `count` (0-based): every run whose enumeration index is ≡ index mod count.
    public static func shard(_ runs: [Run], index: Int, count: Int) -> [Run] {
        runs.filter { $0.index % count == index }
    }

    static func fnv(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
