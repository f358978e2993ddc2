// swift-tools-version: 6.1
//
// Benchmarks of FlatMinima, a sub-package so that the library does not inherit package-benchmark.
// Run from the repository root with `make bench`, or here with
//   swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "FlatMinimaBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "FlatMinima", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1",
                 traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FlatMinimaBenchmarks",
            dependencies: [
                .product(name: "FlatMinima", package: "FlatMinima"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/FlatMinimaBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
