import Glibc

/// A POSIX error number as a system call leaves it in `errno`, thrown as a typed error so that a
/// caller sees which failure it has and the operator reads the system's own words for it
/// (`description` is `strerror`'s text: "No such file or directory", "Permission denied").
///
/// Why not apple/swift-system's `Errno`: its retry helper is internal to its `FileDescriptor`
/// methods, and most of bssd's calls are ones it does not wrap (`poll`, `accept`, `recv`,
/// `sem_timedwait`, `nanosleep`); for one value type and one loop a package dependency would cost
/// more build time than it saves code.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive error number, e.g. `ENOENT`.
    public let code: Int32

    @inlinable
    public init(_ code: Int32) {
        self.code = code
    }

    /// `errno` now. Read it right after the failing call: anything else (a `close` in clean-up,
    /// an allocation) may overwrite it.
    @inlinable
    public static var current: Errno { Errno(errno) }

    /// `strerror`'s text.
    public var description: String { String(cString: strerror(code)) }
}

extension Errno {
    /// Calls `call`, a system call that returns -1 and sets `errno` when it fails, until it does
    /// something other than fail with `EINTR` (a signal arrived while it waited); returns what
    /// it returned, or throws the failure.
    @inlinable
    public static func retryingOnInterrupt<Value: FixedWidthInteger & SignedInteger>(
        _ call: () -> Value
    ) throws(Errno) -> Value {
        try resultRetryingOnInterrupt(call).get()
    }

    /// `retryingOnInterrupt` for audio threads, where a failure can be routine (a timed wait that
    /// timed out) and must not allocate: it is returned, not thrown. A throw calls the runtime's
    /// `swift_willThrow` hook, and when one is set (Swift Testing sets one, to record where errors
    /// come from) the error is boxed on the heap for it. The call itself allocates nothing: it is
    /// inlinable and the closure is not escaping.
    @inlinable
    public static func resultRetryingOnInterrupt<Value: FixedWidthInteger & SignedInteger>(
        _ call: () -> Value
    ) -> Result<Value, Errno> {
        while true {
            let value = call()
            if value != -1 { return .success(value) }
            let code = errno
            if code != EINTR { return .failure(Errno(code)) }
        }
    }
}
