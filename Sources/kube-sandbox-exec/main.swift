// kube-sandbox-exec: starts one sandbox container. The kubelet runs it as root; it enters new mount,
// PID and UTS namespaces, builds the container's root from read-only binds of the host system
// directories plus the pod's volumes, chroots, drops to the container's user and execs the command.
//
// It stays single-threaded and free of Foundation on purpose: unshare(CLONE_NEWNS) fails in a
// process whose threads share their filesystem context.
import CSandboxExec

#if canImport(Glibc)
    import Glibc
#endif

struct Mount {
    var source: String
    var target: String
    var readOnly: Bool
}

struct Plan {
    var root = ""
    var hostname: String?
    var mounts: [Mount] = []
    var hostSystemPaths: [String] = []
    /// An image's root filesystem: the system paths come from it instead of the host.
    var imageRoot: String?
    var readOnlyRoot = false
    var uid: uid_t = 0
    var gid: gid_t = 0
    var groups: [gid_t] = []
    var workingDirectory = "/"
    var pidFile: String?
    var command: [String] = []
}

func fail(_ message: String) -> Never {
    let text = "kube-sandbox-exec: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(127)
}

func systemError(_ what: String) -> Never { fail("\(what): \(String(cString: strerror(errno)))") }

let usage = """
    usage: kube-sandbox-exec --root DIR [--hostname NAME] [--image-root DIR] [--system PATH]... [--bind SRC DST]... [--bind-ro SRC DST]...
                             [--read-only-root] [--uid N] [--gid N] [--groups N,N] [--workdir DIR] [--pid-file F] -- COMMAND [ARG]...
    """

func parse(_ arguments: [String]) -> Plan {
    var plan = Plan()
    var index = 1
    func value(_ name: String) -> String {
        index += 1
        guard index < arguments.count else { fail("\(name) needs a value\n\(usage)") }
        return arguments[index]
    }
    func number(_ name: String) -> UInt32 {
        let text = value(name)
        guard let parsed = UInt32(text) else { fail("\(name): '\(text)' is not a number") }
        return parsed
    }
    while index < arguments.count {
        let argument = arguments[index]
        switch argument {
        case "--root": plan.root = value(argument)
        case "--hostname": plan.hostname = value(argument)
        case "--system": plan.hostSystemPaths.append(value(argument))
        case "--image-root": plan.imageRoot = value(argument)
        case "--bind", "--bind-ro":
            let source = value(argument)
            plan.mounts.append(Mount(source: source, target: value(argument), readOnly: argument == "--bind-ro"))
        case "--read-only-root": plan.readOnlyRoot = true
        case "--uid": plan.uid = number(argument)
        case "--gid": plan.gid = number(argument)
        case "--groups":
            plan.groups = value(argument).split(separator: ",").map { text in
                guard let parsed = UInt32(text) else { fail("--groups: '\(text)' is not a number") }
                return parsed
            }
        case "--workdir": plan.workingDirectory = value(argument)
        case "--pid-file": plan.pidFile = value(argument)
        case "--":
            plan.command = Array(arguments[(index + 1)...])
            index = arguments.count
        default: fail("unknown argument '\(argument)'\n\(usage)")
        }
        index += 1
    }
    guard plan.root.hasPrefix("/") else { fail("--root must be an absolute directory\n\(usage)") }
    guard !plan.command.isEmpty else { fail("no command after --\n\(usage)") }
    if let imageRoot = plan.imageRoot, !imageRoot.hasPrefix("/") || !isDirectory(imageRoot) {
        fail("--image-root must be an existing absolute directory: \(imageRoot)")
    }
    return plan
}

func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

func makeDirectories(_ path: String) {
    var current = ""
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0, errno != EEXIST { systemError("mkdir \(current)") }
    }
}

/// A mount point in the new root shaped like its source: a directory, or an empty file.
func makeMountPoint(for source: String, at target: String) {
    if access(target, F_OK) == 0 { return }
    if isDirectory(source) {
        makeDirectories(target)
        return
    }
    let parent = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
    if !parent.isEmpty { makeDirectories(parent) }
    let descriptor = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
    if descriptor < 0 { systemError("create \(target)") }
    close(descriptor)
}

func bind(_ source: String, _ target: String, readOnly: Bool, recursive: Bool = true) {
    let flags = UInt(MS_BIND) | (recursive ? UInt(MS_REC) : 0)
    if mount(source, target, nil, flags, nil) != 0 { systemError("bind \(source) on \(target)") }
    if readOnly, mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV), nil) != 0 {
        systemError("make \(target) read-only")
    }
}

