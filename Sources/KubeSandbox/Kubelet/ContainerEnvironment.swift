import CNPGCore

/// A container's environment as the kubelet computes it: the API server's service variables,
/// the image's variables, `envFrom`, then `env` (downward API, Secret and ConfigMap keys), with
/// `$(VAR)` references expanded as Kubernetes does.
struct ContainerEnvironment {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// What the pod knows about itself, for `fieldRef`.
    struct PodFacts {
        var name: String
        var namespace: String
        var uid: String
        var podIP: String
        var hostIP: String
        var nodeName: String
        var serviceAccountName: String
        var labels: [String: String]
        var annotations: [String: String]
    }

    var pod: PodFacts
    var apiServerHost: String
    var apiServerPort: Int
    /// Secret and ConfigMap data by name (already decoded); nil when the object does not exist.
    var secret: (String) -> [String: String]?
    var configMap: (String) -> [String: String]?

    func resolve(_ container: Container, image: ImageMap.Entry) throws(Failure) -> [(String, String)] {
        var result: [(String, String)] = []
        func set(_ name: String, _ value: String) {
            if let index = result.firstIndex(where: { $0.0 == name }) { result[index].1 = value } else { result.append((name, value)) }
        }
        let port = String(apiServerPort)
        for (name, value) in [
            ("KUBERNETES_SERVICE_HOST", apiServerHost), ("KUBERNETES_SERVICE_PORT", port),
            ("KUBERNETES_SERVICE_PORT_HTTPS", port), ("KUBERNETES_PORT", "tcp://\(apiServerHost):\(port)"),
            ("KUBERNETES_PORT_443_TCP", "tcp://\(apiServerHost):\(port)"), ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
            ("KUBERNETES_PORT_443_TCP_PORT", port), ("KUBERNETES_PORT_443_TCP_ADDR", apiServerHost),
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), ("HOSTNAME", pod.name),
        ] {
            set(name, value)
        }
        let imageVariables = ["POD_IP": pod.podIP, "POD_NAME": pod.name, "POD_NAMESPACE": pod.namespace]
        for (name, value) in (image.env ?? [:]).sorted(by: { $0.key < $1.key }) {
            set(name, Self.expand(value, with: imageVariables))
        }
        for source in container.envFrom ?? [] {
            let references: [(OptionalNameReference?, String, (String) -> [String: String]?)] = [
                (source.configMapRef, "configmap", configMap), (source.secretRef, "secret", secret),
            ]
            for case (let reference?, let kind, let lookup) in references {
                let name = reference.name ?? ""
                guard let data = lookup(name) else {
                    if reference.optional == true { continue }
                    throw Failure(description: "\(kind) \"\(name)\" not found")
                }
                for (key, value) in data.sorted(by: { $0.key < $1.key }) { set((source.prefix ?? "") + key, value) }
            }
        }
        for variable in container.env ?? [] {
            let known = Dictionary(result, uniquingKeysWith: { _, last in last })
            if let value = variable.value {
                set(variable.name, Self.expand(value, with: known))
            } else if let source = variable.valueFrom {
                if let value = try self.value(of: source, for: variable.name) { set(variable.name, value) }
            } else {
                set(variable.name, "")
            }
        }
        return result
    }

    func value(of source: EnvVarSource, for variable: String) throws(Failure) -> String? {
        if let field = source.fieldRef { return try fieldValue(field.fieldPath) }
        if let reference = source.secretKeyRef {
            return try keyValue(reference, kind: "secret", lookup: secret)
        }
        if let reference = source.configMapKeyRef {
            return try keyValue(reference, kind: "configmap", lookup: configMap)
        }
        if source.resourceFieldRef != nil { return "0" }
        throw Failure(description: "environment variable \(variable) has an unsupported valueFrom")
    }

    func keyValue(_ reference: OptionalKeySelector, kind: String, lookup: (String) -> [String: String]?) throws(Failure) -> String? {
        let name = reference.name ?? ""
        guard let data = lookup(name) else {
            if reference.optional == true { return nil }
            throw Failure(description: "\(kind) \"\(name)\" not found")
        }
        guard let value = data[reference.key] else {
            if reference.optional == true { return nil }
            throw Failure(description: "couldn't find key \(reference.key) in \(kind) \(pod.namespace)/\(name)")
        }
        return value
    }

    func fieldValue(_ path: String) throws(Failure) -> String {
        switch path {
        case "metadata.name": return pod.name
        case "metadata.namespace": return pod.namespace
        case "metadata.uid": return pod.uid
        case "status.podIP", "status.podIPs": return pod.podIP
        case "status.hostIP", "status.hostIPs": return pod.hostIP
        case "spec.nodeName": return pod.nodeName
        case "spec.serviceAccountName": return pod.serviceAccountName
        default:
            if let key = Self.subscriptKey(path, prefix: "metadata.labels") { return pod.labels[key] ?? "" }
            if let key = Self.subscriptKey(path, prefix: "metadata.annotations") { return pod.annotations[key] ?? "" }
            throw Failure(description: "unsupported fieldRef \(path)")
        }
    }

    /// `metadata.labels['key']` -> `key`.
    static func subscriptKey(_ path: String, prefix: String) -> String? {
        guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(prefix.count + 2).dropLast(2))
    }

    /// Kubernetes' `$(VAR)` expansion: known variables are replaced, `$$` escapes, unknown references stay.
    static func expand(_ text: String, with variables: [String: String]) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
            } else if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                let name = String(text[text.index(after: next)..<close])
                output += variables[name] ?? "$(\(name))"
                index = text.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return output
    }
}
