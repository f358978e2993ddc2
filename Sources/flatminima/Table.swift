import ArgumentParser
import FlatMinima
import Foundation

/// `flatminima merge`: combine shard outputs of one sweep.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge results files of one sweep (e.g. Slurm shards): refuses different specs, drops duplicate "
            + "runs.",
        discussion: """
        Rows are ordered by run index, columns by first appearance. A run found twice is kept once when both \
        rows agree (timings, version and commit apart) and refused when they differ; a corrupt input (a row \
        whose width is not the header's) is refused with its line. Every input needs its sidecar (FILE.json) \
        of the same sweep; with --spec, the inputs may come from specs that SPEC extends (a grid with more \
        values), an input without a sidecar is accepted when its rows are runs of SPEC, every row must be a \
        run of SPEC, and the runs of SPEC missing from the inputs are listed on stderr. OUT.json is the \
        merged sidecar (the spec's identity, the number of merged runs). OUT is written to a temporary file \
        and renamed, so it is whole or absent.

        Examples:
          flatminima merge part0.tsv part1.tsv part2.tsv part3.tsv --out results.tsv
          flatminima merge part*.tsv --out results.tsv --spec sweeps/phase.toml
        """
    )

    @Argument(help: "Results files to merge.")
    var inputs: [String]

    @Option(help: "Merged results file (must not exist, unless --force).")
    var out: String

    @Option(help: "The sweep's spec: check every row against it, list its missing runs, write its sidecar.")
    var spec: String?

    @Flag(help: "Overwrite --out if it exists (only if it is a FlatMinima results file).")
    var force = false

    /// The most missing runs listed by index on stderr (the count is always given).
    static let listedMissing = 50

    func run() throws {
        guard !inputs.isEmpty else { throw FlatMinimaError.invalidOption(option: "inputs",
                                                                         message: "give at least one results file") }
        try OutputFile.check(out, option: "--out")
        if FileManager.default.fileExists(atPath: out) {
            guard force else { throw FlatMinimaError.invalidOption(option: "--out",
                    message: "\(out) exists (use --force to replace it)") }
            _ = try Results.read(path: out)
        }
        let sweep = try spec.map { path throws(FlatMinimaError) in try SweepSpec(path: path) }
        let specRuns = sweep?.runIDs ?? []
        var tables: [(path: String, table: Results.Table)] = []
        var sidecars: [(path: String, sidecar: Sidecar)] = []
        for path in inputs {
            let table = try Results.read(path: path)
            if table.droppedTornRow {
                Output.error("flatminima: \(path): its last line was torn (no newline; an interrupted writer) "
                             + "and is left out\n")
            }
            let sidecar = try Sidecar.read(path: SweepRunner.sidecar(of: path))
            if let sweep {
                _ = try Sidecar.check(table, path: path, sidecar: sidecar, against: sweep, specRuns: specRuns)
            } else {
                guard let sidecar else {
                    throw FlatMinimaError.invalidData(path: path, message: "has no sidecar (\(path).json); give "
                        + "--spec SPEC to check its rows against the spec and rebuild the sidecar")
                }
                for (index, row) in table.rows.enumerated() where !sidecar.accepts(table.value(row, "sweep") ?? "") {
                    throw FlatMinimaError.invalidData(path: "\(path):\(table.line(ofRow: index))",
                        message: "the row's sweep \(table.value(row, "sweep") ?? "") is not the sweep "
                        + "\(sidecar.sweep) of its sidecar \(path).json")
                }
            }
            if let sidecar { sidecars.append((path, sidecar)) }
            tables.append((path, table))
        }
        let identities = Set(sidecars.map(\.sidecar.sweep))
        if sweep == nil, identities.count > 1 {
            let list = sidecars.map { "\($0.path) has sweep \($0.sidecar.sweep)" }.joined(separator: "; ")
            throw FlatMinimaError.invalidData(path: inputs.joined(separator: ","),
                    message: "outputs of different specs cannot be merged (\(list)); give --spec SPEC when SPEC "
                    + "extends each of them")
        }
        let identity = sweep?.identity ?? sidecars[0].sidecar.sweep
        let (merged, duplicates) = try Results.merge(tables, sweep: identity)
        let previous = Set(sidecars.flatMap { [$0.sidecar.sweep] + $0.sidecar.previous }).subtracting([identity])
        var sidecar: Sidecar
        if let sweep {
            sidecar = Sidecar(spec: sweep, shard: "merged", runs: merged.rows.count, previous: previous.sorted())
        } else {
            sidecar = sidecars[0].sidecar
            sidecar.shard = "merged"
            sidecar.runs = merged.rows.count
            sidecar.previous = previous.sorted()
        }
        try sidecar.write(to: SweepRunner.sidecar(of: out))
        try Results.write(merged, to: out)
        Output.error("merge: \(merged.rows.count) runs from \(inputs.count) files (\(duplicates) duplicates dropped) "
                     + "→ \(out)\n")
        if let sweep, let spec {
            let present = Set(merged.rows.compactMap { merged.value($0, "run_id") })
            let missing = sweep.runs().filter { !present.contains($0.id) }.map(\.index)
            if !missing.isEmpty {
                let shown = missing.prefix(Self.listedMissing).map(String.init).joined(separator: ", ")
                    + (missing.count > Self.listedMissing ? ", ..." : "")
                Output.error("merge: \(missing.count) of \(sweep.runCount) runs of \(spec) are missing from the "
                             + "inputs (run \(shown)); run them with 'flatminima sweep \(spec) --out FILE "
                             + "--resume' on a shard file\n")
            }
        }
    }
}

