/// A TOML array: a value written `[1, 2]`, or an array of tables built up by `[[name]]`
/// headers. A class so that each `[[name]]` can add a table to the array it names.
final class TOMLArray {
    private(set) var elements: [TOMLValue]
    /// True for `[[name]]` arrays, which later headers may extend; false for an array
    /// written as a value, which is complete as written.
    let isArrayOfTables: Bool

    init(elements: [TOMLValue] = [], isArrayOfTables: Bool) {
        self.elements = elements
        self.isArrayOfTables = isArrayOfTables
    }

    var count: Int { elements.count }

    subscript(index: Int) -> TOMLValue { elements[index] }

    func append(_ value: TOMLValue) {
        elements.append(value)
    }
}
