import Foundation

/// stdout and stderr writes, unbuffered, so a record is whole on stdout once its line is written.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
