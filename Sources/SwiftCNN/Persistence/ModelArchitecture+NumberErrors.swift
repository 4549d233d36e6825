import Foundation

extension ModelArchitecture {
    /// ``describe(_:)`` for an error decoding `json`. Foundation's decoder calls JSON it can parse "not
    /// valid JSON" when a number does not fit the field's type; this says which number instead.
    static func describe(_ error: Error, in json: String) -> String {
        guard case DecodingError.dataCorrupted = error,
              (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil
        else { return describe(error) }
        guard let number = firstUnrepresentableNumber(in: json) else {
            return "a number does not fit its field (a fraction where a whole number belongs, a negative seed, "
                + "or a value out of range)"
        }
        return "the number \(number) is out of range for its field"
    }

    /// The number that Foundation's JSON decoder names in the error it throws for a number no Swift type
    /// can hold (`numberIsNotRepresentableInSwift(parsed: "1e999")`), or nil for another error.
    static func unrepresentableNumber(in error: Error) -> String? {
        let text = "\(error)"
        guard text.hasPrefix("numberIsNotRepresentableInSwift(parsed: \""), text.hasSuffix("\")") else { return nil }
        return String(text.dropFirst("numberIsNotRepresentableInSwift(parsed: \"".count).dropLast(2))
    }

    /// The first number in `json` that no field of an architecture can hold: a whole number beyond
    /// 64 bits, or one beyond `Float`'s range.
    private static func firstUnrepresentableNumber(in json: String) -> String? {
        var index = json.startIndex
        var inString = false, escaped = false
        while index < json.endIndex {
            let character = json[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                index = json.index(after: index)
                continue
            }
            if character == "\"" {
                inString = true
                index = json.index(after: index)
                continue
            }
            guard character == "-" || character.isASCII && character.isNumber else {
                index = json.index(after: index)
                continue
            }
            let end = json[index...].firstIndex { !("0123456789+-.eE".contains($0)) } ?? json.endIndex
            let token = String(json[index..<end])
            let isWhole = !token.contains(where: { ".eE".contains($0) })
            if isWhole ? Int64(token) == nil && UInt64(token) == nil : !(Float(token)?.isFinite ?? false) {
                return token
            }
            index = end
        }
        return nil
    }
}
