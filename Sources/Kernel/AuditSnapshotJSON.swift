import Foundation

/// Encodes audit snapshots with sorted keys, so equal snapshots are equal text.
enum AuditSnapshotJSON {
    static func encode(_ fields: [String: AuditSnapshot.Value]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and booleans cannot fail.
        let data = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
