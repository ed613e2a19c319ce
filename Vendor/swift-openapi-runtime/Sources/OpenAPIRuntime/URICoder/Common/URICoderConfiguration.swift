//===----------------------------------------------------------------------===//
//
// This source file is part of the SwiftOpenAPIGenerator open source project
//
// Copyright (c) 2023 Apple Inc. and the SwiftOpenAPIGenerator project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of SwiftOpenAPIGenerator project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A bag of configuration values used by the URI encoder and decoder.
struct URICoderConfiguration {

    /// A variable expansion style as described by RFC 6570 and OpenAPI 3.0.4.
    enum Style {

        /// A style for simple string variable expansion.
        ///
        /// The whole string always belongs to the root key.
        case simple

        /// A style for form-based URI expansion.
        ///
        /// Only some key/value pairs can belong to the root key, rest are ignored.
        case form

        /// A style for nested variable expansion
        ///
        /// Only some key/value pairs can belong to the root key, rest are ignored.
        case deepObject
    }

    /// A character used to escape the space character when encoding.
    enum SpaceEscapingCharacter: String {

        /// A percent encoded value for the space character.
        case percentEncoded = "%20"

        /// The plus character.
        case plus = "+"
    }

    /// The characters treated as an escaped space character when decoding.
    enum SpaceUnescapingCharacters {

        /// Only the percent encoded value `%20` is decoded as a space.
        case onlyPercentEncoded

        /// Both the percent encoded value `%20` and the plus character `+`
        /// are decoded as a space.
        case percentEncodedAndPlus
    }

    /// The variable expansion style.
    var style: Style

    /// A Boolean value indicating whether the key should be repeated with
    /// each value, as described by RFC 6570 and OpenAPI 3.0.4.
    var explode: Bool

    /// The character used to escape the space character when encoding.
    var spaceEscapingCharacter: SpaceEscapingCharacter

    /// The characters treated as an escaped space character when decoding.
    var spaceUnescapingCharacters: SpaceUnescapingCharacters

    /// The coder used for serializing the Date type.
    var dateTranscoder: any DateTranscoder
}
