import BillingAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension Components.Schemas.Money {
    init(_ money: Money) {
        self.init(amount: money.minorUnits, currency: money.currency.code)
    }
}

extension Components.Schemas.Plan {
    init(_ plan: Plan) throws {
        self.init(id: plan.id.description, code: plan.code, version: plan.version, name: plan.name,
                  interval: try schemaValue(plan.interval), trialDays: plan.trialDays, seats: plan.seats,
                  prices: plan.prices.map(Components.Schemas.Money.init))
    }
}

extension Components.Schemas.Subscription {
    init(_ subscription: Subscription) throws {
        self.init(id: subscription.id.description, plan: try .init(subscription.plan), status: try schemaValue(subscription.status),
                  currency: subscription.currency.code, trialEnd: subscription.trialEnd,
                  currentPeriodStart: subscription.currentPeriodStart, currentPeriodEnd: subscription.currentPeriodEnd,
                  cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, canceledAt: subscription.canceledAt,
                  pendingPlan: try subscription.pendingPlan.map { .init(value1: try .init($0)) },
                  coupon: try subscription.coupon.map(Components.Schemas.AppliedCoupon.init), version: subscription.version)
    }
}

extension Components.Schemas.InvoiceLine {
    init(_ line: InvoiceLine) throws {
        self.init(kind: try schemaValue(line.kind), description: line.description, quantity: line.quantity,
                  unitAmount: .init(line.unitAmount), amount: .init(line.amount), tax: .init(line.tax),
                  periodStart: line.periodStart, periodEnd: line.periodEnd)
    }
}

extension Components.Schemas.InvoicePreview {
    init(_ preview: InvoiceDraftPreview) throws {
        self.init(lines: try preview.lines.map(Components.Schemas.InvoiceLine.init), subtotal: .init(preview.subtotal),
                  tax: .init(preview.tax), total: .init(preview.total), amountDue: .init(preview.amountDue))
    }
}

extension Components.Schemas.PlanChangePreview {
    init(_ preview: PlanChangePreview) throws {
        self.init(from: try .init(preview.from), to: try .init(preview.to), timing: try schemaValue(preview.timing),
                  effectiveAt: preview.effectiveAt, invoice: try preview.invoice.map(Components.Schemas.InvoicePreview.init))
    }
}

extension Components.Schemas.Invoice {
    init(_ invoice: Invoice) throws {
        self.init(id: invoice.id.description, number: invoice.number, status: try schemaValue(invoice.status),
                  billingReason: try schemaValue(invoice.reason), currency: invoice.currency.code,
                  lines: try invoice.lines.map(Components.Schemas.InvoiceLine.init), subtotal: .init(invoice.subtotal),
                  tax: .init(invoice.tax), total: .init(invoice.total), amountDue: .init(invoice.amountDue),
                  amountPaid: .init(invoice.amountPaid), balanceApplied: .init(value1: .init(invoice.balanceApplied)),
                  credited: .init(value1: .init(invoice.credited)), taxRateBp: invoice.taxRateBasisPoints,
                  periodStart: invoice.periodStart, periodEnd: invoice.periodEnd,
                  customer: .init(name: invoice.customer.name, address: invoice.customer.address,
                                  country: invoice.customer.country, taxId: invoice.customer.taxID),
                  createdAt: invoice.createdAt, finalizedAt: invoice.finalizedAt, dueAt: invoice.dueAt, paidAt: invoice.paidAt)
    }
}

extension Components.Schemas.PlanChangeResult {
    init(_ result: PlanChangeResult) throws {
        self.init(subscription: try .init(result.subscription),
                  invoice: try result.invoice.map { .init(value1: try .init($0)) })
    }
}

extension Components.Schemas.BillingProfile {
    init(_ profile: BillingProfile) {
        self.init(currency: profile.currency.code, email: profile.email, legalName: profile.legalName, address: profile.address,
                  country: profile.country, taxId: profile.taxID, taxRateBp: profile.taxRateBasisPoints,
                  hasPaymentMethod: profile.hasPaymentMethod, balance: .init(value1: .init(profile.balance)),
                  version: profile.version)
    }
}

extension Components.Schemas.AppliedCoupon {
    init(_ applied: AppliedCoupon) throws {
        let coupon = applied.coupon
        self.init(code: coupon.code, name: coupon.name, percentOffBp: coupon.percentOffBasisPoints,
                  amountOff: coupon.amountOff.map(Components.Schemas.Money.init), duration: try schemaValue(coupon.duration),
                  durationPeriods: coupon.durationPeriods, periodsApplied: applied.periodsApplied)
    }
}

extension Components.Schemas.CreditNote {
    init(_ note: CreditNote) {
        self.init(id: note.id.description, invoiceId: note.invoiceID.description, number: note.number, reason: note.reason,
                  lines: note.lines.map { .init(description: $0.description, amount: .init($0.amount)) },
                  amount: .init(note.amount), appliedToInvoice: .init(note.appliedToInvoice),
                  creditedToBalance: .init(note.creditedToBalance), refunded: .init(note.refunded), createdAt: note.createdAt)
    }
}

extension Components.Schemas.PaymentAttempt {
    init(_ attempt: PaymentAttempt) throws {
        self.init(id: attempt.id.description, invoiceId: attempt.invoiceID.description, number: attempt.number,
                  state: try schemaValue(attempt.state), trigger: try schemaValue(attempt.trigger), amount: .init(attempt.amount),
                  providerPaymentId: attempt.providerPaymentID, failureCode: attempt.failureCode,
                  failureMessage: attempt.failureMessage, createdAt: attempt.createdAt, settledAt: attempt.settledAt)
    }
}

extension Components.Schemas.PaymentMethodInfo {
    init(_ info: PaymentMethodInfo) {
        self.init(collectionEnabled: info.collectionEnabled,
                  card: info.card.map { .init(value1: .init(id: $0.id, brand: $0.brand, last4: $0.last4, expires: $0.expires)) })
    }
}
