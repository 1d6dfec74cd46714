extension Duration {
    /// sd-bus timeouts: microseconds, at least 1 (0 would mean "the default", 25 s).
    package var sdBusMicroseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 1 }
        let micro = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        guard !micro.overflow else { return UInt64.max - 1 }
        return max(1, micro.partialValue + UInt64(attoseconds / 1_000_000_000_000))
    }
}
