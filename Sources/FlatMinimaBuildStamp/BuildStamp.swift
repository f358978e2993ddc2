/// The git commit this package was built from, written at build time by the BuildStamp plugin
/// (Plugins/BuildStamp), so that a binary reports the commit it was built from wherever it is run.
///
/// The values are read through functions, not inlinable constants, so that a new stamp recompiles this
/// small module only.
public enum BuildStamp {
    /// The full commit hash, or "unknown" when the package was not built from a git checkout of itself
    /// (e.g. from a source tarball).
    public static var commit: String { stampedCommit }

    /// Whether Package.swift, Sources/ or Plugins/ differed from `commit` at build time (modified or
    /// untracked files); false when the commit is unknown.
    public static var dirty: Bool { stampedDirty }
}
