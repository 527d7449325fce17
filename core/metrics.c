/*
 * core/metrics.c - the Prometheus metrics, in the text exposition format
 * 0.0.4: every family has HELP and TYPE, counters end in _total, units are
 * seconds and bytes.  docs/stats.md lists them.
 *
 * The counters are the workers' totals since the master started (a worker
 * that dies leaves its counts in its id's history, scoreboard.c), so they
 * never go back while the master lives; a reload re-executes the master and
 * starts them again, as Prometheus expects of a restarted process.
 */
#include "config.h"

#include <string.h>

#include <weft/status.h>
#include <weft/version.h>
#include "clock.h"
#include "listen.h"
#include "listen_queue.h"
#include "metrics.h"
#include "procmem.h"
#include "registry.h"
#include "scoreboard.h"
#include "stats_server.h"

static void
family(weft_buf_t *o, const char *name, const char *type, const char *help)
{
    weft_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newlines escaped. */
static void
label_value(weft_buf_t *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            weft_buf_printf(o, "\\%c", *s);
        else if (*s == '\n')
            weft_buf_append(o, "\\n", 2);
        else
            weft_buf_append(o, s, 1);
    }
}

/* Per worker id: the field at `offset` in its totals. */
static void
per_worker(weft_buf_t *o, const char *name, const weft_sb_counts_t *totals, size_t offset)
{
    unsigned id;

    for (id = 1; id <= weft_scoreboard_ids(); id++) {
        uint64_t v;

        memcpy(&v, (const char *) &totals[id - 1] + offset, sizeof(v));
        weft_buf_printf(o, "%s{worker=\"%u\"} %llu\n", name, id, (unsigned long long) v);
    }
}

