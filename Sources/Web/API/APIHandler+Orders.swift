import Foundation
import Kernel
import OpenAPIRuntime
import OrdersAPI

extension APIHandler {
    func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        _ = try APIRequest.principal()
        return .ok(.init(body: .json(.init(data: try await orders.products().map(Components.Schemas.Product.init)))))
    }

    func createOrder(_ input: Operations.CreateOrder.Input) async throws -> Operations.CreateOrder.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let principal = try APIRequest.principal()
        let operation = IdempotentOperation(
            store: idempotency, scope: .principal(principal), key: APIRequest.current.idempotencyKey,
            operationID: Operations.CreateOrder.id, body: body, status: 201,
            response: { (order: Order) in try Components.Schemas.Order(order) })
        switch try await operation.run({ completion in
            try await orders.createDraft(principal, currency: body.currency, lines: body.lines.map(NewOrderLine.init),
                                         coupon: body.coupon, idempotency: completion)
        }) {
        case .fresh(let order):
            return .created(.init(headers: .init(eTag: Self.etag(order.version)), body: .json(order)))
        case .replayed(let order):
            return .created(.init(headers: .init(eTag: Self.etag(order.version), idempotentReplayed: ._true), body: .json(order)))
        }
    }

    func listOrders(_ input: Operations.ListOrders.Input) async throws -> Operations.ListOrders.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        if let from = input.query.createdFrom, let before = input.query.createdBefore, from >= before {
            throw AppError.validation([FieldError(field: "created_before", code: "empty_range",
                                                  message: "created_before must come after created_from.")])
        }
        let filter = OrderFilter(status: try input.query.status.map { try schemaValue($0) },
                                 paymentStatus: try input.query.paymentStatus.map { try schemaValue($0) },
                                 createdFrom: input.query.createdFrom, createdBefore: input.query.createdBefore)
        let found = try await orders.orders(try APIRequest.principal(), filter: filter, page: page)
        return .ok(.init(body: .json(.init(data: try found.items.map(Components.Schemas.Order.init),
                                           hasMore: found.hasMore, nextCursor: found.nextCursor))))
    }

    func getOrder(_ input: Operations.GetOrder.Input) async throws -> Operations.GetOrder.Output {
        let order = try await orders.order(try APIRequest.principal(), id: try Self.orderID(input.path.orderId))
        return .ok(.init(headers: .init(eTag: Self.etag(order.version)), body: .json(try .init(order))))
    }

    func replaceOrderLines(_ input: Operations.ReplaceOrderLines.Input) async throws -> Operations.ReplaceOrderLines.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let id = try Self.orderID(input.path.orderId)
        let order = try await orders.replaceLines(try APIRequest.principal(), id: id,
                                                  expectedVersion: try Self.expectedVersion(input.headers.ifMatch),
                                                  lines: body.lines.map(NewOrderLine.init), coupon: body.coupon)
        return .ok(.init(headers: .init(eTag: Self.etag(order.version)), body: .json(try .init(order))))
    }

    func placeOrder(_ input: Operations.PlaceOrder.Input) async throws -> Operations.PlaceOrder.Output {
        let order = try await orders.place(try APIRequest.principal(), id: try Self.orderID(input.path.orderId),
                                           expectedVersion: try Self.expectedVersion(input.headers.ifMatch))
        return .ok(.init(headers: .init(eTag: Self.etag(order.version)), body: .json(try .init(order))))
    }

    func payOrder(_ input: Operations.PayOrder.Input) async throws -> Operations.PayOrder.Output {
        let id = try Self.orderID(input.path.orderId)
        let principal = try APIRequest.principal()
        let operation = IdempotentOperation(
            store: idempotency, scope: .principal(principal), key: input.headers.idempotencyKey,
            operationID: Operations.PayOrder.id, body: ["order_id": id.description], status: 200,
            response: { (order: Order) in try Components.Schemas.Order(order) })
        switch try await operation.run({ completion in try await orders.pay(principal, id: id, idempotency: completion) }) {
        case .fresh(let order): return .ok(.init(body: .json(order)))
        case .replayed(let order): return .ok(.init(headers: .init(idempotentReplayed: ._true), body: .json(order)))
        }
    }

    func cancelOrder(_ input: Operations.CancelOrder.Input) async throws -> Operations.CancelOrder.Output {
        let order = try await orders.cancel(try APIRequest.principal(), id: try Self.orderID(input.path.orderId))
        return .ok(.init(headers: .init(eTag: Self.etag(order.version)), body: .json(try .init(order))))
    }

    func getOrderTimeline(_ input: Operations.GetOrderTimeline.Input) async throws -> Operations.GetOrderTimeline.Output {
        let entries = try await orders.timeline(try APIRequest.principal(), id: try Self.orderID(input.path.orderId))
        return .ok(.init(body: .json(.init(data: try entries.map { entry in
            .init(kind: entry.kind, actor: try schemaValue(entry.actor), occurredAt: entry.occurredAt,
                  detail: .init(additionalProperties: entry.detail))
        }))))
    }

    /// A path's order id; one that is not a UUID names no order.
    static func orderID(_ text: String) throws -> OrderID {
        guard let id = OrderID(text) else { throw AppError(.orderNotFound, "There is no such order.") }
        return id
    }
}
