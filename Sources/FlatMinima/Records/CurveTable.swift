import Foundation

/// The width measures' curves, read from a record or a results row, in two tidy shapes.
///
/// A measure stores its curve as lists (comma-separated in a TSV cell, arrays in JSON): an abscissa list
/// (the local energy's flip probabilities p, the local entropy's couplings λ, the cone's angles θ) and
/// value lists of the same length. Two views make them analysable without parsing lists:
///
/// - **a column at an abscissa**, `LIST@X`: the value of the list column `LIST` where its abscissa equals
///   `X` (`local_energy@0.01`, `local_entropy_curve@4` at λ = 4, `local_entropy_d@4`, `cone_volume@0.3`,
///   `hessian_top@1` for the largest eigenvalue), usable by `table --stat mean:local_energy@0.01`;
/// - **the long table**, one row per curve point (`flatminima curves`, `--curves FILE`): the run's keys,
///   then `measure`, `parameter` (the abscissa), `distance` (d of the local entropy), `value`, `se` (its
///   standard error), `ceiling`, `converged`.
public enum CurveTable {
    /// Each value list's abscissa list. `hessian_top` has none: its abscissa is the rank 1, 2, ….
    public static let abscissae: [String: String] = {
        var map: [String: String] = [:]
        let families = [
            ("local_energy_perturbation", ["local_energy", "local_energy_se", "local_energy_loss",
                                           "local_energy_loss_se"]),
            ("local_entropy_lambda", ["local_entropy_phi", "local_entropy_q", "local_entropy_d",
                                      "local_entropy_curve", "local_entropy_ceiling", "local_entropy_converged"]),
            ("cone_angle", ["cone_volume", "cone_ceiling", "cone_converged"]),
        ]
        for (abscissa, lists) in families { for list in lists { map[list] = abscissa } }
        return map
    }()

    /// The list columns ranked by position rather than by an abscissa list.
    public static let ranked: Set<String> = ["hessian_top"]

    /// The keys that identify a run in the long table, when the source has them.
    public static let keyColumns = ["run_id", "solver", "N", "alpha", "instance_seed", "seed"]

    /// The long table's own columns, after the keys.
    public static let pointColumns = ["measure", "parameter", "distance", "value", "se", "ceiling", "converged"]

    /// Splits a list cell ("0.1,0.2,NA") into numbers; NA, null and unreadable entries are nil.
    public static func numbers(_ cell: String?) -> [Double?] {
        guard let cell, !cell.isEmpty, cell != "NA" else { return [] }
        return cell.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
    }

    /// Whether two abscissae name the same point: equal to 1e−9 relative (a value read back from text).
    static func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// A column at an abscissa, `LIST@X`, split into the list column and X; nil when `name` is not one
    /// (no `@`, a column that is not a curve list, or an X that is not a number).
    public static func split(_ name: String) -> (list: String, at: Double)? {
        guard let at = name.lastIndex(of: "@") else { return nil }
        let list = String(name[..<at])
        guard abscissae[list] != nil || ranked.contains(list), let x = Double(name[name.index(after: at)...]),
              x.isFinite else { return nil }
        return (list, x)
    }

    /// The value of `list` at abscissa `x` in one row or record (`cell` gives a column's text), or nil
    /// when the row has no such point.
    public static func value(_ list: String, at x: Double, cell: (String) -> String?) -> Double? {
        let values = numbers(cell(list))
        if ranked.contains(list) {
            guard x == x.rounded(), x >= 1, x <= Double(values.count) else { return nil }
            return values[Int(x) - 1]
        }
        guard let abscissa = abscissae[list] else { return nil }
        let xs = numbers(cell(abscissa))
        guard let i = xs.indices.first(where: { xs[$0].map { same($0, x) } ?? false }), i < values.count else {
            return nil
        }
        return values[i]
    }

    /// The abscissae at which `list` has points in one row (for error messages).
    public static func points(of list: String, cell: (String) -> String?) -> [Double] {
        if ranked.contains(list) { return numbers(cell(list)).indices.map { Double($0 + 1) } }
        guard let abscissa = abscissae[list] else { return [] }
        return numbers(cell(abscissa)).compactMap { $0 }
    }

