import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SweepSpec {
    /// The sweep's identity: FNV-1a (16 hex digits) of its normalised content — name, replicates, seeds,
    /// the [problem] axes, each [[solver]] block's name and option axes, and the [measure] table, keys
    /// sorted within each table and numbers written in one canonical form. Comments, whitespace, key order
    /// and number formatting (`0.10`, `1e-1`, `10.0`) do not change it; any value that changes a run does.
    public var identity: String {
        func value(_ text: String) -> String {
            guard let number = Double(text), number.isFinite else { return text }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
            return "\(number)"
        }
        func axes(_ axes: [Axis]) -> String {
            axes.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.values.map(value).joined(separator: ",") }
                .joined(separator: ";")
        }
        var lines = ["name=\(name)", "replicates=\(replicates)", "instance_seed=\(instanceSeed)", "seed=\(seed)",
                     "[problem]" + axes(problem)]
        lines += solvers.map { "[[solver]]name=\($0.name);" + axes($0.options) }
        lines.append("[measure]" + measureText)
        return Self.hex(Self.fnv(Data(lines.joined(separator: "\n").utf8)))
    }

    /// The [measure] table, normalised (keys sorted): two specs whose runs are measured alike agree on it.
    var measureText: String {
        measure.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    /// The run ids of every run of the spec.
    public var runIDs: Set<String> { Set(runs().map(\.id)) }

    /// Whether this spec extends `older`: every run of `older` is a run of this one, measured alike (the
    /// grid may have more values, more replicates or more solver blocks; nothing of the old one changed).
    public func extends(_ older: SweepSpec, runIDs: Set<String>? = nil) -> Bool {
        older.measureText == measureText && older.runIDs.isSubset(of: runIDs ?? self.runIDs)
    }
}

/// The JSON sidecar `FILE.json` of a results file: which sweep its rows belong to (`sweep`, the spec's
/// identity, plus the identities of the specs it was extended from, whose rows may still carry them until
/// they are rewritten), the spec's path and text, the shard and number of runs, and where and with what
/// it was made (version, commit, GSL version, host, start time).
public struct Sidecar: Sendable, Equatable {
    public static let format = "flatminima-sweep/2"

    public var sweep: String
    public var previous: [String]
    public var name: String
    public var specPath: String
    public var specText: String
    public var shard: String
    public var runs: Int
    public var version: String
    public var gitCommit: String
    public var gslVersion: String
    public var started: String
    public var host: String

    /// The sidecar of (a shard of) a sweep of `spec` holding `runs` runs, made now.
    public init(spec: SweepSpec, shard: String, runs: Int, previous: [String] = []) {
        sweep = spec.identity
        self.previous = previous.filter { $0 != spec.identity }
        name = spec.name
        specPath = spec.document.path
        specText = (try? String(contentsOfFile: spec.document.path, encoding: .utf8)) ?? ""
        self.shard = shard
        self.runs = runs
        version = FlatMinima.version
        gitCommit = FlatMinima.build.commitText
        gslVersion = GSL.version
        started = ISO8601DateFormatter().string(from: Date())
        host = ProcessInfo.processInfo.hostName
    }

    /// Whether a row's `sweep` cell belongs to this sidecar's sweep.
    public func accepts(_ sweepCell: String) -> Bool { sweepCell == sweep || previous.contains(sweepCell) }

