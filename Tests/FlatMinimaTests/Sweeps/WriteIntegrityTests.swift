import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import FlatMinima

/// The results file under hostile conditions: two writers, a full disk, a crash mid-rewrite, a missing or
/// foreign sidecar, CRLF line endings, a spec edited between runs (comments, formatting, an extended grid).
@Suite struct WriteIntegrityTests {
    static let header = "run_id\trun\tsweep\tsolved\tseconds\terror\n"

    func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func file(_ directory: URL, _ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let spec = "name = \"w\"\nreplicates = 2\n[problem]\nN = 21\nalpha = [0.2, 0.4]\n[[solver]]\nname = \"sa\"\n"
        + "max_iters = 20\n"

    /// Counts the observer's calls and keeps its notes.
    final class Observer: SweepObserver, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var total = -1, done = 0, notes: [String] = []
        func started(runs: Int) { lock.withLock { total = runs } }
        func note(_ message: String) { lock.withLock { notes.append(message) } }
        func unwritten(_ error: any Error) {}
        func finished() { lock.withLock { done += 1 } }
        func ended() {}
    }

    /// A write call that fails the `failing`th call (1-based) with `code`, after writing `partial` bytes
    /// of it (a short write first, as a filling disk gives), and passes every other call to write(2).
    final class FailingWrite: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var calls = 0
        let failing: Int, partial: Int, code: Int32
        init(failing: Int, partial: Int = 0, code: Int32 = ENOSPC) {
            self.failing = failing
            self.partial = partial
            self.code = code
        }
        var call: Results.Writer.WriteCall {
            { descriptor, bytes in
                let n = self.lock.withLock { self.calls += 1; return self.calls }
                if n == self.failing, self.partial > 0 {
                    return Glibc.write(descriptor, bytes.baseAddress, min(self.partial, bytes.count))
                }
                if n == self.failing || (self.partial > 0 && n == self.failing + 1) {
                    errno = self.code
                    return -1
                }
                return Glibc.write(descriptor, bytes.baseAddress, bytes.count)
            }
        }
    }

    // MARK: item 2, concurrent writers

    @Test func aSecondWriterIsRefusedWhileTheFirstHoldsTheFile() throws {
        let path = try file(try directory(), "r.tsv", Self.header)
        var first: Results.Writer? = try Results.Writer(path: path, columns: [])
        // flock is per open file description: a second open in the same process conflicts like a process.
        #expect(throws: Results.Writer.locked(path)) { try Results.Writer(path: path, columns: []) }
        try first?.append([("run_id", "a"), ("run", "0"), ("sweep", "s")])
        first = nil
        let second = try Results.Writer(path: path, columns: [])
        try second.append([("run_id", "b"), ("run", "1"), ("sweep", "s")])
        #expect(try Results.read(path: path).rows.map { $0[0] } == ["a", "b"])
    }

    /// Widening the header rewrites the file in place: same inode, a symlink still points at it, another
    /// descriptor open on it sees the new text, no journal is left.
    @Test func wideningRewritesInPlace() throws {
        let dir = try directory()
        let target = try file(dir, "target.tsv", Self.header + "a\t0\ts\t1\t0.1\tNA\n")
        let link = dir.appendingPathComponent("link.tsv").path
        #expect(symlink(target, link) == 0)
        var before = stat(), after = stat(), linkStatus = stat()
        #expect(stat(target, &before) == 0)
        let reader = open(target, O_RDONLY)
        defer { close(reader) }
        let writer = try Results.Writer(path: link, columns: [])
        try writer.append([("run_id", "b"), ("run", "1"), ("sweep", "s"), ("margin", "0.5")])
        #expect(stat(target, &after) == 0 && lstat(link, &linkStatus) == 0)
        #expect(before.st_ino == after.st_ino)
        #expect(linkStatus.st_mode & S_IFMT == S_IFLNK)
        let expected = "run_id\trun\tsweep\tsolved\tseconds\terror\tmargin\na\t0\ts\t1\t0.1\tNA\tNA\n"
            + "b\t1\ts\tNA\tNA\tNA\t0.5\n"
        #expect(try String(contentsOfFile: target, encoding: .utf8) == expected)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == expected)
        #expect(!FileManager.default.fileExists(atPath: target + ".widen"))
    }

    /// A crash between saving the journal and rewriting the file: the next writer completes the rewrite.
    @Test func anInterruptedWideningIsCompletedFromItsJournal() throws {
        let dir = try directory()
        let path = try file(dir, "r.tsv", Self.header + "a\t0\ts\t1\t0.1\tNA\n")
        let widened = "run_id\trun\tsweep\tsolved\tseconds\terror\tmargin\na\t0\ts\t1\t0.1\tNA\tNA\n"
        _ = try file(dir, "r.tsv.widen", widened)
        let writer = try Results.Writer(path: path, columns: [])
        #expect(writer.columns.last == "margin")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == widened)
        #expect(!FileManager.default.fileExists(atPath: path + ".widen"))
    }

    // MARK: item 3, a full disk

    /// A short write then ENOSPC: the file is cut back to its last whole row, the error names the file and
    /// the cause, and the writer takes no more rows.
    @Test func aFailedWriteCutsBackToTheLastWholeRowAndStops() throws {
        let path = try file(try directory(), "r.tsv", Self.header + "a\t0\ts\t1\t0.1\tNA\n")
        let failing = FailingWrite(failing: 2, partial: 5)
        let writer = try Results.Writer(path: path, columns: [], write: failing.call)
        try writer.append([("run_id", "b"), ("run", "1"), ("sweep", "s")])
        var caught: FlatMinimaError?
        do { try writer.append([("run_id", "c"), ("run", "2"), ("sweep", "s")]) } catch { caught = error }
        let message = caught?.description ?? ""
        #expect(message.contains("cannot write to \(path): No space left on device"), "\(message)")
        #expect(try String(contentsOfFile: path, encoding: .utf8)
                == Self.header + "a\t0\ts\t1\t0.1\tNA\nb\t1\ts\tNA\tNA\tNA\n")
        #expect(throws: FlatMinimaError.self) { try writer.append([("run_id", "d"), ("run", "3"), ("sweep", "s")]) }
        #expect(failing.calls == 3)
    }

    /// The sweep stops at the first failed write: no run is started after it, every row kept is whole,
    /// and --resume completes the sweep.
    @Test func aSweepStopsOnAFullDisk() throws {
        let dir = try directory()
        let text = Self.spec.replacingOccurrences(of: "replicates = 2", with: "replicates = 4")
        let spec = try file(dir, "spec.toml", text)
        let out = dir.appendingPathComponent("r.tsv").path
        let plan = try SweepPlan(SweepSpec(path: spec))
        // Write 1 is the header, writes 2-3 rows (any widening rewrite counts too); write 4 fails.
        let failing = FailingWrite(failing: 4)
        let observer = Observer()
        var caught: (any Error)?
        do { _ = try SweepRunner(plan: plan, out: out, jobs: 1, write: failing.call).run(observer: observer) } catch {
            caught = error
        }
        #expect("\(caught.map { "\($0)" } ?? "")".contains("No space left on device"))
        #expect(observer.done < observer.total, "the sweep computed on after the failed write")
        let kept = try Results.read(path: out)
        #expect(!kept.droppedTornRow && kept.rows.count == observer.done - 1)
        let outcome = try SweepRunner(plan: plan, out: out, jobs: 1, resume: true).run()
        #expect(outcome.runs == 8)
        #expect(Set(try Results.read(path: out).rows.map { $0[0] }).count == 8)
    }

    // MARK: items 4 and 5, the sidecar

    /// The sidecar exists before the header is written; --resume writes a missing one.
    @Test func theSidecarComesFirstAndResumeRebuildsIt() throws {
        let dir = try directory()
        let spec = try file(dir, "spec.toml", Self.spec)
        let out = dir.appendingPathComponent("r.tsv").path, sidecar = SweepRunner.sidecar(of: out)
        let plan = try SweepPlan(SweepSpec(path: spec))
        final class Seen: @unchecked Sendable { var sidecarAtFirstWrite: Bool? }
        let seen = Seen()
        let write: Results.Writer.WriteCall = { descriptor, bytes in
            if seen.sidecarAtFirstWrite == nil {
                seen.sidecarAtFirstWrite = FileManager.default.fileExists(atPath: sidecar)
            }
            return Glibc.write(descriptor, bytes.baseAddress, bytes.count)
        }
        _ = try SweepRunner(plan: plan, out: out, shard: SweepShard(index: 0, count: 2), jobs: 1, write: write).run()
        #expect(seen.sidecarAtFirstWrite == true)
        unlink(sidecar)
        let observer = Observer()
        let outcome = try SweepRunner(plan: plan, out: out, resume: true).run(observer: observer)
        #expect(outcome.runs == 4 && observer.total == 2)
        #expect(try Sidecar.read(path: sidecar)?.sweep == plan.sweep.identity)
        #expect(observer.notes.contains { $0.contains("wrote the missing sidecar") })
    }

    /// --resume refuses a garbage sidecar and one of another spec, leaving the file as it was.
    @Test func resumeRefusesAForeignOrGarbageSidecar() throws {
        let dir = try directory()
        let spec = try file(dir, "spec.toml", Self.spec)
        let other = try file(dir, "other.toml",
                             Self.spec.replacingOccurrences(of: "max_iters = 20", with: "max_iters = 30"))
        let out = dir.appendingPathComponent("r.tsv").path, sidecar = SweepRunner.sidecar(of: out)
        let plan = try SweepPlan(SweepSpec(path: spec))
        _ = try SweepRunner(plan: plan, out: out, shard: SweepShard(index: 0, count: 2), jobs: 1).run()
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let good = try String(contentsOfFile: sidecar, encoding: .utf8)
        try "{\"format\": \"something-else\"}".write(toFile: sidecar, atomically: true, encoding: .utf8)
        #expect(throws: FlatMinimaError.self) { try SweepRunner(plan: plan, out: out, resume: true).run() }
        let otherPlan = try SweepPlan(SweepSpec(path: other))
        try Sidecar(spec: otherPlan.sweep, shard: "0/1", runs: 4).write(to: sidecar)
        var message = ""
        do { _ = try SweepRunner(plan: plan, out: out, resume: true).run() } catch { message = "\(error)" }
        #expect(message.contains("is not the sweep"), "\(message)")
        try good.write(toFile: sidecar, atomically: true, encoding: .utf8)
        do { _ = try SweepRunner(plan: otherPlan, out: out, resume: true).run() } catch { message = "\(error)" }
        #expect(message.contains("holds runs of another spec"), "\(message)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == text)
    }

    // MARK: item 16, identity and extended grids

    @Test func theIdentityIgnoresCommentsFormattingAndKeyOrder() throws {
        let dir = try directory()
        let base = try SweepSpec(path: file(dir, "a.toml", Self.spec + "[measure]\nmeasure = \"local-energy\"\n"
                                            + "perturbations = \"0.01\"\n"))
        let same = try SweepSpec(path: file(dir, "b.toml", "# a comment\nreplicates=2   # two\nname = \"w\"\n\n"
            + "[problem]\nN = 21\nalpha = [0.20, 4e-1]\n[[solver]]\nname = \"sa\"\nmax_iters = 20\n[measure]\n"
            + "perturbations = \"0.01\"\nmeasure = \"local-energy\"\n"))
        #expect(base.identity == same.identity)
        #expect(base.hash != same.hash)
        let wider = Self.spec.replacingOccurrences(of: "0.4]", with: "0.4, 0.6]")
        let extended = try SweepSpec(path: file(dir, "c.toml", wider))
        #expect(extended.identity != base.identity)
        #expect(base.identity.count == 16)
    }

    /// --resume with a spec whose grid has one more alpha: the finished runs are kept, only the new ones
    /// run, and the rows and the sidecar carry the new identity.
    @Test func resumeExtendsAGrid() throws {
        let dir = try directory()
        let small = try SweepPlan(SweepSpec(path: file(dir, "small.toml", Self.spec)))
        let out = dir.appendingPathComponent("r.tsv").path
        _ = try SweepRunner(plan: small, out: out, jobs: 1).run()
        let before = try Results.read(path: out)
        let big = try SweepPlan(SweepSpec(path: file(dir, "big.toml",
                                                    Self.spec.replacingOccurrences(of: "0.4]", with: "0.4, 0.6]"))))
        let observer = Observer()
        let outcome = try SweepRunner(plan: big, out: out, jobs: 1, resume: true).run(observer: observer)
        #expect(observer.total == 2 && outcome.runs == 6)
        let after = try Results.read(path: out)
        #expect(Set(after.rows.map { $0[0] }) == big.sweep.runIDs)
        #expect(after.rows.allSatisfy { after.value($0, "sweep") == big.sweep.identity })
        let sidecar = try #require(try Sidecar.read(path: SweepRunner.sidecar(of: out)))
        #expect(sidecar.sweep == big.sweep.identity && sidecar.previous == [small.sweep.identity])
        // The old rows are unchanged apart from their sweep cell.
        let solved = before.column("solved")!
        #expect(before.rows.map { $0[solved] } == Array(after.rows.prefix(4).map { $0[solved] }))
        // The smaller spec does not extend the bigger one: refused.
        #expect(throws: FlatMinimaError.self) { try SweepRunner(plan: small, out: out, resume: true).run() }
    }

    // MARK: item 7, line endings; commit column

    @Test func crlfAndMixedLineEndingsAreRead() throws {
        let dir = try directory()
        let path = try file(dir, "r.tsv", Self.header.replacingOccurrences(of: "\n", with: "\r\n")
                            + "a\t0\ts\t1\t0.1\tNA\r\nb\t1\ts\t0\t0.2\tNA\nc\t2\ts\t1\t0.3\tboom\r\n")
        let table = try Results.read(path: path)
        #expect(table.columns == ["run_id", "run", "sweep", "solved", "seconds", "error"])
        #expect(table.rows.map { $0[5] } == ["NA", "NA", "boom"] && !table.droppedTornRow)
        // Appending to it writes \n and keeps every row whole.
        let writer = try Results.Writer(path: path, columns: [])
        try writer.append([("run_id", "d"), ("run", "3"), ("sweep", "s")])
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("\r\nd\t3\ts\tNA\tNA\tNA\n"))
        #expect(try Results.read(path: path).rows.count == 4)
        let sidecar = try file(dir, "r.tsv.json", "{\"format\": \"flatminima-sweep/2\",\r\n \"sweep\": \"s\",\r\n"
                               + " \"previous\": [\"t\"]}\r\n")
        #expect(try Sidecar.read(path: sidecar)?.accepts("t") == true)
    }

    @Test func theCommitColumnIsIncidental() throws {
        let columns = ["run_id", "run", "sweep", "solved", "commit"]
        let a = Results.Table(columns: columns, rows: [["a", "0", "s", "1", "abc"]])
        let b = Results.Table(columns: columns, rows: [["a", "0", "s", "1", "def"]])
        let (merged, duplicates) = try Results.merge([("a", a), ("b", b)])
        #expect(duplicates == 1 && merged.rows.count == 1)
    }
}