/// System directories (the host's, or an image root's) appear read-only at the same place; a
/// symlink (merged /usr) is copied.
func addSystemPath(_ path: String, root: String, from imageRoot: String?) {
    let source = (imageRoot ?? "") + path
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink(source, &buffer, buffer.count - 1)
    if length > 0 {
        let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if symlink(target, root + path) != 0, errno != EEXIST { systemError("symlink \(root + path)") }
        return
    }
    guard access(source, F_OK) == 0 else { return }
    makeMountPoint(for: source, at: root + path)
    bind(source, root + path, readOnly: true)
}

func prepareRoot(_ plan: Plan) {
    if mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) != 0 { systemError("make mounts private") }
    let root = plan.root
    makeDirectories(root)
    bind(root, root, readOnly: false, recursive: false)
    for path in plan.hostSystemPaths { addSystemPath(path, root: root, from: plan.imageRoot) }
    makeDirectories(root + "/dev")
    bind("/dev", root + "/dev", readOnly: false)
    makeDirectories(root + "/proc")
    if mount("proc", root + "/proc", "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil) != 0 { systemError("mount /proc") }
    makeDirectories(root + "/tmp")
    chmod(root + "/tmp", 0o1777)
    for entry in plan.mounts {
        makeMountPoint(for: entry.source, at: root + entry.target)
        bind(entry.source, root + entry.target, readOnly: entry.readOnly)
    }
    if plan.readOnlyRoot, mount(nil, root, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil) != 0 {
        systemError("make the root read-only")
    }
    if chroot(root) != 0 { systemError("chroot \(root)") }
    if chdir(plan.workingDirectory) != 0 { systemError("working directory \(plan.workingDirectory)") }
}

func dropPrivileges(_ plan: Plan) {
    var groups = plan.groups.isEmpty ? [plan.gid] : plan.groups
    if setgroups(groups.count, &groups) != 0 { systemError("setgroups") }
    if setgid(plan.gid) != 0 { systemError("setgid \(plan.gid)") }
    if setuid(plan.uid) != 0 { systemError("setuid \(plan.uid)") }
}

/// Only standard input, output and error reach the container: descriptors the sandbox had open
/// (its audit log, sockets) must not leak into pods.
func closeInheritedDescriptors() {
    let limit = min(Int32(sysconf(Int32(_SC_OPEN_MAX))), 1 << 16)
    if limit > 3 { for descriptor in 3..<limit { close(descriptor) } }
}

func execute(_ command: [String]) -> Never {
    closeInheritedDescriptors()
    let argv = command.map { strdup($0) } + [nil]
    execvp(command[0], argv)
    systemError("exec \(command[0])")
}

/// Signals the kubelet sends to this process reach the container's first process.
nonisolated(unsafe) var containerPID: pid_t = 0

func forwardSignals() {
    for signalNumber in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] {
        signal(signalNumber) { received in
            if containerPID > 0 { kill(containerPID, received) }
        }
    }
}

let plan = parse(CommandLine.arguments)
if sandbox_unshare_namespaces() != 0 { systemError("unshare") }
if let hostname = plan.hostname, sethostname(hostname, hostname.utf8.count) != 0 { systemError("sethostname") }
forwardSignals()
// The child learns of its parent's death by the pipe's write end closing (getppid() is 0 across
// the PID namespace boundary, so it cannot tell).
var lifeline: [Int32] = [0, 0]
if pipe(&lifeline) != 0 { systemError("pipe") }
for descriptor in lifeline { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
let child = fork()
if child < 0 { systemError("fork") }
if child == 0 {
    // PID 1 of the container. When the parent dies (the kubelet's SIGKILL), so does the namespace.
    prepareRoot(plan)
    dropPrivileges(plan)
    close(lifeline[1])
    sandbox_set_parent_death_signal(SIGKILL)
    var parentAlive = pollfd(fd: lifeline[0], events: Int16(POLLIN), revents: 0)
    if poll(&parentAlive, 1, 0) != 0 { _exit(137) }
    for signalNumber in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] { signal(signalNumber, SIG_DFL) }
    execute(plan.command)
}
containerPID = child
if let pidFile = plan.pidFile {
    let text = "\(child)\n"
    let descriptor = open(pidFile, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
    if descriptor >= 0 {
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }
}
var status: Int32 = 0
while waitpid(child, &status, 0) < 0 {
    if errno != EINTR { systemError("waitpid") }
}
let signalled = status & 0x7f
if signalled == 0 { exit((status >> 8) & 0xff) }
// Report death by signal as the shells do, 128 + signal.
exit(128 + signalled)