    /// The sidecar at `path`; nil when there is none. Throws (one line, naming the file) when it is not a
    /// FlatMinima sidecar: not JSON, not an object, or without a `format` and `sweep` of ours.
    public static func read(path: String) throws(FlatMinimaError) -> Sidecar? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        func garbage(_ why: String) -> FlatMinimaError {
            .invalidData(path: path, message: "not a FlatMinima sidecar (\(why)); remove it to have it rebuilt "
                         + "from the spec by --resume, or restore the right one")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw garbage("cannot be read") }
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let fields = object as? [String: Any] else { throw garbage("not a JSON object") }
        guard let format = fields["format"] as? String, format.hasPrefix("flatminima-sweep/") else {
            throw garbage("no format flatminima-sweep/N")
        }
        guard let sweep = fields["sweep"] as? String, !sweep.isEmpty else { throw garbage("no sweep") }
        func text(_ key: String) -> String { fields[key] as? String ?? "" }
        var sidecar = Sidecar(sweep: sweep, previous: fields["previous"] as? [String] ?? [])
        sidecar.name = text("name")
        sidecar.specPath = text("spec_path")
        sidecar.specText = text("spec")
        sidecar.shard = text("shard")
        sidecar.runs = (fields["runs"] as? NSNumber)?.intValue ?? 0
        sidecar.version = text("version")
        sidecar.gitCommit = text("git_commit")
        sidecar.gslVersion = text("gsl_version")
        sidecar.started = text("started")
        sidecar.host = text("host")
        return sidecar
    }

    private init(sweep: String, previous: [String]) {
        self.sweep = sweep
        self.previous = previous
        name = ""; specPath = ""; specText = ""; shard = ""; runs = 0
        version = ""; gitCommit = ""; gslVersion = ""; started = ""; host = ""
    }

    /// The JSON text (one line).
    public var json: String {
        func string(_ text: String) -> String { Record.Value.string(text).json }
        let fields: [(String, String)] = [
            ("format", string(Self.format)),
            ("spec_path", string(specPath)),
            ("sweep", string(sweep)),
            ("previous", "[" + previous.map(string).joined(separator: ",") + "]"),
            ("name", string(name)),
            ("version", string(version)),
            ("git_commit", string(gitCommit)),
            ("gsl_version", string(gslVersion)),
            ("started", string(started)),
            ("host", string(host)),
            ("shard", string(shard)),
            ("runs", String(runs)),
            ("spec", string(specText)),
        ]
        return "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// Writes the sidecar to `path` atomically (a temporary file renamed over it).
    public func write(to path: String) throws(FlatMinimaError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((json + "\n").utf8)),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .runtime("cannot write the sidecar \(path)")
        }
    }

    /// The spec whose text the sidecar records, parsed again (under its own file name, which gives an
    /// unnamed spec its name); nil when the sidecar has no spec text or it no longer parses.
    public func recordedSpec() -> SweepSpec? {
        guard !specText.isEmpty else { return nil }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-sidecar-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fileName = specPath.isEmpty ? "spec.toml" : (specPath as NSString).lastPathComponent
        let file = directory.appendingPathComponent(fileName)
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil,
              (try? specText.write(to: file, atomically: false, encoding: .utf8)) != nil else { return nil }
        return try? SweepSpec(path: file.path)
    }

    /// How the rows of a results file relate to a spec, after `check`.
    public enum Match: Sendable, Equatable {
        /// The sidecar is of this spec.
        case same
        /// The sidecar is of a spec this one extends (or of this spec identified by its bytes): the rows
        /// are kept, the sidecar and the rows' `sweep` cells are to be rewritten with the new identity.
        case extended
        /// There is no sidecar, and the rows are runs of this spec: the sidecar is to be written.
        case rebuilt
    }

    /// Checks that `table`, read from `path` with the sidecar `sidecar` (nil: none), holds runs of `spec`
    /// only (`specRuns`: its run ids). Refuses, in one line naming the file: a sidecar whose sweep is not
    /// the rows'; a sidecar of another spec (one this spec does not extend); no sidecar, unless every row
    /// is a run of this spec with its identity (or its byte hash); any row whose run is not in the spec.
    public static func check(_ table: Results.Table, path: String, sidecar: Sidecar?, against spec: SweepSpec,
                             specRuns: Set<String>) throws(FlatMinimaError) -> Match {
        let identity = spec.identity
        let match: Match
        if let sidecar {
            for (index, row) in table.rows.enumerated() {
                let cell = table.value(row, "sweep") ?? ""
                guard sidecar.accepts(cell) else {
                    throw .invalidData(path: "\(path):\(table.line(ofRow: index))", message: "the row's sweep "
                                       + "\(cell) is not the sweep \(sidecar.sweep) of its sidecar \(path).json")
                }
            }
            if sidecar.sweep == identity {
                match = .same
            } else if sidecar.sweep == spec.hash || sidecar.recordedSpec().map({ spec.extends($0, runIDs: specRuns) })
                        == true {
                match = .extended
            } else {
                throw .invalidData(path: path, message: "holds runs of another spec (sweep \(sidecar.sweep); this "
                                   + "spec is \(identity) and does not extend it)")
            }
        } else {
            for (index, row) in table.rows.enumerated() {
                let cell = table.value(row, "sweep") ?? ""
                guard cell == identity || cell == spec.hash else {
                    throw .invalidData(path: "\(path):\(table.line(ofRow: index))", message: "has no sidecar "
                                       + "(\(path).json) and its rows are of sweep \(cell), not of this spec "
                                       + "(\(identity)); refusing to guess")
                }
            }
            match = .rebuilt
        }
        for (index, row) in table.rows.enumerated() {
            let id = table.value(row, "run_id") ?? ""
            guard specRuns.contains(id) else {
                throw .invalidData(path: "\(path):\(table.line(ofRow: index))",
                                   message: "run_id \(id) is not a run of \(spec.document.path) (another spec)")
            }
        }
        return match
    }
}
