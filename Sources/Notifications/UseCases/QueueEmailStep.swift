import Kernel
import Storage
import TemplateEngine

/// Renders both parts of an email and queues the message, in the subscriber's transaction (so
/// the message exists exactly when the event's inbox record does). A template that fails to
/// render fails the delivery, which the dispatcher retries and finally dead-letters: visible,
/// not lost.
struct QueueEmailStep {
    let templates: @Sendable () -> TemplateLibrary

    /// - Parameter secret: the single-use token the model's `MessageSecret.placeholder` stands
    ///   for; it is stored sealed, never in the body.
    func callAsFunction<Model: EmailModel>(_ model: Model, to recipient: String, secret: String? = nil,
                                           in tx: TenantTransaction) async throws {
        let library = templates()
        let text = try library.render("email/\(Model.kind).txt", model)
        let html = try library.render("email/\(Model.kind).html", model)
        _ = try await MessageRows.insert(kind: Model.kind, recipient: recipient, senderName: model.tenantName,
                                         subject: model.subject, text: text, html: html, about: model.about, secret: secret, in: tx)
    }
}
