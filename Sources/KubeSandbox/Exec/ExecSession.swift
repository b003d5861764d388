import CNPGCore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// What `pods/NAME/exec` resolved to: a running container's first process and the command to run beside it.
public struct ExecTarget: Sendable {
    var namespace: String
    var pod: String
    var container: String
    var processID: Int32
    var options: PodExecOptions
}

/// Runs one `kubectl exec` command inside a running container — its mount, UTS and PID namespaces,
/// root and working directory, user, group and environment, entered with `nsenter` — and carries
/// its standard streams over the WebSocket in the remote-command channel protocol. When the
/// client goes away the command is killed; when the command ends, its exit status is sent on the
/// error stream and the connection is closed.
struct ExecSession: Sendable {
    let target: ExecTarget
    let logger: Logger
    /// The largest stdin or resize message accepted from the client.
    static let maximumMessageSize = 1 << 20

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let started: Started
        do {
            started = try start()
        } catch {
            logger.warning("kubectl exec could not start", metadata: ["pod": "\(target.namespace)/\(target.pod)", "error": "\(error)"])
            try await send(.error, Array(JSONText.serialize(RemoteCommandProtocol.failureStatus("cannot run the command: \(error)")).utf8), outbound)
            return
        }
        logger.info(
            "kubectl exec",
            metadata: [
                "pod": "\(target.namespace)/\(target.pod)", "container": "\(target.container)",
                "command": "\(target.options.command.first ?? "")",
            ])
        let process = started.process
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                // Input: stdin, stdin's close and terminal resizes, until the client's side closes.
                do {
                    for try await message in inbound.messages(maxSize: Self.maximumMessageSize) {
                        guard case .binary(let buffer) = message, let decoded = RemoteCommandProtocol.decode(Array(buffer: buffer)) else { continue }
                        switch decoded {
                        case .data(.stdin, let bytes): started.input?.write(bytes)
                        case .close(.stdin): started.input?.finish()
                        case .data(.resize, let bytes): started.terminal.map { Self.resize($0, json: bytes) }
                        default: break
                        }
                    }
                } catch {}
                started.input?.finish()
                return false
            }
            group.addTask {
                // Output: both streams until they end, then the exit status.
                for await (stream, bytes) in started.output {
                    do { try await send(stream, bytes, outbound) } catch { break }
                }
                let termination = await process.wait()
                let code: Int32 =
                    switch termination {
                    case .exited(let code): code
                    case .signaled(let signal): 128 + signal
                    }
                let status = RemoteCommandProtocol.status(exitCode: code, command: target.options.command)
                try? await send(.error, Array(JSONText.serialize(status).utf8), outbound)
                return true
            }
            // Whichever ends first: the command (done) or the client (the command must not outlive it).
            if await group.next() == false {
                started.terminal?.finish()
                process.signalGroup(SIGKILL)
                process.signal(SIGKILL)
                _ = await group.next()
            } else {
                group.cancelAll()
            }
        }
        // Our ends of the pipes or terminal are closed whichever way the session ended.
        started.input?.finish()
        started.terminal?.finish()
    }

    private func send(_ stream: RemoteCommandProtocol.Stream, _ bytes: [UInt8], _ outbound: WebSocketOutboundWriter) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: RemoteCommandProtocol.encode(.data(stream, bytes)))))
    }

    struct Started: Sendable {
        var process: ChildProcess
        var input: DescriptorWriter?
        /// The terminal's controlling side when a TTY was asked for (resizes go there).
        var terminal: DescriptorWriter?
        var output: AsyncStream<(RemoteCommandProtocol.Stream, [UInt8])>
    }

    private func start() throws -> Started {
        let identity = try ContainerIdentity.read(processID: target.processID)
        let arguments =
            [
                "--target", String(target.processID), "--mount", "--uts", "--pid", "--root", "--wd",
                "--setgid", String(identity.gid), "--setuid", String(identity.uid), "--",
            ] + target.options.command
        let options = target.options
        if options.tty {
            let (controlling, terminalPath) = try Self.openTerminal()
            let terminal = open(terminalPath, O_RDWR | O_NOCTTY)
            guard terminal >= 0 else {
                close(controlling)
                throw ExecFailure("cannot open \(terminalPath): \(String(cString: strerror(errno)))")
            }
            defer { close(terminal) }
            // setsid makes the terminal the command's controlling one, so ^C reaches it.
            let process = try ChildProcess.spawn(
                "/usr/bin/setsid", ["--ctty", "--wait", "/usr/bin/nsenter"] + arguments,
                environment: identity.environment, stdin: terminal,
                stdout: .descriptor(terminal), stderr: .descriptor(terminal))
            let writer = DescriptorWriter(descriptor: dup(controlling))
            let output = Self.merge([(.stdout, DescriptorReader.chunks(of: controlling))])
            return Started(process: process, input: options.stdin ? writer : nil, terminal: writer, output: output)
        }
        var toClose: [Int32] = []
        defer { for descriptor in toClose { close(descriptor) } }
        var input: DescriptorWriter?
        var stdin: Int32?
        if options.stdin {
            let pipe = try Self.pipe()
            stdin = pipe.read
            toClose.append(pipe.read)
            input = DescriptorWriter(descriptor: pipe.write)
        }
        var readers: [(RemoteCommandProtocol.Stream, AsyncStream<[UInt8]>)] = []
        var outputs: [ChildProcess.Output] = []
        for (stream, wanted) in [(RemoteCommandProtocol.Stream.stdout, options.stdout), (.stderr, options.stderr)] {
            guard wanted else {
                outputs.append(.discard)
                continue
            }
            let pipe = try Self.pipe()
            toClose.append(pipe.write)
            outputs.append(.descriptor(pipe.write))
            readers.append((stream, DescriptorReader.chunks(of: pipe.read)))
        }
        let process = try ChildProcess.spawn(
            "/usr/bin/nsenter", arguments, environment: identity.environment, stdin: stdin,
            stdout: outputs[0], stderr: outputs[1], newProcessGroup: true)
        return Started(process: process, input: input, terminal: nil, output: Self.merge(readers))
    }

    /// One stream of every reader's chunks, tagged, ending when all have ended.
    static func merge(_ readers: [(RemoteCommandProtocol.Stream, AsyncStream<[UInt8]>)]) -> AsyncStream<(RemoteCommandProtocol.Stream, [UInt8])> {
        AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for (stream, chunks) in readers {
                        group.addTask { for await chunk in chunks { continuation.yield((stream, chunk)) } }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard Glibc.pipe(&descriptors) == 0 else { throw ExecFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        // Children get only 0-2 anyway (ChildProcess closes the rest); this keeps other exec helpers off them too.
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }

    /// A new pseudo-terminal: our side and the path of the command's side.
    static func openTerminal() throws -> (Int32, String) {
        guard let terminals = PseudoTerminals.shared else { throw ExecFailure("this C library has no pseudo-terminal functions") }
        let controlling = terminals.open(O_RDWR | O_NOCTTY | O_CLOEXEC)
        var name = [CChar](repeating: 0, count: 128)
        guard controlling >= 0, terminals.grant(controlling) == 0, terminals.unlock(controlling) == 0,
            terminals.name(controlling, &name, name.count) == 0
        else {
            let reason = String(cString: strerror(errno))
            if controlling >= 0 { close(controlling) }
            throw ExecFailure("cannot open a terminal: \(reason)")
        }
        return (controlling, String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// `{"Width":80,"Height":24}` on the resize stream sets the terminal's size.
    static func resize(_ terminal: DescriptorWriter, json bytes: [UInt8]) {
        guard let size = try? JSONText.parse(bytes), let width = size["Width"]?.intValue, let height = size["Height"]?.intValue,
            (1...10_000).contains(width), (1...10_000).contains(height)
        else { return }
        terminal.perform { descriptor in
            var window = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(descriptor, UInt(TIOCSWINSZ), &window)
        }
    }
}

/// posix_openpt and friends: glibc declares them only under _XOPEN_SOURCE, which Swift's Glibc
/// module does not define, so they are looked up by name.
struct PseudoTerminals: @unchecked Sendable {
    typealias Open = @convention(c) (Int32) -> Int32
    typealias Control = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32
    let open: Open
    let grant: Control
    let unlock: Control
    let name: Name

    static let shared: PseudoTerminals? = {
        guard let open = dlsym(nil, "posix_openpt"), let grant = dlsym(nil, "grantpt"), let unlock = dlsym(nil, "unlockpt"),
            let name = dlsym(nil, "ptsname_r")
        else { return nil }
        return PseudoTerminals(
            open: unsafeBitCast(open, to: Open.self), grant: unsafeBitCast(grant, to: Control.self),
            unlock: unsafeBitCast(unlock, to: Control.self), name: unsafeBitCast(name, to: Name.self))
    }()
}
