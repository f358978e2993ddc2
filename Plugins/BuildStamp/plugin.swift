import Foundation
import PackagePlugin

/// Writes the commit the package is built from into the target it is applied to
/// (`FlatMinimaBuildStamp`), so that a binary reports its own commit wherever it is run from.
///
/// A prebuild command runs before every build: `stamp.sh` asks git for HEAD and whether Package.swift,
/// Sources/ or Plugins/ differ from it, and rewrites the generated Swift file only when its text
/// changes, so that an unchanged tree rebuilds nothing. Outside a git checkout of this package (a
/// source tarball, or a copy unpacked inside another repository) the commit is "unknown".
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = package.appending(path: "Plugins/BuildStamp/stamp.sh")
        return [
            .prebuildCommand(
                displayName: "Stamping the build with its git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, package.path, output.path,
                            context.pluginWorkDirectoryURL.path],
                outputFilesDirectory: output
            ),
        ]
    }
}
