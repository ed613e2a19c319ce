public import Foundation

/// Encodes an `Encodable` value as compact JSON with sorted keys, writing bytes as the value
/// encodes itself instead of building a tree of boxed values first. The output is the bytes
/// Foundation's `JSONEncoder` writes with `.sortedKeys` (the API's answers did not change), in
/// about a third of its time (docs/benchmarks.md, "JSON answers without Foundation's encoder": a
/// page of 50 users, 162 µs → 64 µs of CPU).
///
/// Streaming works because a value finishes encoding before its container is written to again:
/// writing to a container closes any deeper one first, and an object's members are put in key
/// order when it closes. What cannot stream — a container written to after a sibling was opened
/// beside it, `superEncoder`, a key written twice, a second value in a single-value container, a
/// number that is not finite — throws ``Unsupported``, and the caller encodes with Foundation's
/// encoder instead (`APIJSONCoder`). `codingPath` is not tracked (always empty): building it is
/// an array per value, and nothing the generated types encode reads it.
public struct JSONBodyEncoder: Sendable {
    /// Thrown where streaming cannot write what Foundation's encoder would; encode with that one.
    public struct Unsupported: Error {}

    /// How a `Date` is written (the API's date transcoder).
    public let encodeDate: @Sendable (Date) throws -> String

    public init(encodeDate: @escaping @Sendable (Date) throws -> String) {
        self.encodeDate = encodeDate
    }

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let output = JSONOutput(encodeDate: encodeDate)
        try output.encodeTopLevel(value)
        if output.failed { throw Unsupported() }
        return output.bytes
    }
}

/// One encoding's state: the bytes written so far, the containers still open (innermost last)
/// and, for each value being encoded, what it opened.
final class JSONOutput {
    /// The output. Like every growing part below, kept behind a pointer: a class's stored
    /// properties are checked for exclusive access at run time on every access, which was a
    /// quarter of this encoder's time; only the one encoding that owns them ever touches them.
    var bytes: [UInt8] {
        unsafeAddress { UnsafePointer(storage.bytes.pointer) }
        unsafeMutableAddress { storage.bytes.pointer }
    }
    let encodeDate: (Date) throws -> String

    /// An open object or array.
    struct Frame {
        let id: Int
        let isObject: Bool
        /// Where the container's first member starts (after `{` or `[`).
        let start: Int
        var count = 0
        /// For an object: its members' entries in `members` start here.
        let firstMember: Int
        /// For an object: whether its keys arrived in sorted order so far.
        var sorted = true
    }
    var frames: [Frame] {
        unsafeAddress { UnsafePointer(storage.frames.pointer) }
        unsafeMutableAddress { storage.frames.pointer }
    }
    /// One entry per member of every open object: its key and where it starts in `bytes`.
    var members: [(key: String, start: Int)] {
        unsafeAddress { UnsafePointer(storage.members.pointer) }
        unsafeMutableAddress { storage.members.pointer }
    }
    private var nextFrameID = 0

    /// The state of each value being encoded, innermost last: what it opened, if anything.
    enum Slot { case empty, single, container(depth: Int) }
    var slots: [Slot] {
        unsafeAddress { UnsafePointer(storage.slots.pointer) }
        unsafeMutableAddress { storage.slots.pointer }
    }
    /// Set where a container could not be made (no error can be thrown there); checked at the end.
    var failed = false

    /// Where `sortMembers` puts an object's members in order before copying them back.
    private var scratch: [UInt8] {
        unsafeAddress { UnsafePointer(storage.scratch.pointer) }
        unsafeMutableAddress { storage.scratch.pointer }
    }

    private struct Storage {
        let bytes = Cell<[UInt8]>()
        let scratch = Cell<[UInt8]>()
        let frames = Cell<[Frame]>()
        let members = Cell<[(key: String, start: Int)]>()
        let slots = Cell<[Slot]>()

        func free() {
            bytes.free()
            scratch.free()
            frames.free()
            members.free()
            slots.free()
        }
    }
    private let storage = Storage()
    deinit { storage.free() }

