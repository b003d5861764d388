extension Duration {
    /// The whole duration in nanoseconds (sub-nanosecond parts dropped).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
