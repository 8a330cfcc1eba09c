import Testing

/// The suites that run audio threads (pipelines and daemons on ALSA file-plugin devices), one at
/// a time: they check the process-wide count of audio threads, and on two cores they would
/// otherwise slow each other into timeouts.
@Suite("Live audio", .serialized)
enum LiveAudio {}
