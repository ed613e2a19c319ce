internal import CLibPQ

extension PipelineConnection {
    /// Why libpq would refuse `conninfo` before trying any server (an unknown option, a quote
    /// left open), in libpq's words; `nil` when it parses. Values are checked when connecting.
    public static func problem(in conninfo: String) -> String? {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            defer { if let message { PQfreemem(message) } }
            let text = message.map { String(cString: $0) } ?? "libpq could not parse the connection settings"
            return String(text.reversed().drop { $0 == "\n" || $0 == " " }.reversed())
        }
        PQconninfoFree(options)
        return nil
    }
}
