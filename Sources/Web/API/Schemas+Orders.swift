import Kernel
import OrdersAPI

extension Components.Schemas.Product {
    init(_ product: Product) throws {
        self.init(id: product.id.description, code: product.code, name: product.name, description: product.description,
                  fulfilment: try schemaValue(product.fulfilment), prices: product.prices.map(Components.Schemas.Money.init))
    }
}

extension Components.Schemas.Order {
    init(_ order: Order) throws {
        self.init(id: order.id.description, status: try schemaValue(order.status), paymentStatus: try schemaValue(order.paymentStatus),
                  currency: order.currency.code,
                  lines: order.lines.map { line in
                      .init(number: line.number, product: line.productCode, productName: line.productName, quantity: line.quantity,
                            unitAmount: .init(line.unitAmount), amount: .init(line.amount), fulfilled: line.fulfilled)
                  },
                  total: .init(value1: .init(order.total)), coupon: order.coupon, discount: .init(value1: .init(order.discount)),
                  amountPaid: order.amountPaid.map { .init(value1: .init($0)) },
                  refunded: .init(value1: .init(order.refunded)), version: order.version, createdAt: order.createdAt,
                  placedAt: order.placedAt, canceledAt: order.canceledAt)
    }
}

extension NewOrderLine {
    init(_ line: Components.Schemas.NewOrderLine) {
        self.init(productCode: line.product, quantity: line.quantity)
    }
}