/// `flatminima table`: the phase-diagram table of a results file.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Summarise a results file as a table: rows × columns of one statistic.",
        discussion: """
        Reads every results format the tool writes: a sweep's or merge's results file, the TSV or JSON Lines \
        of solve, measure and theory, a long table of curves (--curves, 'flatminima curves').

        Statistics: success (fraction solved with a Wilson 95% interval), count, or mean|median|stderr|min|max:COLUMN \
        (a numeric column). A measure's curve is a column at an abscissa, LIST@X: local_energy@0.01 (at flip \
        probability p = 0.01), local_entropy_curve@4 or local_entropy_d@4 (at coupling λ = 4), cone_volume@0.3, \
        hessian_top@1 (the largest eigenvalue); it can also key rows, columns and --where. Failed runs (their \
        error column set) have no results: a cell with any says so, e.g. "3/3 1 [0.4385, 1] (1 error)", the tsv \
        and json formats have an errors field, and stderr gets one line with the total.

        Examples:
          flatminima table results.tsv --rows alpha --cols solver --stat success
          flatminima table results.tsv --rows N,alpha --cols solver --stat median:iterations --where task=storage
          flatminima table results.tsv --rows alpha --cols solver --stat mean:local_energy@0.01
          flatminima table curves.tsv --rows parameter --cols solver --stat mean:value --where measure=local_energy
          flatminima table results.tsv --rows alpha --cols solver --format markdown
        """
    )

    /// The output formats, named as in solve's `--format` (`text` is read as `table`).
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, markdown, tsv, json

        init?(argument: String) {
            self.init(rawValue: argument == "text" ? "table" : argument)
        }
    }

    @Argument(help: "Results file: a sweep's or merge's TSV, solve/measure/theory output (TSV or JSON Lines), curves.")
    var results: String

    @Option(help: "Columns whose values make the rows, comma-separated.")
    var rows: String

    @Option(help: "Columns whose values make the columns, comma-separated (default: none).")
    var cols: String?

    @Option(help: "success | count | mean:COL | median:COL | stderr:COL | min:COL | max:COL.")
    var stat: String = "success"

    @Option(name: .customLong("where"), help: "Keep rows with COLUMN=VALUE (repeatable; numbers compare numerically).")
    var filters: [String] = []

    @Option(help: ArgumentHelp("table (aligned) | markdown | tsv | json (tsv and json: one row or object per "
                               + "cell with keys, value, low, high, successes, runs, errors)."))
    var format: Format = .table

    func run() throws {
        guard let statistic = Summary.Statistic.parse(stat) else {
            throw FlatMinimaError.invalidOption(option: "--stat",
                    message: "must be success, count or mean|median|stderr|min|max:COLUMN (got '\(stat)')")
        }
        var table = try Self.runs(results)
        let rowKeys = rows.split(separator: ",").map(String.init)
        let colKeys = cols?.split(separator: ",").map(String.init) ?? []
        guard !rowKeys.isEmpty else {
            throw FlatMinimaError.invalidOption(option: "--rows", message: "give at least one column (got '\(rows)')")
        }
        let filterKeys = filters.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
        let named = rowKeys + colKeys + [statistic.column].compactMap({ $0 }) + filterKeys
        for key in named where table.column(key) == nil {
            let option = rowKeys.contains(key) ? "--rows" : colKeys.contains(key) ? "--cols"
                : statistic.column == key ? "--stat" : "--where"
            if try CurveTable.addColumn(key, to: &table, option: option) { continue }
            if option == "--where" { continue }
            throw FlatMinimaError.invalidOption(option: option, message: "no column '\(key)' in \(results) "
                                                + "(columns: \(table.columns.joined(separator: ", ")); a curve "
                                                + "at an abscissa: LIST@X, e.g. local_energy@0.01)")
        }
        if let column = statistic.column, !Summary.isNumeric(column, in: table) {
            if CurveTable.abscissae[column] != nil || CurveTable.ranked.contains(column) {
                let points = table.rows.lazy.map { row in CurveTable.points(of: column) { table.value(row, $0) } }
                    .first { !$0.isEmpty } ?? []
                throw FlatMinimaError.invalidOption(option: "--stat", message: "column '\(column)' is a curve (a "
                    + "value per point); give a point as \(column)@X, X among "
                    + points.map { Record.Value.double($0).text }.joined(separator: ", "))
            }
            let example = table.rows.lazy.compactMap { table.value($0, column) }
                .first { $0 != "NA" && !$0.isEmpty } ?? ""
            throw FlatMinimaError.invalidOption(option: "--stat",
                    message: "column '\(column)' of \(results) is not numeric (e.g. '\(example)'); accepted: a "
                    + "column of numbers")
        }
        guard !table.rows.isEmpty else {
            throw FlatMinimaError.invalidData(path: results, message: "has no runs yet (only its header)")
        }
        var selected = table.rows
        for filter in filters {
            let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, table.column(parts[0]) != nil else {
                throw FlatMinimaError.invalidOption(option: "--where",
                        message: "must be COLUMN=VALUE with a column of the file (got '\(filter)')")
            }
            selected = selected.filter { row in
                let v = table.value(row, parts[0]) ?? ""
                if let a = Double(v), let b = Double(parts[1]) { return a == b }
                return v == parts[1]
            }
        }
        guard !selected.isEmpty else {
            throw FlatMinimaError.invalidOption(option: "--where",
                    message: "no run of \(results) matches \(filters.joined(separator: " and ")) "
                    + "(of \(table.rows.count) runs)")
        }
        let failed = selected.filter { Results.failed($0, in: table) }.count
        if failed > 0 {
            Output.error("table: \(failed) of \(selected.count) runs failed and have no results (see the error "
                         + "column of \(results)); each cell says how many\n")
        }
        func key(_ row: [String], _ keys: [String]) -> [String] { keys.map { table.value(row, $0) ?? "NA" } }
        let rowValues = Summary.sortKeys(Array(Set(selected.map { key($0, rowKeys) })))
        let colValues = colKeys.isEmpty ? [[]] : Summary.sortKeys(Array(Set(selected.map { key($0, colKeys) })))
        var groups: [[String]: [[String]]] = [:]
        for row in selected { groups[key(row, rowKeys) + key(row, colKeys), default: []].append(row) }
        func cell(_ r: [String], _ c: [String]) -> Summary.Cell? {
            groups[r + c].map { Summary.cell($0, table: table, statistic: statistic) }
        }
        func number(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "NA" }

        if format == .tsv || format == .json {
            var records: [Record] = []
            for r in rowValues {
                for c in colValues {
                    guard let x = cell(r, c) else { continue }
                    var record = Record(zip(rowKeys + colKeys, r + c).map { name, text in
                        (name, format == .json ? Self.value(text) : .string(text))
                    })
                    record.append("value", x.value.map { .double($0) } ?? .null)
                    record.append("low", x.low.map { .double($0) } ?? .null)
                    record.append("high", x.high.map { .double($0) } ?? .null)
                    record.append("successes", x.successes.map { .int($0) } ?? .null)
                    record.append("runs", .int(x.runs))
                    record.append("errors", .int(x.errors))
                    records.append(record)
                }
            }
            let names = rowKeys + colKeys + ["value", "low", "high", "successes", "runs", "errors"]
            Output.write((format == .json ? RecordFormat.json : .tsv).render(records, columns: names))
            return
        }
        func text(_ x: Summary.Cell?) -> String {
            guard let x else { return "" }
            let errors = x.errors == 0 ? "" : x.errors == 1 ? "1 error" : "\(x.errors) errors"
            if statistic == .success, let s = x.successes {
                return "\(s)/\(x.runs) \(number(x.value)) [\(number(x.low)), \(number(x.high))]"
                    + (errors.isEmpty ? "" : " (\(errors))")
            }
            if statistic == .count { return number(x.value) + (errors.isEmpty ? "" : " (\(errors))") }
            return number(x.value) + " (n=\(x.runs)" + (errors.isEmpty ? "" : ", \(errors)") + ")"
        }
        let header = [rowKeys.joined(separator: ",")] + colValues.map { $0.isEmpty ? stat : $0.joined(separator: ",") }
        let body = rowValues.map { r in [r.joined(separator: ",")] + colValues.map { text(cell(r, $0)) } }
        if format == .markdown {
            var lines = ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---|" }.joined()]
            lines += body.map { "| " + $0.joined(separator: " | ") + " |" }
            Output.write(lines.joined(separator: "\n") + "\n")
        } else {
            Output.write(RecordFormat.align([header] + body))
        }
    }

    /// A key cell as a record value: a number when it reads as one, else text.
    static func value(_ text: String) -> Record.Value {
        if text == "NA" { return .null }
        if let i = Int(text) { return .int(i) }
        if let d = Double(text), d.isFinite { return .double(d) }
        return .string(text)
    }

    /// The rows of any results file (`Results.load`); a sweep's runs each once (`oneSweep`).
    static func runs(_ path: String) throws(FlatMinimaError) -> Results.Table {
        let (table, kind) = try Results.load(path: path)
        if table.droppedTornRow {
            Output.error("table: the last line of \(path) was torn (no newline; an interrupted writer) and is "
                         + "left out\n")
        }
        return kind == .sweep ? try oneSweep(table, path: path) : table
    }

    /// The runs of a sweep's results file, each once: refuses rows of different sweeps and two rows of one
    /// run with different results; drops exact duplicates, with one line on stderr.
    static func oneSweep(_ table: Results.Table, path: String) throws(FlatMinimaError) -> Results.Table {
        var first: [String: Int] = [:]
        for (index, row) in table.rows.enumerated() {
            let sweep = table.value(row, "sweep") ?? ""
            if first[sweep] == nil { first[sweep] = table.line(ofRow: index) }
        }
        if first.count > 1 {
            let list = first.sorted { $0.value < $1.value }.prefix(3).map { "\($0.key) at line \($0.value)" }
            throw FlatMinimaError.invalidData(path: path, message: "holds rows of \(first.count) different sweeps ("
                + list.joined(separator: ", ") + "); a table summarises one sweep")
        }
        let (unique, duplicates) = try Results.merge([(path, table)])
        if duplicates > 0 {
            Output.error("table: \(path) holds \(duplicates) duplicate rows (a run_id twice, same results); "
                         + "each run is counted once\n")
        }
        return unique
    }
}
