import Foundation
import Kernel
import NotificationsAPI

/// What an endpoint's description and event types may be.
enum WebhookEndpointRules {
    static func description(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 500 else {
            throw AppError.validation([FieldError(field: "description", code: "too_long", message: "Keep the description to 500 characters.")])
        }
        return trimmed
    }

    /// Known types, each once, in the catalog's order; empty means every type.
    static func eventTypes(_ types: [String], catalog: WebhookCatalog) throws -> [String] {
        let unknown = types.filter { !catalog.types.contains($0) }
        guard unknown.isEmpty else {
            throw AppError.validation([FieldError(field: "event_types", code: "unknown_event_type",
                                                  message: "Unknown event types: \(unknown.joined(separator: ", ")). Known: \(catalog.types.joined(separator: ", ")).")])
        }
        return catalog.types.filter(types.contains)
    }
}
