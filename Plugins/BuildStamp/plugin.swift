import Foundation
import PackagePlugin

/// Writes the commit the package is built from into the target it is applied to
/// (`FlatMinimaBuildStamp`), so that a binary reports its own commit wherever it is run from.
///
/// A build command runs `stamp.sh`, which asks git for HEAD and whether Package.swift, Sources/ or
/// Plugins/ differ from it, and rewrites the generated Swift file only when its text changes. The
/// command's inputs are every source file of the package, Package.swift, the plugin itself and git's
/// HEAD, HEAD reflog and index, so that a commit, a checkout or an edit re-runs it and an unchanged tree
/// runs nothing. (A prebuild command would be simpler but SwiftPM skips prebuild commands on incremental
/// builds that do not re-plan, leaving a stale commit.) Outside a git checkout of this package (a source
/// tarball, or a copy unpacked inside another repository) the commit is "unknown".
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let work = context.pluginWorkDirectoryURL
        let generated = work.appending(path: "Generated")
        let script = package.appending(path: "Plugins/BuildStamp/stamp.sh")
        var inputs = [package.appending(path: "Package.swift"), script,
                      package.appending(path: "Plugins/BuildStamp/plugin.swift")]
        for module in context.package.targets.compactMap({ $0 as? SourceModuleTarget }) {
            inputs += module.sourceFiles.map(\.url)
        }
        inputs += Self.gitFiles(of: package)
        return [
            .buildCommand(
                displayName: "Stamping the build with its git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, package.path, generated.path, work.path],
                inputFiles: inputs,
                outputFiles: [generated.appending(path: "BuildStampGenerated.swift")]
            ),
        ]
    }

    /// The files git changes on a commit, a checkout or an index update: HEAD, its reflog and the index
    /// of the package's git directory (`.git`, or the directory a worktree's `.git` file points to).
    static func gitFiles(of package: URL) -> [URL] {
        var directory = package.appending(path: ".git")
        if let text = try? String(contentsOf: directory, encoding: .utf8), text.hasPrefix("gitdir:") {
            let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
            directory = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
        }
        return ["HEAD", "logs/HEAD", "index"].map { directory.appending(path: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}
