import Foundation

/// The before/after objects of Accounts' audit entries: flat string maps, keys sorted.
enum AuditJSON {
    static func encode(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
