// swift-tools-version: 6.2
// Template engines side by side: Keel's TemplateEngine, hummingbird-project/swift-mustache and
// stencilproject/Stencil, on the same two pages. A separate package, so the server's build
// never pulls in the comparison libraries. Run: swift run -c release TemplateBench
import PackageDescription

let package = Package(
    name: "template-bench",
    dependencies: [
        .package(name: "keel", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/stencilproject/Stencil.git", exact: "0.15.1"),
    ],
    targets: [
        .executableTarget(
            name: "TemplateBench",
            dependencies: [
                .product(name: "TemplateEngine", package: "keel"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Stencil", package: "Stencil"),
            ]
        ),
    ]
)
