// swift-tools-version: 6.2
// The benchmark floor: one bare Hummingbird route answering what Keel's /healthz answers, built
// with the same compiler and flags (swift build -c release). Keel's S7 figure is its /healthz
// through the full middleware stack divided by this. A separate package, so the server's build
// never depends on it.
import PackageDescription

let package = Package(
    name: "floor",
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
    ],
    targets: [
        .executableTarget(name: "Floor", dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                                                                .product(name: "Logging", package: "swift-log")]),
    ]
)
