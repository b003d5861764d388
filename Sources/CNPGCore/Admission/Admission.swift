/// Offline admission of CNPG objects: what the API server and CNPG's webhooks together do to an
/// object on CREATE or UPDATE (schema defaults, mutating defaults, schema and webhook validation).
public enum Admission {
    public struct Report: Sendable {
        public var kind: String
        public var name: String
        public var errors: [FieldError] = []
        public var warnings: [String] = []
        /// Paths of fields the API does not know (Kubernetes prunes them; we warn).
        public var unknownFields: [String] = []
        /// The object after defaulting, when it could be decoded.
        public var defaulted: JSONValue?
        public var isValid: Bool { errors.isEmpty }
    }

    public enum Outcome: Sendable {
        case skipped(apiVersion: String?, kind: String?)
        case reviewed(Report)
    }

    /// The CRD schema of each kind, derived once.
    public static let schemas: [String: OpenAPISchema] = Dictionary(
        uniqueKeysWithValues: CRDGenerator.kinds.map { ($0.kind, $0.schema()) })

    public static func isCNPGKind(apiVersion: String?, kind: String?) -> Bool {
        guard let apiVersion, let kind else { return false }
        return apiVersion.hasPrefix(CNPG.group + "/") && schemas[kind] != nil
    }

    public static func review(
        _ document: JSONValue, old: JSONValue? = nil,
        configuration: OperatorConfiguration = OperatorConfiguration()
    ) -> Outcome {
        let apiVersion = document["apiVersion"]?.stringValue
        let kind = document["kind"]?.stringValue
        guard isCNPGKind(apiVersion: apiVersion, kind: kind), let kind, let schema = schemas[kind] else {
            return .skipped(apiVersion: apiVersion, kind: kind)
        }
        var report = Report(kind: kind, name: document["metadata"]?["name"]?.stringValue ?? "<unnamed>")
        if apiVersion != CNPG.apiVersion {
            report.errors.append(.notSupported(FieldPath("apiVersion"), apiVersion ?? "", [CNPG.apiVersion]))
            return .reviewed(report)
        }
        let withSchemaDefaults = SchemaDefaulter.apply(schema, to: document)
        switch kind {
        case Cluster.kind:
            admit(
                Cluster.self, withSchemaDefaults, old: old, schema: schema, into: &report,
                defaulting: { ClusterDefaulting.apply(to: &$0, configuration: configuration) },
                validate: ClusterValidation.validate, validateUpdate: ClusterValidation.validateUpdate)
        case Pooler.kind:
            admit(
                Pooler.self, withSchemaDefaults, old: old, schema: schema, into: &report, defaulting: { _ in },
                validate: PoolerValidation.validate, validateUpdate: PoolerValidation.validateUpdate)
        case Backup.kind:
            admit(
                Backup.self, withSchemaDefaults, old: old, schema: schema, into: &report, defaulting: { _ in },
                validate: BackupValidation.validate, validateUpdate: BackupValidation.validateUpdate)
        default:
            admit(
                ScheduledBackup.self, withSchemaDefaults, old: old, schema: schema, into: &report, defaulting: { _ in },
                validate: BackupValidation.validate, validateUpdate: BackupValidation.validateUpdate)
        }
        return .reviewed(report)
    }

    private static func admit<T: CNPGResource>(
        _ type: T.Type, _ document: JSONValue, old: JSONValue?, schema: OpenAPISchema, into report: inout Report,
        defaulting: (inout T) -> Void, validate: (T) -> ValidationResult, validateUpdate: (T, T) -> ValidationResult
    ) {
        report.errors += SchemaValidator.validate(document, against: schema)
        var object: T
        do {
            object = try ObjectCodec.decode(type, from: document)
        } catch {
            if !report.errors.contains(error) { report.errors.append(error) }
            return
        }
        report.unknownFields = ObjectCodec.unknownFields(original: document, decoded: ObjectCodec.encode(object))
        defaulting(&object)
        // The API server applies schema defaults again after mutating admission.
        let defaulted = SchemaDefaulter.apply(schema, to: ObjectCodec.encode(object))
        if let redecoded = try? ObjectCodec.decode(type, from: defaulted) { object = redecoded }
        report.defaulted = defaulted
        // Defaults can only add valid values, but check the result like the API server does after mutation.
        for error in SchemaValidator.validate(defaulted, against: schema) where !report.errors.contains(error) {
            report.errors.append(error)
        }
        if object.metadata.annotation(CNPGAnnotations.validation) == "disabled" {
            report.warnings.append("validation is disabled by the \(CNPGAnnotations.validation) annotation")
            return
        }
        let result: ValidationResult
        if let old, let oldObject = try? ObjectCodec.decode(type, from: SchemaDefaulter.apply(schema, to: old)) {
            var defaultedOld = oldObject
            defaulting(&defaultedOld)
            result = validateUpdate(defaultedOld, object)
        } else {
            result = validate(object)
        }
        report.errors += result.errors
        report.warnings += result.warnings
    }
}
