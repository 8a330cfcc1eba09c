/// Why a reload was not applied; the daemon keeps running with the configuration it had.
public struct DaemonReloadError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