    init(encodeDate: @escaping (Date) throws -> String) {
        self.encodeDate = encodeDate
        bytes.reserveCapacity(4096)
    }

    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        if try writeSpecial(value) { return }
        slots.append(.empty)
        try value.encode(to: StreamEncoder(output: self, slot: 0))
        guard case .container(let depth) = slots.removeLast() else {
            // A scalar at the top is written. A value that wrote nothing is left to Foundation's
            // encoder, which throws the error that says so.
            if bytes.isEmpty { throw JSONBodyEncoder.Unsupported() }
            return
        }
        try close(downTo: depth)
    }

    /// Encodes a nested value in place: types with a fixed JSON form first, then the value's own
    /// `encode(to:)`, closing whatever it opened.
    func encodeNested<T: Encodable>(_ value: T) throws {
        if try writeSpecial(value) { return }
        let slot = slots.count
        slots.append(.empty)
        try value.encode(to: StreamEncoder(output: self, slot: slot))
        switch slots.removeLast() {
        case .empty: bytes.append(contentsOf: "{}".utf8)  // as Foundation: an empty object
        case .single: break
        case .container(let depth): try close(downTo: depth)
        }
    }

    /// The types Foundation's encoder writes in a fixed form rather than by `encode(to:)`.
    /// (Compared by metatype first: a dynamic cast per nested value costs more than the rest.)
    func writeSpecial<T: Encodable>(_ value: T) throws -> Bool {
        if T.self == Date.self { writeString(try encodeDate(unsafeBitCast(value, to: Date.self))) }
        else if T.self == String.self { writeString(unsafeBitCast(value, to: String.self)) }
        else if T.self == URL.self { writeString(unsafeBitCast(value, to: URL.self).absoluteString) }
        else if T.self == Decimal.self { bytes.append(contentsOf: unsafeBitCast(value, to: Decimal.self).description.utf8) }
        else if T.self == Data.self { writeString(unsafeBitCast(value, to: Data.self).base64EncodedString()) }
        else { return false }
        return true
    }

    // MARK: Containers

    /// For `superEncoder`, which streaming cannot follow: fails the encoding.
    func unsupportedEncoder() -> any Encoder {
        failed = true
        let scratch = JSONOutput(encodeDate: encodeDate)
        scratch.slots = [.empty]
        return StreamEncoder(output: scratch, slot: 0)
    }

    /// Opens an object or array for the value in `slot`; returns its frame's identity, or `nil`
    /// (and the encoding fails) where streaming cannot follow.
    func open(object: Bool, slot: Int) -> (id: Int, depth: Int)? {
        switch slots[slot] {
        case .single:
            failed = true
            return nil
        case .container(let depth):
            // A second container from the same encoder (an `allOf`'s parts): the same object.
            guard (try? close(downTo: depth + 1)) != nil, depth < frames.count, frames[depth].isObject == object else {
                failed = true
                return nil
            }
            return (frames[depth].id, depth)
        case .empty:
            nextFrameID += 1
            bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
            frames.append(Frame(id: nextFrameID, isObject: object, start: bytes.count, firstMember: members.count))
            slots[slot] = .container(depth: frames.count - 1)
            return (nextFrameID, frames.count - 1)
        }
    }

    /// Opens a nested container as the next member of the frame at `depth`.
    func openNested(object: Bool, key: (any CodingKey)?, in frame: (id: Int, depth: Int)?) -> (id: Int, depth: Int)? {
        guard let frame, (try? beginMember(key: key, in: frame)) != nil else {
            failed = true
            return nil
        }
        nextFrameID += 1
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        frames.append(Frame(id: nextFrameID, isObject: object, start: bytes.count, firstMember: members.count))
        return (nextFrameID, frames.count - 1)
    }

    /// Makes the frame at `depth` the innermost (closing deeper ones) and writes the separator
    /// and, for an object, the key.
    func beginMember(key: (any CodingKey)?, in frame: (id: Int, depth: Int)) throws {
        try close(downTo: frame.depth + 1)
        guard frame.depth < frames.count, frames[frame.depth].id == frame.id else { throw JSONBodyEncoder.Unsupported() }
        if frames[frame.depth].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[frame.depth].count += 1
        if let key {
            let name = key.stringValue
            if frames[frame.depth].sorted, members.count > frames[frame.depth].firstMember,
               !precedes(members[members.count - 1].key, name) {
                frames[frame.depth].sorted = false
            }
            members.append((name, bytes.count))
            writeString(name)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Closes every frame at `depth` and deeper, innermost first.
    func close(downTo depth: Int) throws {
        while frames.count > depth {
            let frame = frames.removeLast()
            if frame.isObject {
                if !frame.sorted { try sortMembers(of: frame) }
                members.removeSubrange(frame.firstMember...)
                bytes.append(UInt8(ascii: "}"))
            } else {
                bytes.append(UInt8(ascii: "]"))
            }
        }
    }

    /// Foundation's `.sortedKeys` order: by UTF-8 bytes (not `String`'s `<`, which orders by
    /// canonical equivalence and differs for some keys; the property test found one).
    private func precedes(_ first: String, _ second: String) -> Bool {
        first.utf8.lexicographicallyPrecedes(second.utf8)
    }

    /// Rewrites an object's members in key order,
    /// through a scratch buffer kept between objects.
    private func sortMembers(of frame: Frame) throws {
        let first = frame.firstMember
        let end = bytes.count
        var order = Array(first..<members.count)
        order.sort { precedes(members[$0].key, members[$1].key) }
        for (a, b) in zip(order, order.dropFirst()) where members[a].key == members[b].key {
            throw JSONBodyEncoder.Unsupported()  // a key written twice: Foundation keeps the last
        }
        scratch.removeAll(keepingCapacity: true)
        for index in order {
            // A member ends where the next one's comma is, or at the object's end.
            let next = index + 1 < members.count ? members[index + 1].start - 1 : end
            if !scratch.isEmpty { scratch.append(UInt8(ascii: ",")) }
            let start = members[index].start
            bytes.withUnsafeBufferPointer { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<next])) }
        }
        bytes.withUnsafeMutableBufferPointer { target in
            scratch.withUnsafeBufferPointer { source in
                _ = UnsafeMutableBufferPointer(rebasing: target[frame.start..<end]).update(fromContentsOf: source)
            }
        }
    }

    // MARK: Scalars

    private static let hexDigits = Array("0123456789abcdef".utf8)

    func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                let escape: StaticString?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "/"): escape = "\\/"  // as Foundation's encoder, by default
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x00..<0x20: escape = nil
                default: continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                if let escape {
                    escape.withUTF8Buffer { bytes.append(contentsOf: $0) }
                } else {
                    bytes.append(contentsOf: "\\u00".utf8)
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func writeInteger<T: BinaryInteger>(_ value: T) {
        bytes.append(contentsOf: value.description.utf8)
    }

    func writeFloat<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T) throws {
        guard value.isFinite else { throw JSONBodyEncoder.Unsupported() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    func writeBool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    func writeNull() { bytes.append(contentsOf: "null".utf8) }
}

/// An empty collection behind a pointer, read and written in place: no run-time exclusivity
/// check, which a class's stored property pays on every access.
private struct Cell<Value: RangeReplaceableCollection> {
    let pointer = UnsafeMutablePointer<Value>.allocate(capacity: 1)

    init() { pointer.initialize(to: Value()) }

    func free() {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
