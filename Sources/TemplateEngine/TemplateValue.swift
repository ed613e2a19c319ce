public import Foundation

/// The values templates see. Built from any `Encodable` model by `TemplateValueEncoder`
/// (dates and `SafeHTML` keep their type), or directly.
public enum TemplateValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case date(Date)
    case safeHTML(SafeHTML)
    case array([TemplateValue])
    case object([String: TemplateValue])
    /// An object whose names its type fixes once (`TemplateRecord`): a list's rows, without a
    /// dictionary per row. Templates read it as they read an object.
    case record(TemplateRecord)

    /// Truthiness for `if`: nil, false, 0, "" and empty collections are false.
    var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .int(let n): n != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .date, .safeHTML: true
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        case .record(let r): !r.names.isEmpty
        }
    }

    /// The text a value renders as (before escaping).
    var text: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .int(let n): String(n)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): s
        case .date(let d): DatePattern.iso8601.format(d)
        case .safeHTML(let h): h.html
        case .array, .object, .record: ""
        }
    }

    /// The field named `name` of an object or a record; nil for anything else.
    func field(_ name: String) -> TemplateValue? {
        switch self {
        case .object(let object): object[name]
        case .record(let record): record[name]
        default: nil
        }
    }

    var typeName: String {
        switch self {
        case .null: "nil"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .date: "a date"
        case .safeHTML: "SafeHTML"
        case .array: "a list"
        case .object, .record: "an object"
        }
    }
}

extension TemplateValue: Equatable {
    /// Structural equality; a record equals an object (or record) with the same fields, at any depth.
    public static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.date(let a), .date(let b)): a == b
        case (.safeHTML(let a), .safeHTML(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        case (.record(let a), .record(let b)): a.fields == b.fields
        case (.record(let a), .object(let b)), (.object(let b), .record(let a)): a.fields == b
        default: false
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        // Sized once and filled (a repeated key: the last wins); `Dictionary(_:uniquingKeysWith:)`
        // merged through a closure and cost a tenth of a list row's value (S5).
        var object = [String: TemplateValue](minimumCapacity: elements.count)
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
    public init(nilLiteral: ()) { self = .null }
}

/// A model that makes its own template value instead of being walked through `Encodable`: for
/// the rows of long lists, where the walk's containers and dispatch per field cost more than
/// rendering them (docs/benchmarks.md, S5). `TemplateValueEncoder` takes the value as it is,
/// wherever the model appears. Its `Encodable` conformance stays (other encoders, and a test
/// that the names agree).
public protocol TemplateValueConvertible: Encodable {
    var templateValue: TemplateValue { get }
}

/// Named values in an order fixed by the model's type: `names` is one array the type keeps (a
/// `static let`), shared by every record of that type, and `values` are in the same order. A
/// field is found by comparing names (a row has about ten, short enough to be stored inline),
/// which costs less than hashing one, and a record is one allocation where a dictionary of ten
/// fields was several (docs/benchmarks.md, S5).
public struct TemplateRecord: Sendable, Equatable {
    public let names: [String]
    public let values: [TemplateValue]

    public init(names: [String], values: [TemplateValue]) {
        precondition(names.count == values.count, "a template record has a value for each name")
        self.names = names
        self.values = values
    }

    /// The value named `name` (a repeated name: the last, as in `fields`).
    public subscript(name: String) -> TemplateValue? {
        for index in names.indices.reversed() where names[index] == name { return values[index] }
        return nil
    }

    /// The record as an object (a repeated name: the last wins, as in a dictionary literal).
    public var fields: [String: TemplateValue] {
        Dictionary(zip(names, values), uniquingKeysWith: { _, last in last })
    }

    /// Equal when they hold the same fields, whatever their order.
    public static func == (lhs: TemplateRecord, rhs: TemplateRecord) -> Bool { lhs.fields == rhs.fields }
}

/// A list of such models is made element by element, without the encoder's walk over the list.
extension Array: TemplateValueConvertible where Element: TemplateValueConvertible {
    public var templateValue: TemplateValue { .array(map(\.templateValue)) }
}
