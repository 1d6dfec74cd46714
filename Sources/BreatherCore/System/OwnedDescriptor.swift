import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file descriptor this process opened, closed exactly once: by `close()`, or when the
/// last reference goes. After that the number may belong to another file, so `rawValue`
/// is -1 and no second `close(2)` happens.
public final class OwnedDescriptor: Sendable {
    private let number: Atomic<Int32>

    /// Takes ownership of `fd`, which must be open.
    public init(_ fd: Int32) {
        number = Atomic(fd)
    }

    deinit {
        close()
    }

    /// The descriptor, or -1 once closed.
    public var rawValue: Int32 {
        number.load(ordering: .acquiring)
    }

    public var isClosed: Bool {
        rawValue < 0
    }

    /// Gives the descriptor to the caller, who closes it from now on; -1 when already closed.
    public func release() -> Int32 {
        number.exchange(-1, ordering: .acquiringAndReleasing)
    }

    /// Closes the descriptor the first time; later calls do nothing. `close(2)` is never
    /// retried, not even after `EINTR`: on Linux the number is released either way.
    public func close() {
        let fd = number.exchange(-1, ordering: .acquiringAndReleasing)
        guard fd >= 0 else { return }
        #if canImport(Glibc)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }
}
