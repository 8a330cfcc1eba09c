/* bsshub: the paced rig's JACK client, giving the rig's ALSA PCMs stable port names.
 *
 *   feed_K (in)     -> capture_K (out)   K = 1..N   test feeder -> daemon capture
 *   playback_K (in) -> monitor_K (out)   K = 1..M   daemon playback -> test recorder
 *
 * It copies within the JACK cycle (JACK runs feeder -> hub -> daemon in graph order), so the rig
 * adds no latency. JACK2's loopback driver (-L) is not used instead because it copies its ports
 * without waiting for the client that writes them, which duplicates or drops periods.
 * JACK xrun notifications (cycles the server could not finish: rig overload, not a daemon fault)
 * are counted into XRUN_COUNT_FILE so that a test can tell an invalid measurement window.
 *
 * usage: bsshub CLIENT_NAME N_CAPTURE M_PLAYBACK [XRUN_COUNT_FILE] */
#include <jack/jack.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static jack_port_t **feed, **capture, **playback, **monitor;
static int N, M;
static volatile sig_atomic_t quit;
static volatile int xruns;

static int process(jack_nframes_t n, void *arg) {
    (void)arg;
    for (int k = 0; k < N; k++)
        memcpy(jack_port_get_buffer(capture[k], n), jack_port_get_buffer(feed[k], n), n * sizeof(float));
    for (int k = 0; k < M; k++)
        memcpy(jack_port_get_buffer(monitor[k], n), jack_port_get_buffer(playback[k], n), n * sizeof(float));
    return 0;
}

static int on_xrun(void *arg) { (void)arg; xruns++; return 0; }
static void on_shutdown(void *arg) { (void)arg; quit = 1; }
static void on_signal(int s) { (void)s; quit = 1; }

static jack_port_t **ports(jack_client_t *client, const char *format, int count, unsigned long flags) {
    jack_port_t **list = calloc(count > 0 ? count : 1, sizeof *list);
    for (int k = 0; k < count; k++) {
        char name[64];
        snprintf(name, sizeof name, format, k + 1);
        list[k] = jack_port_register(client, name, JACK_DEFAULT_AUDIO_TYPE, flags, 0);
        if (!list[k]) { fprintf(stderr, "bsshub: cannot register port %s\n", name); exit(1); }
    }
    return list;
}

/* Publishes the count atomically (write, then rename) so a reader never sees a partial file. */
static void publish(const char *path, int count) {
    char temporary[4096];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *f = fopen(temporary, "w");
    if (!f) return;
    fprintf(f, "%d\n", count);
    fclose(f);
    rename(temporary, path);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: bsshub CLIENT_NAME N_CAPTURE M_PLAYBACK [XRUN_COUNT_FILE]\n"); return 2; }
    N = atoi(argv[2]);
    M = atoi(argv[3]);
    const char *count_file = argc > 4 ? argv[4] : NULL;
    jack_status_t status;
    jack_client_t *client = jack_client_open(argv[1], JackNoStartServer | JackUseExactName, &status);
    if (!client) { fprintf(stderr, "bsshub: jack_client_open failed (status 0x%x)\n", status); return 1; }
    feed = ports(client, "feed_%d", N, JackPortIsInput);
    capture = ports(client, "capture_%d", N, JackPortIsOutput);
    playback = ports(client, "playback_%d", M, JackPortIsInput);
    monitor = ports(client, "monitor_%d", M, JackPortIsOutput);
    jack_set_process_callback(client, process, 0);
    jack_set_xrun_callback(client, on_xrun, 0);
    jack_on_shutdown(client, on_shutdown, 0);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (jack_activate(client)) { fprintf(stderr, "bsshub: jack_activate failed\n"); return 1; }
    printf("bsshub ready: %s rate=%u period=%u capture=%d playback=%d\n", argv[1], jack_get_sample_rate(client),
           jack_get_buffer_size(client), N, M);
    fflush(stdout);
    int published = -1;
    while (!quit) {
        int seen = xruns;
        if (seen != published) {
            if (count_file) publish(count_file, seen);
            published = seen;
        }
        usleep(50000);
    }
    jack_client_close(client);
    return 0;
}
