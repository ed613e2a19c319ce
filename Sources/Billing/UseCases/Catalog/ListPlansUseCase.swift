import BillingAPI
import Kernel
import Storage

/// The price list: every code's newest active version.
struct ListPlansUseCase {
    let platform: PlatformDatabase

    func callAsFunction() async throws -> [Plan] {
        try await platform.platform("billing catalog") { tx in try await PlanRows.active(in: tx) }
    }
}
