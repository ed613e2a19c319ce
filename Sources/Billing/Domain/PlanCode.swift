import Kernel

/// A plan's code: 2 to 40 of a-z, 0-9 and '-', starting with a letter (the spec's pattern). A
/// code of another shape names no plan; a change naming one is refused as invalid before
/// anything is read.
enum PlanCode {
    static func isValid(_ code: String) -> Bool {
        (2...40).contains(code.count) && code.first.map { ("a"..."z").contains($0) } == true
            && code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func validate(_ code: String, field: String = "plan") throws {
        guard isValid(code) else {
            throw AppError.validation([FieldError(field: field, code: "invalid_plan_code",
                                                  message: "A plan code is 2 to 40 of a-z, 0-9 and '-', starting with a letter.")])
        }
    }
}
