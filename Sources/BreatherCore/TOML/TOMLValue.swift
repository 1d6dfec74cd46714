/// One value of a TOML document and where it starts.
struct TOMLValue {
    enum Kind {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case dateTime(TOMLDateTime)
        case date(TOMLLocalDate)
        case time(TOMLLocalTime)
        case array(TOMLArray)
        case table(TOMLTable)
    }

    var kind: Kind
    /// The value's first character: its opening quote, bracket or digit. For a table
    /// opened by a `[header]` or `[[header]]`, the header's `[`.
    var position: TOMLPosition

    var string: String? {
        if case .string(let value) = kind { return value }
        return nil
    }

    var integer: Int64? {
        if case .integer(let value) = kind { return value }
        return nil
    }

    var table: TOMLTable? {
        if case .table(let value) = kind { return value }
        return nil
    }

    var array: TOMLArray? {
        if case .array(let value) = kind { return value }
        return nil
    }
}
