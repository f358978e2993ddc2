import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// stdout and stderr writes, unbuffered, so a record is whole on stdout once its line is written.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Checks on an output path before anything is written to it.
enum OutputFile {
    /// Refuses an empty path, a directory, and a path whose directory is missing or not writable,
    /// naming `option` (the file is `role`, e.g. "the sidecar", when it is derived from the option).
    static func check(_ path: String, option: String, role: String? = nil) throws {
        func fail(_ message: String) -> FlatMinimaError {
            .invalidOption(option: option, message: (role.map { "\($0) " } ?? "") + message)
        }
        guard !path.isEmpty else { throw fail("must be a file path (got an empty string)") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail("\(path) is a directory (accepted: a file path)")
        }
        guard !path.hasSuffix("/") else { throw fail("\(path) names a directory (accepted: a file path)") }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("the directory \(parent) of \(path) does not exist")
        }
        guard access(parent, W_OK) == 0 else { throw fail("cannot write in the directory \(parent) of \(path)") }
        if FileManager.default.fileExists(atPath: path), access(path, W_OK) != 0 {
            throw fail("\(path) is not writable")
        }
    }
}
