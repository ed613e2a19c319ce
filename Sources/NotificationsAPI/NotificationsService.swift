/// The Notifications module's public face. Empty until its issue lands; the target exists so the
/// import rules hold from the start.
public protocol NotificationsService: Sendable {}
