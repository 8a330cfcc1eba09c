/// The tests' seeded generator is the engine's, so that test fixtures and the daemon's warm-up draw
/// from one implementation.
@_exported import struct RealtimeEngine.SplitMix64
