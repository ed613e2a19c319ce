import Foundation

/// What a provider's payment means for Keel's attempt: the one reading of the provider's
/// status, used alike for the answer to a confirm, a look-up after a crash, and a webhook.
enum PaymentOutcome: Equatable, Sendable {
    case succeeded
    case failed(PaymentFailure)
    /// The provider has not decided (`processing`): ask again later.
    case pending
    /// Created but never confirmed (`requires_confirmation`): nothing was charged. A crash came
    /// between saving the payment's id and confirming it.
    case neverConfirmed

    init(_ payment: ProviderPayment) {
        switch payment.status {
        case .succeeded:
            self = .succeeded
        case .requiresPaymentMethod:
            self = .failed(payment.failure ?? PaymentFailure(code: "payment_failed", message: "The payment failed."))
        case .requiresAction:
            self = .failed(PaymentFailure(code: "authentication_required",
                                          message: "The card needs the cardholder's authentication; pay the invoice from the billing page."))
        case .canceled:
            self = .failed(PaymentFailure(code: "canceled", message: "The payment was canceled at the provider."))
        case .processing, .requiresCapture:
            self = .pending
        case .requiresConfirmation:
            self = .neverConfirmed
        }
    }
}

/// Named points where a test build can make the process die on purpose
/// (`KEEL_DEBUG_FAILPOINTS=after-charge`), to prove what a crash there leaves behind
/// (`make reliability`'s crash-between-charge-and-save). Ignored in release builds.
public struct FailPoints: Sendable {
    let names: Set<String>

    public init(_ names: Set<String> = []) {
        #if DEBUG
        self.names = names
        #else
        self.names = []
        #endif
    }

    /// Right after the provider confirmed a charge, before Keel saved it.
    static let afterCharge = "after-charge"

    func hit(_ name: String) {
        guard names.contains(name) else { return }
        FileHandle.standardError.write(Data("failpoint \(name): exiting on purpose\n".utf8))
        exit(86)
    }
}
