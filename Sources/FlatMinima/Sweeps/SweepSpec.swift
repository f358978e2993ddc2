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

    /// The problem keys a spec may set: a problem request's keys (solve's flags, see `RequestKeys`).
    public static let problemKeys = ProblemRequest.keys
    public static let rootKeys = ["name", "replicates", "instance_seed", "seed"]

    /// The most values one axis may have (a list or an "a:b:step" range).
    public static let maximumAxisValues = Grid.maximumCount
    /// The most replicates (instances per cell) a spec may ask for.
    public static let maximumReplicates = 1_000_000
    /// The most runs a spec may define: problem cells × solver option cells × replicates. Checked before
    /// anything is enumerated, so that a mistyped range fails at once instead of exhausting memory.
    public static let maximumRuns = 10_000_000

    let document: SpecDocument
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
    /// The number of runs the spec defines (at most `maximumRuns`).
    public let runCount: Int

    public init(path: String) throws(FlatMinimaError) {
        let document = try SpecDocument.load(path: path)
        self.document = document
        let bytes = FileManager.default.contents(atPath: path) ?? Data()
        hash = Self.hex(Self.fnv(bytes))

        for entry in document.root.entries where !Self.rootKeys.contains(entry.key) {
            let keys = Self.rootKeys.joined(separator: ", ")
            throw document.error(entry.line, entry.key, "unknown key (accepted at the top level: \(keys), "
                                 + "and the tables [problem], [[solver]], [measure])")
        }
        for (tableName, table) in document.tables where !["problem", "measure"].contains(tableName) {
            throw document.error(table.line, tableName, "unknown table (accepted: [problem], [[solver]], [measure])")
        }
        for (arrayName, tables) in document.arrays where arrayName != "solver" {
            throw document.error(tables.first?.line ?? 0, arrayName, "unknown array of tables (accepted: [[solver]])")
        }
        func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(FlatMinimaError) -> Int {
            guard let entry = document.root.entry(key) else { return value }
            let accepted = "[\(range.lowerBound), \(range.upperBound)]"
            guard case let .integer(i) = entry.value else {
                throw document.error(entry.line, key, "must be an integer in \(accepted) (got \(entry.value.kind))")
            }
            guard range.contains(i) else {
                throw document.error(entry.line, key, "must be an integer in \(accepted) (got \(i))")
            }
            return i
        }
        replicates = try integer("replicates", default: 1, in: 1...Self.maximumReplicates)
        // Replicate r uses instance seed instance_seed + r, which must stay an Int.
        instanceSeed = try integer("instance_seed", default: 1, in: 0...(Int.max - (replicates - 1)))
        seed = try integer("seed", default: 1, in: 0...Int.max)
        if let entry = document.root.entry("name") {
            guard case let .string(s) = entry.value else {
                throw document.error(entry.line, "name", "must be a string (got \(entry.value.kind))")
            }
            name = s
        } else {
            name = (path as NSString).lastPathComponent
        }

        var problem: [Axis] = []
        for entry in document.table("problem")?.entries ?? [] {
            guard Self.problemKeys.contains(entry.key) else {
                throw document.error(entry.line, entry.key,
                                     "unknown problem key (accepted: \(Self.problemKeys.joined(separator: ", ")))")
            }
            problem.append(try Self.axis(entry, in: document))
        }
        self.problem = problem

        let blocks = document.array("solver")
        guard !blocks.isEmpty else {
            throw document.error(0, "solver", "a sweep needs at least one [[solver]] table with a name")
        }
        var solvers: [SolverBlock] = []
        for block in blocks {
            guard let nameEntry = block.entry("name") else {
                throw document.error(block.line, "solver", "every [[solver]] needs a name")
            }
            guard case let .string(solverName) = nameEntry.value else {
                throw document.error(nameEntry.line, "name", "must be a string (got \(nameEntry.value.kind))")
            }
            var options: [Axis] = []
            for entry in block.entries where entry.key != "name" { options.append(try Self.axis(entry, in: document)) }
            solvers.append(SolverBlock(name: solverName, line: nameEntry.line, options: options))
        }
        self.solvers = solvers
        runCount = try Self.count(problem: problem, solvers: solvers, replicates: replicates, in: document)
        try Self.checkDistinct(solvers, in: document)

        var measure: [Assignment] = []
        for entry in document.table("measure")?.entries ?? [] {
            let text: String
            switch entry.value {
            case let .array(items): text = items.map(\.description).joined(separator: ",")
            default: text = entry.value.description
            }
            try Self.checkCell(text, entry: entry, document: document)
            measure.append(Assignment(key: entry.key, value: text, line: entry.line))
        }
        self.measure = measure
    }

    /// Problem cells × solver option cells × replicates, refused above `maximumRuns` (computed with
    /// overflow checks, before any cell is built).
    static func count(problem: [Axis], solvers: [SolverBlock], replicates: Int,
                      in document: SpecDocument) throws(FlatMinimaError) -> Int {
        func tooMany(_ what: String) -> FlatMinimaError {
            document.error(0, nil, "the sweep has \(what); at most \(maximumRuns) runs)")
        }
        func product(_ factors: [Int]) -> Int? {
            var result = 1
            for f in factors {
                let (p, overflow) = result.multipliedReportingOverflow(by: f)
                guard !overflow, p <= maximumRuns else { return nil }
                result = p
            }
            return result
        }
        // For the message: the exact total when it fits in a Double's integers, else its magnitude.
        let problemCells = problem.map { Double($0.values.count) }.reduce(1, *)
        let solverCells = solvers.map { $0.options.map { Double($0.values.count) }.reduce(1, *) }.reduce(0, +)
        func number(_ x: Double) -> String { x < 9e15 ? String(format: "%.0f", x) : String(format: "%.3g", x) }
        let text = number(problemCells * solverCells * Double(replicates)) + " runs ("
            + "\(number(problemCells)) problem cells × \(number(solverCells)) solver option cells × "
            + "\(replicates) replicates"
        guard let cells = product(problem.map(\.values.count)) else { throw tooMany(text) }
        var options = 0
        for block in solvers {
            guard let n = product(block.options.map(\.values.count)) else { throw tooMany(text) }
            options += n
            guard options <= maximumRuns else { throw tooMany(text) }
        }
        guard let total = product([cells, options, replicates]) else { throw tooMany(text) }
        return total
    }

    /// Refuses [[solver]] blocks of the same solver whose option cells overlap: their runs would share
    /// run ids, and one of each pair would be taken for the other on --resume and merge. Cells are
    /// compared as the solver resolves them (`resolved`), so that `max_iters = 10` and `max_iters = 10.0`,
    /// or a default written out and the same default omitted, are the same runs — which, with different
    /// run ids, neither --resume nor merge could tell apart.
    static func checkDistinct(_ solvers: [SolverBlock], in document: SpecDocument) throws(FlatMinimaError) {
        var seen: [String: (line: Int, options: [Assignment])] = [:]
        func written(_ cell: [Assignment]) -> String {
            cell.isEmpty ? "its default options" : cell.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        for block in solvers where solvers.filter({ $0.name == block.name }).count > 1 {
            // An unknown solver is reported by the plan; its options are compared as written.
            let parameters = (try? SolverRegistry.entry(named: block.name))?.parameters ?? []
            for cell in product(block.options) {
                let key = block.name + "|" + resolved(cell, parameters: parameters)
                if let first = seen[key], first.line != block.line {
                    let here = written(cell), there = written(first.options)
                    let detail = here == there ? "\(block.name) with \(here)"
                        : "\(block.name) with \(here) here and \(there) there, the same options once defaults are "
                        + "filled in and numbers compared by value"
                    throw document.error(block.line, "name", "this [[solver]] block repeats the runs of the one at "
                                         + "line \(first.line) (\(detail))")
                }
                seen[key] = (block.line, cell)
            }
        }
    }

    /// The options of a solver cell as the solver sees them: every declared parameter, the omitted ones at
    /// their defaults, numbers by value (10, 10.0 and 1e1 alike); sorted by name. Names the solver does not
    /// declare keep their text (the plan refuses them).
    static func resolved(_ cell: [Assignment], parameters: [ParameterSpec]) -> String {
        func normalised(_ text: String, _ parameter: ParameterSpec?) -> String {
            guard let parameter, parameter.isNumeric, let number = Double(text) else { return text }
            return number == 0 ? "0" : "\(number)"
        }
        var values: [String: String] = [:]
        for parameter in parameters { values[parameter.name] = normalised(parameter.defaultValue, parameter) }
        for assignment in cell {
            values[assignment.key] = normalised(assignment.value, parameters.first { $0.name == assignment.key })
        }
        return values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    /// Refuses a value that cannot be one cell of a TSV row (a tab or a line break).
    static func checkCell(_ value: String, entry: SpecDocument.Entry, document: SpecDocument) throws(FlatMinimaError) {
        if value.contains(where: { $0 == "\t" || $0.isNewline }) {
            throw document.error(entry.line, entry.key,
                                 "values may not contain tabs or line breaks (they are cells of the results TSV)")
        }
    }

    /// The values of an entry: a list, a range string "a:b:step", or one value. The values of an axis
    /// must be distinct (as text and as numbers): equal values would give runs the same run id.
    static func axis(_ entry: SpecDocument.Entry, in document: SpecDocument) throws(FlatMinimaError) -> Axis {
        var values: [String] = []
        switch entry.value {
        case let .array(items):
            guard !items.isEmpty else { throw document.error(entry.line, entry.key, "empty list") }
            guard items.count <= maximumAxisValues else {
                throw document.error(entry.line, entry.key,
                                     "the list has \(items.count) values (at most \(maximumAxisValues))")
            }
            var seen = Set<String>(), numbers = Set<Double>()
            for item in items {
                if case .array = item { throw document.error(entry.line, entry.key, "nested lists are not supported") }
                let text = item.description
                let number = Double(text)
                if seen.contains(text) || number.map({ numbers.contains($0) }) == true {
                    throw document.error(entry.line, entry.key,
                                         "the value \(SpecDocument.excerpt(text)) appears twice in the list")
                }
                seen.insert(text)
                if let number { numbers.insert(number) }
                values.append(text)
            }
        case let .string(text) where isRange(text):
            values = try range(text, entry: entry, document: document)
        default:
            values = [entry.value.description]
        }
        for value in values { try checkCell(value, entry: entry, document: document) }
        return Axis(key: entry.key, values: values, line: entry.line)
    }

    /// Whether `text` is "a:b:step" with three numbers.
    static func isRange(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { Double($0) != nil }
    }

    /// "a:b:step": a, a + step, ... up to b inclusive (within 1e-9 of a step); printed with 10
    /// significant digits so that 0.1 steps stay 0.1, 0.2, 0.3 (and a value within 1e-9 of a step of
    /// zero is 0). The number of values is computed in floating point and checked against
    /// `maximumAxisValues` before any value is made.
    static func range(_ text: String, entry: SpecDocument.Entry,
                      document: SpecDocument) throws(FlatMinimaError) -> [String] {
        func fail(_ message: String) -> FlatMinimaError { document.error(entry.line, entry.key, message) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).compactMap { Double($0) }
        guard parts.count == 3 else { throw fail("range '\(text)' must be a:b:step with three numbers") }
        let (start, stop, step) = (parts[0], parts[1], parts[2])
        guard step != 0, step.isFinite, start.isFinite, stop.isFinite else {
            throw fail("range '\(text)' needs finite ends and a finite, non-zero step")
        }
        let count: Int
        do { count = try Grid.extent(start: start, stop: stop, step: step) } catch {
            guard case let .tooMany(n) = error else {
                throw fail("empty range '\(text)' (the step goes away from the end)")
            }
            let shown = n.isFinite ? String(format: "%.0f", n) : "infinitely many"
            throw fail("range '\(text)' has \(shown) values (at most \(maximumAxisValues))")
        }
        var values: [String] = []
        for k in 0..<count {
            var v = start + Double(k) * step
            if abs(v) < 1e-9 * abs(step) { v = 0 }
            let printed = String(format: "%.10g", v)
            if printed == values.last {
                throw fail("range '\(text)' repeats the value \(printed) at 10 significant digits (use a larger step)")
            }
            values.append(printed)
        }
        return values
    }

    /// Every run, in enumeration order.
    public func runs() -> [Run] { runs(shard: 0, of: 1) }

    /// The runs of shard `index` of `count` (0-based; every run whose enumeration index is ≡ index mod
    /// count), in enumeration order. Only the shard's runs are built.
    public func runs(shard index: Int, of count: Int) -> [Run] {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count)")
        var runs: [Run] = []
        runs.reserveCapacity(runCount / count + 1)
        var position = 0
        for cell in Self.product(problem) {
            let problemKey = cell.map { "\($0.key)=\($0.value)" }.joined(separator: ";") + "|"
            for block in solvers {
                for options in Self.product(block.options) {
                    let solverKey = block.name + "|" + options.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
                    for r in 0..<replicates {
                        defer { position += 1 }
                        guard position % count == index else { continue }
                        let instance = instanceSeed + r
                        let key = problemKey + solverKey + "|\(instance)|\(seed)"
                        runs.append(Run(index: position, problem: cell, solver: block.name, solverLine: block.line,
                                        solverOptions: options, replicate: r, instanceSeed: instance, seed: seed,
                                        id: Self.hex(Self.fnv(Data(key.utf8)))))
                    }
                }
            }
        }
        return runs
    }

    /// The problem cells (the cartesian product of the [problem] axes), in enumeration order.
    public var problemCells: [[Assignment]] { Self.product(problem) }

    /// A [[solver]] block with one value of each of its options.
    public typealias SolverCell = (block: SolverBlock, options: [Assignment])

    /// Every solver option cell with its [[solver]] block, in enumeration order.
    public var solverCells: [SolverCell] {
        solvers.flatMap { block in Self.product(block.options).map { (block, $0) } }
    }

    /// The cartesian product of axes, the first key varying slowest.
    static func product(_ axes: [Axis]) -> [[Assignment]] {
        var cells: [[Assignment]] = [[]]
        for axis in axes {
            cells = cells.flatMap { cell in
                axis.values.map { cell + [Assignment(key: axis.key, value: $0, line: axis.line)] }
            }
        }
        return cells
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
