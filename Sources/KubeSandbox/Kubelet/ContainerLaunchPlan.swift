import CNPGCore

/// How one container is started: `kube-sandbox-exec` arguments that build its root from read-only
/// host system directories, the pod's volumes and the image's files, then run its command as its user.
struct ContainerLaunchPlan: Equatable {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    struct Mount: Equatable {
        var source: String
        var target: String
        var readOnly: Bool
    }

    /// Host directories every container sees read-only (the "image" layers).
    static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"]

    var rootDirectory: String
    /// The image's root filesystem, whose system directories replace the host's (ImageMap `root`).
    var imageRoot: String?
    var hostname: String
    var mounts: [Mount]
    var uid: Int64
    var gid: Int64
    var groups: [Int64]
    var workingDirectory: String
    var readOnlyRoot: Bool
    var command: [String]

    /// Files the kubelet writes for the pod and mounts over the host's: /etc/hosts, /etc/passwd, /etc/group.
    struct PodFiles: Equatable {
        var hosts: String
        var passwd: String
        var group: String
    }

    static func make(
        pod: PodSpec, podName: String, container: Container, image: ImageMap.Entry, environment: [(String, String)],
        volumeDirectories: [String: String], podFiles: PodFiles, rootDirectory: String
    ) throws(Failure) -> ContainerLaunchPlan {
        let podContext = pod.securityContext
        let context = container.securityContext
        let uid = context?.runAsUser ?? podContext?.runAsUser ?? 0
        if (context?.runAsNonRoot ?? podContext?.runAsNonRoot) == true, uid == 0 {
            throw Failure(description: "container has runAsNonRoot and image will run as root (pod: \"\(podName)\", container: \(container.name))")
        }
        let gid = context?.runAsGroup ?? podContext?.runAsGroup ?? image.users?.first(where: { $0.uid == uid })?.gid ?? 0
        var groups = [gid]
        if let fsGroup = podContext?.fsGroup, !groups.contains(fsGroup) { groups.append(fsGroup) }
        for extra in podContext?.supplementalGroups ?? [] where !groups.contains(extra) { groups.append(extra) }

        var mounts = [
            Mount(source: podFiles.hosts, target: "/etc/hosts", readOnly: true),
            Mount(source: podFiles.passwd, target: "/etc/passwd", readOnly: true),
            Mount(source: podFiles.group, target: "/etc/group", readOnly: true),
        ]
        for (target, source) in (image.files ?? [:]).sorted(by: { $0.key < $1.key }) {
            mounts.append(Mount(source: source, target: target, readOnly: true))
        }
        for mount in container.volumeMounts ?? [] {
            guard let directory = volumeDirectories[mount.name] else {
                throw Failure(description: "volume \"\(mount.name)\" of container \(container.name) is not declared by the pod")
            }
            guard mount.mountPath.hasPrefix("/"), !mount.mountPath.split(separator: "/").contains("..") else {
                throw Failure(description: "volumeMounts[\(mount.name)].mountPath must be an absolute path without '..'")
            }
            var source = directory
            if let subPath = mount.subPath, !subPath.isEmpty {
                guard !subPath.hasPrefix("/"), !subPath.split(separator: "/").contains("..") else {
                    throw Failure(description: "volumeMounts[\(mount.name)].subPath must be a relative path without '..'")
                }
                source += "/" + subPath
            }
            mounts.append(Mount(source: source, target: mount.mountPath, readOnly: mount.readOnly ?? false))
        }

        let variables = Dictionary(environment, uniquingKeysWith: { _, last in last })
        let expand = { (items: [String]) in items.map { ContainerEnvironment.expand($0, with: variables) } }
        let command: [String]
        if let declared = container.command, !declared.isEmpty {
            command = expand(declared) + expand(container.args ?? [])
        } else if let entrypoint = image.entrypoint, !entrypoint.isEmpty {
            command = entrypoint + expand(container.args ?? [])
        } else if let arguments = container.args, !arguments.isEmpty {
            command = expand(arguments)
        } else {
            throw Failure(description: "container \(container.name) has no command and image \(container.image ?? "") has no entrypoint in the image map")
        }
        return ContainerLaunchPlan(
            rootDirectory: rootDirectory, imageRoot: image.root, hostname: pod.hostname ?? podName, mounts: mounts, uid: uid, gid: gid,
            groups: groups, workingDirectory: container.workingDir ?? "/",
            readOnlyRoot: context?.readOnlyRootFilesystem ?? false, command: command)
    }

    /// The helper's command line.
    func arguments(pidFile: String) -> [String] {
        var arguments = ["--root", rootDirectory, "--hostname", hostname]
        if let imageRoot { arguments += ["--image-root", imageRoot] }
        for path in Self.systemPaths { arguments += ["--system", path] }
        for mount in mounts { arguments += [mount.readOnly ? "--bind-ro" : "--bind", mount.source, mount.target] }
        if readOnlyRoot { arguments.append("--read-only-root") }
        arguments += [
            "--uid", String(uid), "--gid", String(gid), "--groups", groups.map(String.init).joined(separator: ","),
            "--workdir", workingDirectory, "--pid-file", pidFile, "--",
        ]
        return arguments + command
    }

    /// /etc/passwd and /etc/group for a pod: the host's accounts, with the image's accounts replacing
    /// any of the same name or id, and an entry for a uid that would otherwise have none (tools such
    /// as initdb refuse to run without one).
    static func accountFiles(hostPasswd: String, hostGroup: String, imageUsers: [ImageMap.User], runAs uid: Int64, gid: Int64) -> (
        passwd: String, group: String
    ) {
        var users = imageUsers
        if !users.contains(where: { $0.uid == uid }),
            !hostPasswd.split(separator: "\n").contains(where: {
                $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first == Substring(String(uid))
            })
        {
            users.append(ImageMap.User(name: "uid\(uid)", uid: uid, gid: gid, home: "/"))
        }
        // Host entries named or numbered like an image account give way to it.
        let hostLines = { (text: String, names: Set<String>, ids: Set<String>) -> [String] in
            text.split(separator: "\n").filter { line in
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                return fields.count >= 3 && !names.contains(String(fields[0])) && !ids.contains(String(fields[2]))
            }.map(String.init)
        }
        var passwd = hostLines(hostPasswd, Set(users.map(\.name)), Set(users.map { String($0.uid) }))
        passwd += users.map { "\($0.name):x:\($0.uid):\($0.gid)::\($0.home ?? "/"):/bin/sh" }
        var group = hostLines(hostGroup, Set(users.map(\.name)), Set(users.map { String($0.gid) }))
        var seenGroups: Set<Int64> = []
        for user in users where seenGroups.insert(user.gid).inserted { group.append("\(user.name):x:\(user.gid):") }
        return (passwd.joined(separator: "\n") + "\n", group.joined(separator: "\n") + "\n")
    }
}
