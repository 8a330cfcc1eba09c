/// A value a `TripleBuffer` hands from its writer to its reader, stamped by the buffer with the
/// number of its publication so that a reader can tell a new value from one it has already seen.
protocol TripleBufferSlot: AnyObject {
    /// 0 until first published, then 1, 2, … in the order of publication.
    var version: UInt64 { get set }
}
