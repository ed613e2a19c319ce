import Hummingbird
import Logging

// `floor [port]`: GET /healthz → {"status":"ok"} with the same headers a JSON body needs, and
// nothing else (no middleware, no logging per request).
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8090
let router = Router()
router.get("/healthz") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}
var logger = Logger(label: "floor")
logger.logLevel = .warning
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()
