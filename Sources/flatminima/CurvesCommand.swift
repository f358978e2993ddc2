import ArgumentParser
import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `flatminima curves`: the measures' curves of a results file as a long table, one row per point.
struct CurvesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "The measures' curves of a results file as a long table: one row per run and curve point.",
        discussion: """
        Reads what 'table' reads (a sweep's or merge's results file, solve or measure output as TSV or JSON \
        Lines). Columns: the run's keys that the file has (run_id, solver, N, alpha, instance_seed, seed), then \
        measure (local_energy, local_energy_loss, local_entropy, cone_volume, hessian_eigenvalue, \
        hessian_trace), parameter (the abscissa: flip probability p, coupling λ, angle θ, eigenvalue rank), \
        distance (d of the local entropy), value, se (its standard error), ceiling, converged. Join it with the \
        results file on run_id for the other columns. 'solve --curves FILE' writes the same table.

        Examples:
          flatminima curves results.tsv --format tsv > curves.tsv
          flatminima curves results.tsv --measure local_entropy --format json
        """
    )

    @Argument(help: "Results file: a sweep's or merge's TSV, or solve/measure output (TSV or JSON Lines).")
    var results: String

    @Option(help: "Keep these measures only, comma-separated (default: all).")
    var measure: String?

    @Option(help: "Output: json | tsv | table. Default: table on a terminal, json otherwise.")
    var format: RecordFormat?

    func run() throws {
        let table = try TableCommand.runs(results)
        var long = CurveTable.long(table.rows.map { row in { (name: String) in table.value(row, name) } },
                                   columns: table.columns)
        if let measure {
            let names = Set(measure.split(separator: ",").map(String.init))
            let known: Set<String> = ["local_energy", "local_energy_loss", "local_entropy", "cone_volume",
                                      "hessian_eigenvalue", "hessian_trace"]
            guard !names.isEmpty, names.isSubset(of: known) else {
                throw FlatMinimaError.invalidOption(option: "--measure", message: "must name measures among "
                    + "\(known.sorted().joined(separator: ", ")) (got '\(measure)')")
            }
            long.rows = long.rows.filter { names.contains(long.value($0, "measure") ?? "") }
        }
        if long.rows.isEmpty {
            Output.error("curves: \(results) holds no measure curves (run with --measure or --local-energy ...)\n")
        }
        let format = self.format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
        Output.write(format.render(long))
    }
}

extension RecordFormat {
    /// Renders a table of text cells: tsv as written, json with numbers as numbers and NA as null.
    func render(_ table: Results.Table) -> String {
        if self == .tsv { return table.text }
        let records = table.rows.map { row in
            Record(zip(table.columns, row).map { ($0, self == .json ? TableCommand.value($1) : .string($1)) })
        }
        return render(records, columns: table.columns)
    }
}
