import Foundation
public import Kernel

/// A plan of the platform's catalog at one version: what a period costs, per currency.
public struct Plan: Sendable, Equatable, Codable {
    public enum Interval: String, Sendable, Codable, CaseIterable { case month, year }
    public enum Status: String, Sendable, Codable, CaseIterable { case active, retired }

    public let id: PlanID
    public let code: String
    public let version: Int
    public let name: String
    public let interval: Interval
    public let trialDays: Int
    /// Users the plan allows; `nil` is unlimited.
    public let seats: Int?
    public let prices: [Money]
    public let isDefault: Bool
    public let status: Status

    public init(id: PlanID, code: String, version: Int, name: String, interval: Interval, trialDays: Int, seats: Int?,
                prices: [Money], isDefault: Bool, status: Status) {
        self.id = id
        self.code = code
        self.version = version
        self.name = name
        self.interval = interval
        self.trialDays = trialDays
        self.seats = seats
        self.prices = prices
        self.isDefault = isDefault
        self.status = status
    }

    /// The price of one period in `currency`, if the plan is sold in it.
    public func price(in currency: Currency) -> Money? { prices.first { $0.currency == currency } }
}

/// A new plan, or a new version of an existing code (a price change): existing subscribers keep
/// the version they signed up for; new ones get this.
public struct NewPlanVersion: Sendable, Equatable {
    public var code: String
    public var name: String
    public var interval: Plan.Interval
    public var trialDays: Int
    public var seats: Int?
    public var prices: [Money]
    /// Becomes the plan sign-up starts trials on.
    public var makeDefault: Bool

    public init(code: String, name: String, interval: Plan.Interval, trialDays: Int, seats: Int?, prices: [Money],
                makeDefault: Bool = false) {
        self.code = code
        self.name = name
        self.interval = interval
        self.trialDays = trialDays
        self.seats = seats
        self.prices = prices
        self.makeDefault = makeDefault
    }
}
