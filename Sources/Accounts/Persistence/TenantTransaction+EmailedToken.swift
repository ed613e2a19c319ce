import AccountsAPI
import Kernel
import Storage

extension TenantTransaction {
    /// `token` sealed for the event that emails it to `email` (`EmailedToken`): the outbox
    /// keeps ciphertext only.
    func sealEmailed(_ token: String, to email: String) throws -> SealedSecret {
        SealedSecret(sealed: try seal(Array(token.utf8), purpose: EmailedToken.purpose, row: EmailedToken.row(email: email)))
    }
}
