// swift-tools-version: 6.2
// The benchmark floors, built with the same compiler and flags as Keel (swift build -c release). A
// separate package, so the server's build never depends on it.
//
// - `/healthz`: one bare Hummingbird route answering what Keel's /healthz answers (S7's floor).
// - `/nio/users/:id` and `/pq/users/:id`: S1's read (session lookup by the bearer token's SHA-256,
//   then the tenant-scoped row) with nothing around it, on two drivers at the same two round trips
//   (issue 21's driver floor): PostgresNIO, the read through one SQL function; Keel's own libpq
//   pipeline driver (PostgresPipeline, used by path), the read as one pipeline [begin; scope;
//   select; commit].
// - `/wire/users/:id`: the same statements in the same shape on PostgreSQL's protocol spoken on a
//   NIO channel (`WirePool`): the next lever's floor, answers read on the loop that resumes the
//   request.
import PackageDescription

let package = Package(
    name: "floor",
    dependencies: [
        .package(name: "keel", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
    ],
    targets: [
        .executableTarget(name: "Floor", dependencies: [
            .product(name: "PostgresPipeline", package: "keel"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ]
)
