#ifndef BSSD_CALSA_SHIM_H
#define BSSD_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#include <stdarg.h>
#include <stdio.h>

/*
 * Helpers for what Swift cannot express against alsa-lib directly. Everything is `static inline`
 * because CALSA is a system-library target without a C source file of its own.
 *
 * - The `snd_*_alloca` macros are not needed: Swift uses the `_malloc`/`_free` variants, at set-up.
 * - alsa-lib reports errors through a process-wide handler of the variadic type
 *   `snd_lib_error_handler_t`, which Swift can neither implement nor call. The functions below
 *   install a C handler that drops the message, or one that formats it with `vsnprintf` and hands
 *   the text to a non-variadic sink a Swift `@convention(c)` function can implement.
 *
 * Each installer stores the sink and installs the handler from the same translation unit. Swift
 * may emit a private copy of these inline functions, and of the slot's static, into each object
 * file that uses them; pairing the store and the install in one function keeps every installed
 * handler reading the slot its own installer wrote, whichever copy that is.
 *
 * Call the installers at start-up, before audio threads run: alsa-lib reads its handler pointer
 * without synchronisation.
 */

/// Receives one formatted alsa-lib message. `message` has no trailing newline and is valid only
/// during the call. `err` is the (positive) errno value alsa-lib attached, or 0.
typedef void (*bssd_alsa_message_sink)(const char *file, int line, const char *function, int err, const char *message);

/* A function-local static: Swift emits the inline functions a module uses, and with them their
 * local statics, but not file-scope statics declared in an imported header. */
static inline bssd_alsa_message_sink *bssd_alsa_message_sink_slot(void) {
    static bssd_alsa_message_sink slot;
    return &slot;
}

static inline void bssd_alsa_silent_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

static inline void bssd_alsa_forwarding_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    bssd_alsa_message_sink sink = __atomic_load_n(bssd_alsa_message_sink_slot(), __ATOMIC_ACQUIRE);
    if (sink == NULL) return;
    /* A fixed stack buffer: no allocation, longer messages are cut. */
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    sink(file, line, function, err, message);
}

/// Drops every alsa-lib error message. Returns `snd_lib_error_set_handler`'s result.
static inline int bssd_alsa_silence_errors(void) {
    int result = snd_lib_error_set_handler(bssd_alsa_silent_handler);
    __atomic_store_n(bssd_alsa_message_sink_slot(), (bssd_alsa_message_sink)NULL, __ATOMIC_RELEASE);
    return result;
}

/// Sends every alsa-lib error message, formatted, to `sink`.
static inline int bssd_alsa_forward_errors(bssd_alsa_message_sink sink) {
    __atomic_store_n(bssd_alsa_message_sink_slot(), sink, __ATOMIC_RELEASE);
    return snd_lib_error_set_handler(bssd_alsa_forwarding_handler);
}

/// Restores alsa-lib's own handler, which prints `ALSA lib file:line:(function) message` to stderr.
static inline int bssd_alsa_default_errors(void) {
    int result = snd_lib_error_set_handler(NULL);
    __atomic_store_n(bssd_alsa_message_sink_slot(), (bssd_alsa_message_sink)NULL, __ATOMIC_RELEASE);
    return result;
}

#endif
