// swift-tools-version: 6.0
//
// FlatMinima: statistical physics of wide flat minima in neural networks.
// The library has no unsafe flags so that it stays usable as a SwiftPM dependency; CPU tuning goes
// through the Makefile. The benchmarks live in the Benchmarks/ sub-package so that the library does
// not inherit package-benchmark.
import PackageDescription

let package = Package(
    name: "FlatMinima",
    products: [
        .library(name: "FlatMinima", targets: ["FlatMinima"]),
        .executable(name: "flatminima", targets: ["flatminima"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // RFC 4180 splitting of CSV data files (quoted fields, CRLF / CR / LF line ends).
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // C kernels for instructions beyond the x86-64 baseline (POPCNT, AVX2), chosen at run time.
        .target(name: "CKernels"),
        // The git commit of the build (FlatMinima.build), written by the BuildStamp plugin into this tiny
        // module whenever a source file or git's HEAD or index changes.
        .plugin(name: "BuildStamp", capability: .buildTool()),
        .target(name: "FlatMinimaBuildStamp", plugins: ["BuildStamp"]),
        .target(
            name: "FlatMinima",
            dependencies: ["CGSL", "CKernels", "FlatMinimaBuildStamp", .product(name: "CSV", package: "CSV.swift")]
        ),
        .executableTarget(
            name: "flatminima",
            dependencies: [
                "FlatMinima",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FlatMinimaTests",
            dependencies: ["FlatMinima", "CGSL", "CKernels"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["flatminima"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
