import AccountsAPI
import Kernel

extension User {
    /// Inviting people and creating keys wait until the actor's own address is proven: an
    /// unverified account could be anyone's typo.
    func requireVerifiedEmail() throws {
        guard emailVerified else {
            throw AppError(.emailUnverified, "Verify your email address first (see the email we sent, or ask for a new one).")
        }
    }
}
