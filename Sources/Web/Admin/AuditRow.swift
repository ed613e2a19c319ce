import AccountsAPI
import Foundation
import Kernel

/// An audit entry as the console's tables show it.
struct AuditRow: Encodable, Sendable {
    let id: String
    let occurredAt: Date
    let action: String
    /// The declared action's label; the stored name itself for an action no module declares
    /// any more (the log is history, and keeps what was written).
    let label: String
    let actorKind: String
    let actor: String
    let tenantID: String?
    let target: String?
    let reason: String?
    let before: String?
    let after: String?
    let requestID: String?

    init(_ entry: AuditEntry) {
        let event = entry.event
        id = event.id.lowercasedString
        occurredAt = event.occurredAt
        action = event.action
        label = AuditActionCatalog.label(of: event.action) ?? event.action
        actorKind = entry.actorKind.rawValue
        actor = switch entry.actorKind {
        case .staff: entry.actorEmail ?? event.actorStaffID.map { "staff \($0)" } ?? "staff"
        case .user: entry.actorEmail ?? event.actorUserID.map { "user \($0)" } ?? "user"
        case .system: "—"
        }
        tenantID = event.tenantID?.description
        target = event.target
        reason = event.reason
        before = event.before.map(Self.pretty)
        after = event.after.map(Self.pretty)
        requestID = event.requestID
    }

    /// Indented JSON, keys sorted, for reading before and after side by side.
    static func pretty(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
