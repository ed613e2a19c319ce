public import Logging
import Foundation
import Kernel

/// One JSON object per line: `ts`, `level`, `msg`, `logger`, then metadata (request_id,
/// tenant_id, …). Machine-readable first; `KEEL_LOG_FORMAT=text` for humans. The server logs to
/// stdout; operator commands log to stderr, so their stdout is only their answer.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let output: FileHandle

    public init(label: String, level: Logger.Level, toStandardError: Bool = false) {
        self.label = label
        self.logLevel = level
        self.output = toStandardError ? .standardError : .standardOutput
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Self.timestamp(),
            "level": event.level.rawValue,
            "msg": event.message.description,
            "logger": label,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = Self.plain(value)
        }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        output.write(line)
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let s): s.description
        case .array(let a): a.map(plain)
        case .dictionary(let d): d.mapValues(plain)
        }
    }

    /// The machine's time, not the injected clock: a log line records when something really
    /// happened, even in a test that has moved its clock a month ahead.
    static func timestamp() -> String {
        SystemClock().now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
