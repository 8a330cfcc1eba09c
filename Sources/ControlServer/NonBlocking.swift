import Glibc

/// Sets O_NONBLOCK and FD_CLOEXEC on `descriptor` (Glibc's module exports neither `accept4` nor
/// `pipe2`, which would set them atomically; the control thread is the only one that forks
/// nothing, so the window does not matter). False when `fcntl` fails.
func makeNonBlocking(_ descriptor: Int32) -> Bool {
    fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) == 0
        && fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0
}
