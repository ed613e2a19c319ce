//===----------------------------------------------------------------------===//
//
// This source file is part of the SwiftOpenAPIGenerator open source project
//
// Copyright (c) 2026 Apple Inc. and the SwiftOpenAPIGenerator project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of SwiftOpenAPIGenerator project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#if compiler(>=6.2)
// swift-format-ignore: AllPublicDeclarationsHaveDocumentation
public typealias _OpenAPIRuntimeSendableMetatype = SendableMetatype
#else
// swift-format-ignore: AllPublicDeclarationsHaveDocumentation
public typealias _OpenAPIRuntimeSendableMetatype = Any
#endif
