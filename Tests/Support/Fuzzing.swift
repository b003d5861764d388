/// A small seeded generator (SplitMix64) for bounded fuzzing: the same seed gives the same
/// inputs, so a failure can be replayed.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Byte-level damage to a valid document: flipped bytes, cuts, inserted syntax, repeats.
public enum ByteDamage {
    public static func corrupt(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            guard !result.isEmpty else { break }
            let index = Int.random(in: 0..<result.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: result[index] = UInt8.random(in: 0...255, using: &rng)
            case 1: result.removeSubrange(index..<min(result.count, index + Int.random(in: 1...16, using: &rng)))
            case 2: result.insert(contentsOf: Array("[{\"'\n-: &*!|>%@`".utf8).shuffled(using: &rng).prefix(3), at: index)
            default: result.insert(contentsOf: result[index..<min(result.count, index + 32)], at: index)
            }
        }
        return result
    }
}
