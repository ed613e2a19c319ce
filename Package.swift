// swift-tools-version: 6.2
import PackageDescription

// Every target opts into the same strictness: explicit `any`, imports that must be
// named where their members are used, and imports that are internal unless a file
// says otherwise (so no module re-exports PostgresNIO or Hummingbird by accident), and async
// functions that run where their caller runs (`nonisolated(nonsending)`): with a task executor
// preference every hop to the generic executor takes the task's status lock, and Keel has no
// actors to hop off (architecture note 75). Closures handed to packages built without it are
// spelled `@concurrent`, as those packages declare them.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

/// A bounded context: its public face (`<Name>API`, Kernel only) and its implementation.
/// The implementation sees its own API, Kernel, Storage and other modules' API targets, never
/// another implementation: a forbidden import does not compile.
func module(_ name: String, uses otherAPIs: [String] = [], extra: [Target.Dependency] = [],
            resources: [Resource]? = nil, exclude: [String] = []) -> [Target] {
    [
        .target(name: "\(name)API", dependencies: ["Kernel"], swiftSettings: strict),
        .target(
            name: name,
            dependencies: [.target(name: "\(name)API"), "Kernel", "Storage", logging]
                + otherAPIs.map { .target(name: "\($0)API") } + extra,
            exclude: exclude,
            resources: resources,
            swiftSettings: strict
        ),
    ]
}

