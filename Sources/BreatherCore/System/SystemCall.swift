#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs system calls that report failure as a negative result and `errno`: the one place
/// that retries a call interrupted by a signal (`EINTR`) and reads `errno` after a failure.
public enum SystemCall {
    /// The call's result, or its `errno` when it returned a negative value. An interrupted
    /// call runs again when `retryOnInterrupt` is set.
    public static func valueOrErrno<Value: FixedWidthInteger>(
        retryOnInterrupt: Bool = true,
        _ call: () -> Value
    ) -> Result<Value, Errno> {
        while true {
            let value = call()
            if value >= 0 { return .success(value) }
            let error = Errno.current
            if retryOnInterrupt && error == .interrupted { continue }
            return .failure(error)
        }
    }

    /// For calls that return the error number itself, 0 on success (`clock_nanosleep`, the
    /// `pthread_*` calls): nil, or the error. An interrupted call runs again when
    /// `retryOnInterrupt` is set.
    public static func returnedErrno(retryOnInterrupt: Bool = true, _ call: () -> Int32) -> Errno? {
        while true {
            let code = call()
            if code == 0 { return nil }
            if retryOnInterrupt && code == EINTR { continue }
            return Errno(code)
        }
    }

    /// The call's result, retried while it is interrupted; throws its `errno` on failure.
    @discardableResult
    public static func retryingOnInterrupt<Value: FixedWidthInteger>(
        _ call: () -> Value
    ) throws(Errno) -> Value {
        try valueOrErrno(retryOnInterrupt: true, call).get()
    }
}
