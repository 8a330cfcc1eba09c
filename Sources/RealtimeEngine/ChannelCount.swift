/// A channel count as a type, for kernels whose cost is small-matrix loops over the channels.
///
/// Generic over `ChannelCount<M>`, a kernel is specialised once per supported count with M a
/// constant, so its loops unroll and their index arithmetic folds: with M a run-time value, loop
/// control and index computation were a fifth of the instructions of the M = 2 update.
struct ChannelCount<let M: Int> {}
