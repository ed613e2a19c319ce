import Foundation
import OpenAPIRuntime

/// The `/v1` bodies' JSON, through the runtime's `jsonCoder` hook (Vendor/swift-openapi-runtime,
/// KEEL.patch): answers written by `JSONBodyEncoder`, the same bytes Foundation's encoder writes
/// with sorted keys in about a third of the time; requests read by Foundation's decoder, as
/// before.
///
/// Where the streaming encoder cannot follow a value, Foundation's encoder writes it. In debug
/// builds (the tests, `make run`) every answer is also written by Foundation's encoder and the
/// two must match byte for byte, so a difference fails the test that made it, with the type named.
struct APIJSONCoder: CustomCoder {
    private let streaming: JSONBodyEncoder
    private let foundationEncoder: JSONEncoder
    private let decoder: JSONDecoder

    init(dateTranscoder: any DateTranscoder) {
        streaming = JSONBodyEncoder { try dateTranscoder.encode($0) }
        foundationEncoder = JSONEncoder()
        foundationEncoder.outputFormatting = .sortedKeys
        foundationEncoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try dateTranscoder.encode(date))
        }
        decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try dateTranscoder.decode(try decoder.singleValueContainer().decode(String.self))
        }
    }

    func customEncode<T: Encodable>(_ value: T) throws -> Data {
        let bytes: [UInt8]
        do {
            bytes = try streaming.encode(value)
        } catch is JSONBodyEncoder.Unsupported {
            return try foundationEncoder.encode(value)
        }
        #if DEBUG
        let expected = try foundationEncoder.encode(value)
        guard bytes.elementsEqual(expected) else {
            throw Mismatch(type: "\(T.self)", streamed: String(decoding: bytes, as: UTF8.self),
                           foundation: String(decoding: expected, as: UTF8.self))
        }
        #endif
        return Data(bytes)
    }

    func customDecode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder.decode(type, from: data)
    }

    /// Debug builds only: the streaming encoder wrote other bytes than Foundation's would have.
    struct Mismatch: Error, CustomStringConvertible {
        let type: String
        let streamed: String
        let foundation: String
        var description: String { "JSONBodyEncoder differs from JSONEncoder for \(type):\n\(streamed)\n\(foundation)" }
    }
}
