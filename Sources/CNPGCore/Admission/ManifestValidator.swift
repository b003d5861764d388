/// The `cnpg-operator validate` logic, free of I/O: manifests in, report lines and an exit status out.
public struct ManifestValidator: Sendable {
    public enum Status: Int32, Sendable, Comparable {
        case valid = 0
        case invalid = 1
        case unreadable = 2
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct FileReport: Sendable {
        public var lines: [String] = []
        public var defaulted: [JSONValue] = []
        public var status: Status = .valid
    }

    public var configuration: OperatorConfiguration

    public init(configuration: OperatorConfiguration = OperatorConfiguration()) {
        self.configuration = configuration
    }

    public func validate(text: String, label: String) -> FileReport {
        var report = FileReport()
        let documents: [YAMLDocument]
        do {
            documents = try YAMLLoader.documents(from: text)
        } catch {
            report.lines.append("\(label): cannot parse: \(error)")
            report.status = .unreadable
            return report
        }
        for document in documents {
            guard document.value.objectMembers != nil else {
                report.lines.append("\(label): line \(document.line): cannot parse: a Kubernetes object must be a mapping")
                report.status = .unreadable
                continue
            }
            switch Admission.review(document.value, configuration: configuration) {
            case .skipped(let apiVersion, let kind):
                let name = document.value["metadata"]?["name"]?.stringValue ?? "<unnamed>"
                let what = kind ?? "<no kind>"
                report.lines.append("\(label): \(what)/\(name): skipped (not a \(CNPG.group) kind\(apiVersion == nil ? ", no apiVersion" : ""))")
            case .reviewed(let result):
                let subject = "\(label): \(result.kind)/\(result.name)"
                if result.isValid {
                    report.lines.append("\(subject): valid")
                    if let defaulted = result.defaulted { report.defaulted.append(defaulted) }
                } else {
                    report.lines.append("\(subject): invalid")
                    report.status = max(report.status, .invalid)
                }
                report.lines += result.errors.map { "  - \($0)" }
                report.lines += result.unknownFields.map { "  warning: \($0): unknown field" }
                report.lines += result.warnings.map { "  warning: \($0)" }
            }
        }
        return report
    }

    /// Renders defaulted objects: YAML documents, or JSON (a `List` when there are several).
    public static func render(_ objects: [JSONValue], format: String) -> String {
        if format == "json" {
            let value: JSONValue =
                objects.count == 1
                ? objects[0]
                : .object([("apiVersion", .string("v1")), ("kind", .string("List")), ("items", .array(objects))])
            return JSONText.serialize(value, pretty: true) + "\n"
        }
        return YAMLWriter.render(documents: objects)
    }
}