int
weft_metrics_text(weft_buf_t *o)
{
    static const char *classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
    unsigned           nids = weft_scoreboard_ids(), id, i, slot, c;
    weft_sb_counts_t   totals[nids > 0 ? nids : 1], all;
    unsigned           busy = 0, idle = 0, suspended = 0, alive = 0;
    uint64_t           cum = 0;
    const char        *engine = weft_engine_name();

    memset(&all, 0, sizeof(all));
    for (id = 1; id <= nids; id++) {
        weft_scoreboard_totals(id, &totals[id - 1]);
        for (i = 0; i <= WEFT_SB_BUCKETS; i++)
            all.buckets[i] += totals[id - 1].buckets[i];
        all.latency_us += totals[id - 1].latency_us;
        all.requests += totals[id - 1].requests;
    }
    for (slot = 0; slot < weft_scoreboard_slots(); slot++) {
        const weft_sb_worker_t *sw = weft_scoreboard_worker(slot);

        if (sw->pid <= 0)
            continue;
        alive++;
        for (c = 0; c < weft_scoreboard_cores(); c++) {
            const weft_sb_core_t *core = weft_scoreboard_core(slot, c);

            if (core->start > 0) {
                busy++;
                suspended += core->state == WEFT_SB_SUSPENDED;
            } else {
                idle++;
            }
        }
    }

    family(o, "weft_info", "gauge", "weft's version, plugin ABI and engine (always 1)");
    weft_buf_printf(o, "weft_info{version=\"%s\",abi=\"%d.%d\",engine=\"", PACKAGE_VERSION,
                    WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    label_value(o, engine ? engine : "none");
    weft_buf_printf(o, "\"} 1\n");
    family(o, "weft_start_time_seconds", "gauge", "When the master (re)started, in seconds since the epoch");
    weft_buf_printf(o, "weft_start_time_seconds %.3f\n", weft_stats_started_at());

    family(o, "weft_requests_total", "counter", "Requests finished, by worker and status class");
    for (id = 1; id <= nids; id++)
        for (i = 1; i <= 6; i++)
            weft_buf_printf(o, "weft_requests_total{worker=\"%u\",status=\"%s\"} %llu\n", id,
                            classes[i % 6], (unsigned long long) totals[id - 1].status[i % 6]);
    family(o, "weft_exceptions_total", "counter", "Requests whose app failed, by worker");
    per_worker(o, "weft_exceptions_total", totals, offsetof(weft_sb_counts_t, exceptions));

    family(o, "weft_request_duration_seconds", "histogram",
           "How long requests took, from their head read to their response queued");
    for (i = 0; i < WEFT_SB_BUCKETS; i++) {
        cum += all.buckets[i];
        weft_buf_printf(o, "weft_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                        weft_sb_bucket_bounds[i], (unsigned long long) cum);
    }
    cum += all.buckets[WEFT_SB_BUCKETS];
    weft_buf_printf(o, "weft_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long) cum);
    weft_buf_printf(o, "weft_request_duration_seconds_sum %.6f\n", (double) all.latency_us / 1e6);
    weft_buf_printf(o, "weft_request_duration_seconds_count %llu\n", (unsigned long long) cum);

    family(o, "weft_requests_in_flight", "gauge", "Requests being served now (running or suspended)");
    weft_buf_printf(o, "weft_requests_in_flight %u\n", busy);
    family(o, "weft_requests_suspended", "gauge", "Requests whose core is suspended, waiting");
    weft_buf_printf(o, "weft_requests_suspended %u\n", suspended);
    family(o, "weft_cores", "gauge", "Cores of the live workers, busy with a request or idle");
    weft_buf_printf(o, "weft_cores{state=\"busy\"} %u\nweft_cores{state=\"idle\"} %u\n", busy, idle);
    family(o, "weft_workers", "gauge", "Worker processes alive (draining ones included)");
    weft_buf_printf(o, "weft_workers %u\n", alive);

    family(o, "weft_listen_queue", "gauge", "Connections waiting in a listen socket's accept queue");
    for (i = 0; i < weft_nlisteners; i++) {
        int q = weft_listen_queue(weft_listeners[i].fd, NULL);

        if (q < 0)
            continue;
        weft_buf_printf(o, "weft_listen_queue{socket=\"");
        label_value(o, weft_listeners[i].name ? weft_listeners[i].name : "");
        weft_buf_printf(o, "\"} %d\n", q);
    }
    family(o, "weft_listen_queue_max", "gauge", "The length of a listen socket's accept queue (its backlog)");
    for (i = 0; i < weft_nlisteners; i++) {
        unsigned max = 0;

        if (weft_listen_queue(weft_listeners[i].fd, &max) < 0)
            continue;
        weft_buf_printf(o, "weft_listen_queue_max{socket=\"");
        label_value(o, weft_listeners[i].name ? weft_listeners[i].name : "");
        weft_buf_printf(o, "\"} %u\n", max);
    }

    family(o, "weft_harakiri_total", "counter", "Workers killed by --harakiri, by worker");
    for (id = 1; id <= nids; id++)
        weft_buf_printf(o, "weft_harakiri_total{worker=\"%u\"} %u\n", id,
                        weft_scoreboard_history(id)->harakiri);
    family(o, "weft_worker_respawns_total", "counter",
           "Worker processes started again after the first, by worker");
    for (id = 1; id <= nids; id++) {
        unsigned spawns = weft_scoreboard_history(id)->spawns;
        weft_buf_printf(o, "weft_worker_respawns_total{worker=\"%u\"} %u\n", id,
                        spawns > 0 ? spawns - 1 : 0);
    }
    family(o, "weft_reloads_total", "counter", "Graceful or brutal reloads of the master");
    weft_buf_printf(o, "weft_reloads_total %u\n", weft_stats_reloads());

    family(o, "weft_received_bytes_total", "counter", "Bytes read from clients, by worker");
    per_worker(o, "weft_received_bytes_total", totals, offsetof(weft_sb_counts_t, rx));
    family(o, "weft_sent_bytes_total", "counter", "Response body bytes sent, by worker");
    per_worker(o, "weft_sent_bytes_total", totals, offsetof(weft_sb_counts_t, tx));
    family(o, "weft_core_switches_total", "counter", "Times a core was suspended, by worker");
    per_worker(o, "weft_core_switches_total", totals, offsetof(weft_sb_counts_t, switches));

    family(o, "weft_worker_resident_memory_bytes", "gauge", "A live worker's resident set size");
    for (id = 1; id <= nids; id++) {
        int      s = weft_scoreboard_live(id);
        uint64_t rss = 0;

        if (s < 0 || weft_proc_memory(weft_scoreboard_worker((unsigned) s)->pid, &rss, NULL) != 0)
            continue;
        weft_buf_printf(o, "weft_worker_resident_memory_bytes{worker=\"%u\"} %llu\n", id,
                        (unsigned long long) rss);
    }
    return o->data != NULL ? WEFT_OK : WEFT_ERROR;
}
