import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a pipe or terminal on a thread of its own (a blocking read must not hold a task's
/// thread), handing each chunk on until end of file; closes the descriptor when done.
enum DescriptorReader {
    static func chunks(of descriptor: Int32, chunkSize: Int = 32 * 1024) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
                if count > 0 {
                    continuation.yield(Array(buffer[0..<count]))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    // 0 is end of file; a terminal whose other side closed answers EIO.
                    break
                }
            }
            close(descriptor)
            continuation.finish()
        }
        thread.name = "exec-reader-\(descriptor)"
        thread.start()
        return stream
    }
}

/// Writes to a pipe or terminal in order, off the calling task (a child that does not read would
/// block the write); `finish` closes it once everything queued is written.
final class DescriptorWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "exec-writer")
    private var descriptor: Int32?

    init(descriptor: Int32) { self.descriptor = descriptor }

    func write(_ bytes: [UInt8]) {
        queue.async {
            guard let descriptor = self.descriptor else { return }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    // The reader is gone (EPIPE): drop the rest, as a closed pipe would.
                    return
                }
                offset += written
            }
        }
    }

    /// Runs `body` with the descriptor in order with the writes (a terminal resize).
    func perform(_ body: @escaping @Sendable (Int32) -> Void) {
        queue.async {
            if let descriptor = self.descriptor { body(descriptor) }
        }
    }

    func finish() {
        queue.async {
            if let descriptor = self.descriptor { close(descriptor) }
            self.descriptor = nil
        }
    }
}