let package = Package(
    name: "keel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keel", targets: ["keel"]),
        // For the fuzzer and the template benchmark, separate packages that use it by path.
        .library(name: "TemplateEngine", targets: ["TemplateEngine"]),
        // For the benchmark floor (bench/floor): the driver with nothing of Keel around it.
        .library(name: "PostgresPipeline", targets: ["PostgresPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        // Already in the build through Hummingbird; named for NIOHTTPTypes (RequestDeadlineHandler).
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3"),
        // 1.13.4 with one hook added, `Configuration.jsonCoder` (Vendor/README.md): the API's answers
        // are written by Web's streaming JSON encoder. The transport, 2.1.0 unchanged, is beside it
        // so that the graph names the runtime once, by path.
        .package(path: "Vendor/swift-openapi-runtime"),
        .package(path: "Vendor/swift-openapi-hummingbird"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // Already in the build through Hummingbird; named for the spans Storage and Web make.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", exact: "1.7.3"),
        // Traces over OTLP/HTTP (keel serve with OTEL_EXPORTER_OTLP_ENDPOINT); gRPC left out.
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(name: "Kernel", swiftSettings: strict),
        .target(name: "EventLoopExecutor", dependencies: [.product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),
        // libpq (Debian's libpq-dev), and the pipelining driver over it (issue 21, docs/storage.md).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "PostgresPipeline", dependencies: ["CLibPQ", .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: strict),
        .target(
            name: "Storage",
            dependencies: ["Kernel", "PostgresPipeline", logging, lifecycle,
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "Instrumentation", package: "swift-distributed-tracing")],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .target(
            name: "PasswordHashing",
            dependencies: ["CArgon2", "Kernel", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(name: "TemplateEngine", swiftSettings: strict),
        // Invoice PDFs: cairo draws, Pango lays out text (Debian's libcairo2-dev, libpango1.0-dev,
        // fonts-dejavu-core; scripts/install-deps.sh installs them).
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .target(
            name: "InvoicePDF",
            dependencies: ["CPangoCairo", "BillingAPI", "Kernel", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
    ]
    + module("Accounts", uses: ["Billing", "Orders"], extra: ["PasswordHashing", .product(name: "Crypto", package: "swift-crypto")],
             resources: [.copy("Resources/common-passwords.txt")], exclude: ["Resources/README.md"])
    + module("Billing", uses: ["Accounts"],
             extra: [lifecycle, "InvoicePDF", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                     .product(name: "Crypto", package: "swift-crypto"),
                     .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")])
    + module("Orders", uses: ["Billing", "Accounts", "Notifications"])
    + module("Notifications", uses: ["Accounts", "Billing", "Orders"],
             extra: ["TemplateEngine", lifecycle, .product(name: "NIOCore", package: "swift-nio"),
                     .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                     .product(name: "AsyncHTTPClient", package: "async-http-client"),
                     .product(name: "Crypto", package: "swift-crypto")])
    + [
        .target(
            name: "Web",
            dependencies: ["Kernel", "EventLoopExecutor", "TemplateEngine", "AccountsAPI", "BillingAPI", "OrdersAPI",
                           "NotificationsAPI", hummingbird, logging,
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                           .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                           .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Tracing", package: "swift-distributed-tracing"),
                           .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                           .product(name: "Crypto", package: "swift-crypto")],
            // `openapi.yaml` (linked from the repository root) is the contract: the
            // generator writes the server stubs from it at build time.
            resources: [.copy("openapi.yaml")],
            swiftSettings: strict,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "KeelApp",
            dependencies: ["Kernel", "Storage", "PasswordHashing", "TemplateEngine", "Web",
                           "AccountsAPI", "Accounts", "BillingAPI", "Billing", "OrdersAPI", "Orders",
                           "NotificationsAPI", "Notifications", "InvoicePDF", hummingbird, logging, lifecycle,
                           .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Configuration", package: "swift-configuration"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "OTel", package: "swift-otel")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "keel",
            dependencies: ["KeelApp", "Kernel", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),

        // Shared by the test targets: starts (or reuses) the private PostgreSQL once per process.
        .target(name: "KeelTesting", dependencies: ["Storage", "Kernel", "PasswordHashing", logging,
                                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                   .product(name: "NIOCore", package: "swift-nio"),
                                                   .product(name: "NIOHTTP1", package: "swift-nio")],
                path: "Tests/KeelTesting", swiftSettings: strict),
        .testTarget(name: "KernelTests",
                    dependencies: ["Kernel", .product(name: "PropertyBased", package: "swift-property-based")],
                    swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "PostgresPipeline", "Kernel", "KeelTesting",
                                                      .product(name: "NIOCore", package: "swift-nio"),
                                                      .product(name: "NIOPosix", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "TemplateEngineTests",
                    dependencies: ["TemplateEngine", .product(name: "PropertyBased", package: "swift-property-based")],
                    swiftSettings: strict),
        .testTarget(name: "PasswordHashingTests", dependencies: ["PasswordHashing", "Kernel"], swiftSettings: strict),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "AccountsAPI", "Kernel", "Storage", "KeelTesting"],
                    swiftSettings: strict),
        .testTarget(name: "WebTests", dependencies: ["KeelApp", "Kernel", "KeelTesting", "Storage", "TemplateEngine", "Web", "EventLoopExecutor",
                                                     "AccountsAPI", "Accounts", "BillingAPI", "Billing", "OrdersAPI", "Orders", "NotificationsAPI", "Notifications",
                                                     "PasswordHashing",
                                                     hummingbird, logging,
                                                     .product(name: "Crypto", package: "swift-crypto"),
                                                     .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                     .product(name: "HTTPTypes", package: "swift-http-types"),
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOPosix", package: "swift-nio"),
                                                     .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                                                     .product(name: "PropertyBased", package: "swift-property-based")],
                    swiftSettings: strict),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications", "NotificationsAPI", "Kernel", "KeelTesting", logging],
                    exclude: ["Support"], swiftSettings: strict),
        .testTarget(name: "BillingTests",
                    dependencies: ["Billing", "BillingAPI", "Kernel", "KeelTesting", "Storage", "Accounts", "AccountsAPI",
                                   .product(name: "PropertyBased", package: "swift-property-based"),
                                   .product(name: "Crypto", package: "swift-crypto")],
                    swiftSettings: strict),
        .testTarget(name: "OrdersTests", dependencies: ["Orders", "OrdersAPI", "Kernel"], swiftSettings: strict),
        .testTarget(name: "InvoicePDFTests", dependencies: ["InvoicePDF", "BillingAPI", "Kernel", "KeelTesting"], swiftSettings: strict),
        .testTarget(name: "ArchitectureTests", swiftSettings: strict),
    ]
)
