import CNPGCore
import Foundation

/// Makes a pod's volumes real as host directories: emptyDirs in the pod's directory, PVCs in their
/// bound directories, Secrets, ConfigMaps, downward API and service-account tokens written as files.
struct PodVolumes {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// Worth retrying (the PVC is not bound yet, the Secret not created yet).
        var transient: Bool
    }

    let client: LoopbackKubeClient
    let podDirectory: URL
    let persistentVolumes: PersistentVolumePaths

    /// Volume name -> host directory; content volumes are (re)written on every call.
    func prepare(pod: JSONValue, spec: PodSpec) async throws(Failure) -> [String: String] {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        let fsGroup = spec.securityContext?.fsGroup
        var directories: [String: String] = [:]
        for volume in spec.volumes ?? [] {
            let directory = podDirectory.appendingPathComponent("volumes").appendingPathComponent(volume.name)
            if let claim = volume.persistentVolumeClaim {
                directories[volume.name] = try await persistentDirectory(namespace: namespace, claim: claim.claimName, fsGroup: fsGroup)
            } else if volume.emptyDir != nil || volume.ephemeral != nil {
                try Self.makeDirectory(directory, mode: 0o777)
                directories[volume.name] = directory.path
            } else if let hostPath = volume.hostPath {
                directories[volume.name] = hostPath.path
            } else {
                let files = try await contentFiles(of: volume, pod: pod, spec: spec, namespace: namespace)
                try Self.makeDirectory(directory, mode: 0o755)
                try Self.write(files, into: directory, group: fsGroup)
                directories[volume.name] = directory.path
            }
        }
        return directories
    }

    func persistentDirectory(namespace: String, claim: String, fsGroup: Int64?) async throws(Failure) -> String {
        let pvc: JSONValue
        do {
            pvc = try await client.get(.persistentVolumeClaims, namespace: namespace, name: claim)
        } catch {
            throw Failure(description: "persistentvolumeclaim \"\(claim)\" not found", transient: true)
        }
        guard pvc["status"]?["phase"]?.stringValue == "Bound", let uid = pvc["metadata"]?["uid"]?.stringValue else {
            throw Failure(description: "persistentvolumeclaim \"\(claim)\" is not bound yet", transient: true)
        }
        let directory = persistentVolumes.directory(namespace: namespace, claim: claim, uid: uid)
        try Self.makeDirectory(directory, mode: 0o777)
        if let fsGroup {
            // fsGroupChangePolicy OnRootMismatch: the volume's root joins the group, setgid so new files follow.
            chown(directory.path, uid_t.max, gid_t(fsGroup))
            chmod(directory.path, 0o2775)
        }
        return directory.path
    }

    /// File path -> (content, mode) for Secret, ConfigMap, downward API and projected volumes.
    func contentFiles(of volume: Volume, pod: JSONValue, spec: PodSpec, namespace: String) async throws(Failure) -> [String: (Data, Int32)] {
        if let secret = volume.secret {
            let data = try await objectData(.secrets, namespace: namespace, name: secret.secretName ?? "", optional: secret.optional == true)
            return try Self.select(data, items: secret.items, defaultMode: secret.defaultMode ?? 0o644, source: "secret \(secret.secretName ?? "")")
        }
        if let configMap = volume.configMap {
            let data = try await objectData(.configMaps, namespace: namespace, name: configMap.name ?? "", optional: configMap.optional == true)
            return try Self.select(data, items: configMap.items, defaultMode: configMap.defaultMode ?? 0o644, source: "configmap \(configMap.name ?? "")")
        }
        if let downward = volume.downwardAPI {
            return try Self.downwardFiles(downward.items ?? [], pod: pod, defaultMode: downward.defaultMode ?? 0o644)
        }
        if let projected = volume.projected {
            let mode = projected.defaultMode ?? 0o644
            var files: [String: (Data, Int32)] = [:]
            for source in projected.sources ?? [] {
                if let secret = source.secret {
                    let data = try await objectData(.secrets, namespace: namespace, name: secret.name ?? "", optional: secret.optional == true)
                    files.merge(try Self.select(data, items: secret.items, defaultMode: mode, source: "secret \(secret.name ?? "")")) { _, new in new }
                }
                if let configMap = source.configMap {
                    let data = try await objectData(.configMaps, namespace: namespace, name: configMap.name ?? "", optional: configMap.optional == true)
                    files.merge(try Self.select(data, items: configMap.items, defaultMode: mode, source: "configmap \(configMap.name ?? "")")) { _, new in new }
                }
                if let downward = source.downwardAPI {
                    files.merge(try Self.downwardFiles(downward.items ?? [], pod: pod, defaultMode: mode)) { _, new in new }
                }
                if let token = source.serviceAccountToken {
                    let account = spec.serviceAccountName ?? "default"
                    do {
                        let value = try await client.requestToken(
                            serviceAccount: account, namespace: namespace,
                            expirationSeconds: max(600, token.expirationSeconds ?? 3607),
                            pod: pod["metadata"]?["name"]?.stringValue ?? "")
                        files[token.path] = (Data(value.utf8), mode)
                    } catch {
                        throw Failure(description: "cannot issue a token for serviceaccount \(namespace)/\(account): \(error)", transient: true)
                    }
                }
            }
            return files
        }
        throw Failure(description: "volume \(volume.name) has a type the sandbox does not support", transient: false)
    }

    func objectData(_ type: ResourceType, namespace: String, name: String, optional: Bool) async throws(Failure) -> [String: Data] {
        let object: JSONValue
        do {
            object = try await client.get(type, namespace: namespace, name: name)
        } catch {
            if optional { return [:] }
            throw Failure(description: "\(type.singular) \"\(name)\" not found", transient: true)
        }
        var data: [String: Data] = [:]
        for (key, value) in object["data"]?.objectMembers ?? [] {
            guard let text = value.stringValue else { continue }
            data[key] = type.plural == "secrets" ? (Data(base64Encoded: text) ?? Data()) : Data(text.utf8)
        }
        if type.plural == "configmaps" {
            for (key, value) in object["binaryData"]?.objectMembers ?? [] {
                if let text = value.stringValue, let decoded = Data(base64Encoded: text) { data[key] = decoded }
            }
        }
        return data
    }

    static func select(_ data: [String: Data], items: [KeyToPath]?, defaultMode: Int32, source: String) throws(Failure) -> [String: (Data, Int32)] {
        guard let items, !items.isEmpty else { return data.mapValues { ($0, defaultMode) } }
        var files: [String: (Data, Int32)] = [:]
        for item in items {
            guard let value = data[item.key] else {
                throw Failure(description: "\(source) has no key \(item.key)", transient: true)
            }
            files[item.path] = (value, item.mode ?? defaultMode)
        }
        return files
    }

    static func downwardFiles(_ items: [DownwardAPIVolumeFile], pod: JSONValue, defaultMode: Int32) throws(Failure) -> [String: (Data, Int32)] {
        var files: [String: (Data, Int32)] = [:]
        for item in items {
            guard let path = item.fieldRef?.fieldPath else { continue }
            let value: String
            switch path {
            case "metadata.labels", "metadata.annotations":
                let key = path == "metadata.labels" ? "labels" : "annotations"
                value = (pod["metadata"]?[key]?.objectMembers ?? []).map { "\($0.0)=\"\($0.1.stringValue ?? "")\"" }.sorted().joined(separator: "\n")
            default:
                var current: JSONValue? = pod
                for component in path.split(separator: ".") { current = current?[String(component)] }
                guard let text = current?.stringValue else {
                    throw Failure(description: "downward API field \(path) is not supported", transient: false)
                }
                value = text
            }
            files[item.path] = (Data(value.utf8), item.mode ?? defaultMode)
        }
        return files
    }

    static func makeDirectory(_ url: URL, mode: Int) throws(Failure) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        } catch {
            throw Failure(description: "cannot create \(url.path): \(error)", transient: false)
        }
    }

    /// Writes each file atomically and removes files that are no longer projected.
    static func write(_ files: [String: (Data, Int32)], into directory: URL, group: Int64?) throws(Failure) {
        for (path, (content, mode)) in files {
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw Failure(description: "volume file path \(path) must be relative without '..'", transient: false)
            }
            let url = directory.appendingPathComponent(path)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: temporary)
                chmod(temporary.path, mode_t(mode))
                if let group { chown(temporary.path, uid_t.max, gid_t(group)) }
                _ = rename(temporary.path, url.path)
            } catch {
                throw Failure(description: "cannot write \(url.path): \(error)", transient: false)
            }
        }
        let wanted = Set(files.keys.map { $0.split(separator: "/").first.map(String.init) ?? $0 })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where !wanted.contains(name) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
