import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        try await accounts.changePassword(try APIRequest.principal(), current: body.currentPassword, new: body.newPassword)
        return .noContent(.init())
    }

    func changeEmail(_ input: Operations.ChangeEmail.Input) async throws -> Operations.ChangeEmail.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let pending = try await accounts.requestEmailChange(try APIRequest.principal(), email: body.email, password: body.password)
        return .accepted(.init(body: .json(.init(email: pending.email, expiresAt: pending.expiresAt))))
    }

    func resendEmailVerification(_ input: Operations.ResendEmailVerification.Input) async throws -> Operations.ResendEmailVerification.Output {
        try await accounts.resendEmailVerification(try APIRequest.principal())
        return .accepted(.init())
    }

    func confirmEmailVerification(_ input: Operations.ConfirmEmailVerification.Input) async throws -> Operations.ConfirmEmailVerification.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("token", address: request.clientAddress)
        let (email, verifiedAt) = try await accounts.confirmEmail(token: body.token, requestID: request.requestID)
        return .ok(.init(body: .json(.init(email: email, verifiedAt: verifiedAt))))
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("password-reset", address: request.clientAddress)
        try await accounts.requestPasswordReset(tenantSlug: body.tenantSlug, email: body.email, source: request.clientAddress,
                                                requestID: request.requestID)
        return .accepted(.init())
    }

    func confirmPasswordReset(_ input: Operations.ConfirmPasswordReset.Input) async throws -> Operations.ConfirmPasswordReset.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("token", address: request.clientAddress)
        try await accounts.confirmPasswordReset(token: body.token, password: body.password, requestID: request.requestID)
        return .noContent(.init())
    }

    func startTOTPEnrolment(_ input: Operations.StartTOTPEnrolment.Input) async throws -> Operations.StartTOTPEnrolment.Output {
        let enrolment = try await accounts.startTOTPEnrolment(try APIRequest.principal())
        return .created(.init(body: .json(.init(secret: enrolment.secret, otpauthUri: enrolment.uri,
                                                expiresAt: enrolment.expiresAt))))
    }

    func confirmTOTPEnrolment(_ input: Operations.ConfirmTOTPEnrolment.Input) async throws -> Operations.ConfirmTOTPEnrolment.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let codes = try await accounts.confirmTOTPEnrolment(try APIRequest.principal(), code: body.code)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func disableMFA(_ input: Operations.DisableMFA.Input) async throws -> Operations.DisableMFA.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        try await accounts.disableMFA(try APIRequest.principal(), code: body.code)
        return .noContent(.init())
    }

    func regenerateRecoveryCodes(_ input: Operations.RegenerateRecoveryCodes.Input) async throws -> Operations.RegenerateRecoveryCodes.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let codes = try await accounts.regenerateRecoveryCodes(try APIRequest.principal(), code: body.code)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        let tenant = try await accounts.tenant(try APIRequest.principal())
        return .ok(.init(headers: .init(eTag: Self.etag(tenant.version)), body: .json(.init(tenant))))
    }

    func updateTenant(_ input: Operations.UpdateTenant.Input) async throws -> Operations.UpdateTenant.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let principal = try APIRequest.principal()
        let version = try Self.expectedVersion(input.headers.ifMatch)
        guard body.name != nil || body.requireMfa != nil else {
            throw AppError.validation([FieldError(field: "body", code: "empty_change",
                                                  message: "Send at least one of name and require_mfa.")])
        }
        let tenant = try await accounts.updateTenant(principal, expectedVersion: version,
                                                     change: TenantChange(name: body.name, requireMFA: body.requireMfa))
        return .ok(.init(headers: .init(eTag: Self.etag(tenant.version)), body: .json(.init(tenant))))
    }
}
