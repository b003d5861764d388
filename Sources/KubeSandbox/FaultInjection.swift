import CNPGCore
import Foundation

/// Seeded fault injection for reliability tests: `--faults "seed=7,error=0.1:500/429/409,latency=0.2:150ms,drop-watch=0.5:2s"`.
public struct FaultSpec: Sendable, Equatable {
    public var seed: UInt64 = 1
    /// Fraction of requests answered with an error instead of being served.
    public var errorRate = 0.0
    public var errorCodes: [Int] = [500]
    public var latencyRate = 0.0
    public var latency: Duration = .zero
    /// Fraction of watches cut after `dropWatchAfter`.
    public var dropWatchRate = 0.0
    public var dropWatchAfter: Duration = .seconds(1)

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init() {}

    public init(parsing text: String) throws(ParseError) {
        self.init()
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw ParseError(description: "--faults: expected key=value, found \"\(item)\"") }
            let parts = pair[1].split(separator: ":", maxSplits: 1).map(String.init)
            switch pair[0] {
            case "seed":
                guard let seed = UInt64(pair[1]) else { throw ParseError(description: "--faults: seed must be a non-negative integer") }
                self.seed = seed
            case "error":
                errorRate = try Self.rate(parts[0], "error")
                if parts.count > 1 {
                    let codes = parts[1].split(separator: "/").compactMap { Int($0) }
                    guard !codes.isEmpty, codes.allSatisfy({ (400...599).contains($0) }) else {
                        throw ParseError(description: "--faults: error codes must be HTTP codes between 400 and 599, separated by /")
                    }
                    errorCodes = codes
                }
            case "latency":
                latencyRate = try Self.rate(parts[0], "latency")
                guard parts.count == 2 else { throw ParseError(description: "--faults: latency needs a duration, e.g. latency=0.1:200ms") }
                latency = try Self.duration(parts[1], "latency")
            case "drop-watch":
                dropWatchRate = try Self.rate(parts[0], "drop-watch")
                if parts.count == 2 { dropWatchAfter = try Self.duration(parts[1], "drop-watch") }
            default:
                throw ParseError(description: "--faults: unknown fault \"\(pair[0])\" (known: seed, error, latency, drop-watch)")
            }
        }
    }

    static func rate(_ text: String, _ name: String) throws(ParseError) -> Double {
        guard let rate = Double(text), (0...1).contains(rate) else { throw ParseError(description: "--faults: \(name) rate must be between 0 and 1") }
        return rate
    }

    static func duration(_ text: String, _ name: String) throws(ParseError) -> Duration {
        guard let seconds = GoDuration.seconds(text), seconds >= 0 else {
            throw ParseError(description: "--faults: \(name) duration \"\(text)\" must look like 200ms or 2s")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The decisions for one request, drawn from a seeded generator so a failing run can be replayed.
public final class FaultInjector: @unchecked Sendable {
    public struct Decision: Sendable, Equatable {
        public var errorCode: Int?
        public var delay: Duration?
        public var dropWatchAfter: Duration?
    }

    let spec: FaultSpec
    private var state: UInt64
    private let lock = NSLock()

    public init(spec: FaultSpec) {
        self.spec = spec
        state = spec.seed
    }

    /// SplitMix64: small, fast, and the same sequence for the same seed.
    func nextUnit() -> Double {
        lock.lock()
        defer { lock.unlock() }
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    public func decide(isWatch: Bool) -> Decision {
        var decision = Decision()
        if spec.errorRate > 0, nextUnit() < spec.errorRate {
            decision.errorCode = spec.errorCodes[Int(nextUnit() * Double(spec.errorCodes.count)) % spec.errorCodes.count]
        }
        if spec.latencyRate > 0, nextUnit() < spec.latencyRate { decision.delay = spec.latency }
        if isWatch, spec.dropWatchRate > 0, nextUnit() < spec.dropWatchRate { decision.dropWatchAfter = spec.dropWatchAfter }
        return decision
    }

    public static func status(for code: Int) -> StatusError {
        switch code {
        case 429: return StatusError(code: 429, reason: "TooManyRequests", message: "injected fault: too many requests, please try again later")
        case 409:
            return StatusError(
                code: 409, reason: "Conflict",
                message: "injected fault: the object has been modified; please apply your changes to the latest version and try again")
        default: return StatusError(code: code, reason: "InternalError", message: "injected fault: HTTP \(code)")
        }
    }
}