    /// Adds the column `name` = `LIST@X` to `table`, computed from each row's lists ("NA" where a row has
    /// no point at X). Returns false when `name` is not of that form or the table lacks the list column;
    /// throws, naming `option`, when no row has a point at X (listing the abscissae that exist).
    public static func addColumn(_ name: String, to table: inout Results.Table, option: String)
        throws(FlatMinimaError) -> Bool {
        guard table.column(name) == nil, let (list, x) = split(name), table.column(list) != nil else { return false }
        var found = false
        var available: [Double] = []
        for index in table.rows.indices {
            let row = table.rows[index]
            let cell = { (column: String) in table.value(row, column) }
            let v = value(list, at: x, cell: cell)
            if v != nil { found = true }
            if !found, available.count < 50 {
                for a in points(of: list, cell: cell) where !available.contains(where: { same($0, a) }) {
                    available.append(a)
                }
            }
            table.rows[index].append(v.map { Record.Value.double($0).text } ?? "NA")
        }
        guard found else {
            let what = ranked.contains(list) ? "rank" : abscissae[list] ?? "abscissa"
            let list = available.sorted().prefix(12).map { Record.Value.double($0).text }.joined(separator: ", ")
            throw .invalidOption(option: option, message: "no run has a point of \(name) (\(what) \(x)); "
                                 + (list.isEmpty ? "no run has that measure" : "accepted: \(list)"))
        }
        table.columns.append(name)
        return true
    }

    /// The long table of the curves in `rows`, each given as a column lookup: the key columns of
    /// `keyColumns` present in `columns` (all of them when `columns` is nil), then one row per point.
    public static func long(_ rows: [(String) -> String?], columns: [String]?) -> Results.Table {
        let keys = keyColumns.filter { key in columns.map { $0.contains(key) } ?? (key != "run_id") }
        var out: [[String]] = []
        func text(_ v: Double??) -> String { (v ?? nil).map { Record.Value.double($0).text } ?? "NA" }
        for cell in rows {
            let key = keys.map { cell($0) ?? "NA" }
            func list(_ name: String) -> [Double?] { numbers(cell(name)) }
            func add(_ measure: String, _ abscissa: [Double?], value: [Double?], error: [Double?] = [],
                     distance: [Double?] = [], ceiling: [Double?] = [], converged: [Double?] = []) {
                for i in abscissa.indices where i < value.count {
                    func at(_ l: [Double?]) -> Double?? { i < l.count ? l[i] : .some(nil) }
                    out.append(key + [measure, text(abscissa[i]), text(at(distance)), text(value[i]), text(at(error)),
                                      text(at(ceiling)), text(at(converged))])
                }
            }
            let p = list("local_energy_perturbation")
            add("local_energy", p, value: list("local_energy"), error: list("local_energy_se"))
            add("local_energy_loss", p, value: list("local_energy_loss"), error: list("local_energy_loss_se"))
            add("local_entropy", list("local_entropy_lambda"), value: list("local_entropy_curve"),
                distance: list("local_entropy_d"), ceiling: list("local_entropy_ceiling"),
                converged: list("local_entropy_converged"))
            add("cone_volume", list("cone_angle"), value: list("cone_volume"), ceiling: list("cone_ceiling"),
                converged: list("cone_converged"))
            let top = list("hessian_top")
            add("hessian_eigenvalue", top.indices.map { Double($0 + 1) }, value: top)
            if let trace = cell("hessian_trace").flatMap(Double.init) {
                add("hessian_trace", [nil], value: [trace], error: [cell("hessian_trace_se").flatMap(Double.init)])
            }
        }
        return Results.Table(columns: keys + pointColumns, rows: out)
    }

    /// The long table of records (`--curves FILE` of solve and measure).
    public static func long(_ records: [Record]) -> Results.Table {
        long(records.map { record in { (name: String) in record[name]?.text } }, columns: nil)
    }
}
