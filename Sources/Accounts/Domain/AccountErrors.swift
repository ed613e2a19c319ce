import AccountsAPI
import Kernel

/// Refusals several use cases share, worded once.
enum AccountErrors {
    /// The caller's user or tenant vanished under a live credential (deleted meanwhile).
    static let gone = AppError(.unauthenticated, "The session has ended.")
    /// An emailed link's token is unknown, used or expired.
    static let invalidToken = AppError(.invalidToken, "The link is not valid: it may have expired or been used already.")
}
