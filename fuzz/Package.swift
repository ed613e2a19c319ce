// swift-tools-version: 6.2
// The template engine's libFuzzer target, kept out of the main package so that an ordinary
// build never needs -sanitize=fuzzer. Run with `make fuzz` from the repository root.
import PackageDescription

let package = Package(
    name: "keel-fuzz",
    dependencies: [.package(name: "keel", path: "..")],
    targets: [
        .executableTarget(
            name: "TemplateFuzz",
            dependencies: [.product(name: "TemplateEngine", package: "keel")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
