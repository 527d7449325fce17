/*
 * core/stats_doc.c - the stats document, built with libjansson.
 *
 * The keys uWSGI's stats server uses keep their meaning here (version,
 * listen_queue, load, pid, uid, gid, cwd, locks, sockets, workers with their
 * cores), so readers written for uWSGI (uwsgitop, telegraf, netdata) read
 * weft.  What only weft has comes under names uWSGI does not use: abi,
 * plugins, engine, reloads; per worker rx, statuses, switches, in_flight,
 * suspended; per core state, waits_for, method, uri, request_start,
 * running_for, switches.  docs/stats.md has an example.
 *
 * Everything comes from the scoreboard (scoreboard.h) and the master's own
 * memory: a stuck worker cannot hold the document up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <weft/status.h>
#include <weft/version.h>
#include "clock.h"
#include "conf.h"
#include "listen.h"
#include "listen_queue.h"
#include "plugin_loader.h"
#include "procmem.h"
#include "registry.h"
#include "scoreboard.h"
#include "stats_doc.h"
#include "stats_server.h"

static json_t *
sockets(long *queued)
{
    json_t  *a = json_array();
    unsigned i;

    *queued = 0;
    for (i = 0; i < weft_nlisteners; i++) {
        const weft_listener_t *ls = &weft_listeners[i];
        unsigned               max = 0;
        int                    q = weft_listen_queue(ls->fd, &max);

        if (q > 0)
            *queued += q;
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
                                           "name", ls->name ? ls->name : "",
                                           "proto", ls->proto == WEFT_PROTO_HTTP ? "http" : "uwsgi",
                                           "queue", (json_int_t) (q > 0 ? q : 0),
                                           "max_queue", (json_int_t) max,
                                           "shared", (json_int_t) 0,
                                           "can_offload", (json_int_t) 0));
    }
    return a;
}

/* A JSON string of bytes a client sent: bytes that are not UTF-8 become '?'. */
static json_t *
client_string(char *s)
{
    json_t *j = json_string(s);
    char   *p;

    if (j != NULL)
        return j;
    for (p = s; *p; p++)
        if ((unsigned char) *p >= 0x80 || (unsigned char) *p < 0x20)
            *p = '?';
    return json_string(s);
}

static json_t *
plugins(void)
{
    json_t                     *a = json_array();
    const weft_loaded_plugin_t *p;

    for (p = weft_plugins_loaded(); p != NULL; p = p->next)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", p->desc->name,
                                           "version", p->desc->version ? p->desc->version : "",
                                           "path", p->path ? p->path : ""));
    return a;
}

static const char *
state_name(int state)
{
    return state == WEFT_SB_RUNNING ? "running" : state == WEFT_SB_SUSPENDED ? "suspended"
                                                                             : "idle";
}

/* One core of a live slot, and whether it is busy / suspended. */
static json_t *
core_doc(unsigned slot, unsigned id, double now, int *busy, int *suspended)
{
    const weft_sb_core_t *c = weft_scoreboard_core(slot, id);
    double                start = c->start;
    int                   state = start > 0 ? c->state : WEFT_SB_IDLE;
    json_t               *o;
    char                  what[sizeof(c->what) + 1], waits[sizeof(c->waits) + 1], *sp;

    o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[], s:{}, s:s, s:I}",
                  "id", (json_int_t) id,
                  "requests", (json_int_t) c->requests,
                  "static_requests", (json_int_t) c->static_requests,
                  "routed_requests", (json_int_t) c->routed_requests,
                  "offloaded_requests", (json_int_t) 0,
                  "write_errors", (json_int_t) c->write_errors,
                  "read_errors", (json_int_t) 0,
                  "in_request", (json_int_t) (state != WEFT_SB_IDLE),
                  "vars", "req_info",
                  "state", state_name(state),
                  "switches", (json_int_t) c->switches);
    if (o == NULL)
        return NULL;
    *busy = state != WEFT_SB_IDLE;
    *suspended = state == WEFT_SB_SUSPENDED;
    if (state == WEFT_SB_IDLE) {
        json_object_set_new(o, "waits_for", json_null());
        json_object_set_new(o, "method", json_null());
        json_object_set_new(o, "uri", json_null());
        json_object_set_new(o, "request_start", json_null());
        json_object_set_new(o, "running_for", json_null());
        return o;
    }
    /* The worker may be rewriting them: copy, bounded. */
    memcpy(what, c->what, sizeof(c->what));
    what[sizeof(c->what)] = '\0';
    memcpy(waits, c->waits, sizeof(c->waits));
    waits[sizeof(c->waits)] = '\0';
    sp = strchr(what, ' ');
    if (sp != NULL)
        *sp++ = '\0';
    json_object_set_new(o, "waits_for",
                        state == WEFT_SB_SUSPENDED ? json_string(waits) : json_null());
    json_object_set_new(o, "method", client_string(what));
    json_object_set_new(o, "uri", sp ? client_string(sp) : json_string(""));
    json_object_set_new(o, "request_start", json_real(c->start_wall));
    json_object_set_new(o, "running_for", json_real(now - start > 0 ? now - start : 0));
    json_object_set(json_object_get(o, "req_info"), "request_start",
                    json_object_get(o, "request_start"));
    return o;
}

static json_t *
statuses(const weft_sb_counts_t *n)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
                     "1xx", (json_int_t) n->status[1], "2xx", (json_int_t) n->status[2],
                     "3xx", (json_int_t) n->status[3], "4xx", (json_int_t) n->status[4],
                     "5xx", (json_int_t) n->status[5], "other", (json_int_t) n->status[0]);
}

/* uWSGI's delta_requests: the requests since the last document. */
static uint64_t
delta(unsigned id, uint64_t requests)
{
    static uint64_t *last;
    static unsigned  nlast;
    uint64_t         d;

    if (nlast < weft_scoreboard_ids()) {
        uint64_t *p = realloc(last, weft_scoreboard_ids() * sizeof(*p));
        if (p == NULL)
            return 0;
        memset(p + nlast, 0, (weft_scoreboard_ids() - nlast) * sizeof(*p));
        last = p;
        nlast = weft_scoreboard_ids();
    }
    d = requests >= last[id - 1] ? requests - last[id - 1] : requests;
    last[id - 1] = requests;
    return d;
}

static json_t *
worker_doc(unsigned id, double now, double wall)
{
    weft_sb_history_t *h = weft_scoreboard_history(id);
    int                slot = weft_scoreboard_live(id);
    weft_sb_worker_t  *sw = slot >= 0 ? weft_scoreboard_worker((unsigned) slot) : NULL;
    weft_sb_counts_t   n;
    json_t            *o, *cores = json_array();
    uint64_t           rss = 0, vsz = 0;
    int                busy = 0, suspended = 0;
    unsigned           c;
    const char        *status;

    weft_scoreboard_totals(id, &n);
    for (c = 0; sw != NULL && c < weft_scoreboard_cores(); c++) {
        int     b = 0, s = 0;
        json_t *cd = core_doc((unsigned) slot, c, now, &b, &s);

        busy += b;
        suspended += s;
        if (cd != NULL)
            json_array_append_new(cores, cd);
    }
    if (sw != NULL)
        weft_proc_memory(sw->pid, &rss, &vsz);
    status = sw == NULL ? "cheap" : !sw->ready ? "starting" : sw->recycling ? "recycling"
           : busy ? "busy" : "idle";
    o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I,"
                  " s:I, s:I, s:I, s:[], s:o}",
                  "id", (json_int_t) id,
                  "pid", (json_int_t) (sw ? sw->pid : 0),
                  "accepting", (json_int_t) (sw != NULL && sw->ready && !sw->recycling),
                  "requests", (json_int_t) n.requests,
                  "delta_requests", (json_int_t) delta(id, n.requests),
                  "exceptions", (json_int_t) n.exceptions,
                  "harakiri_count", (json_int_t) (h ? h->harakiri : 0),
                  "signals", (json_int_t) 0,
                  "signal_queue", (json_int_t) 0,
                  "status", status,
                  "rss", (json_int_t) rss,
                  "vsz", (json_int_t) vsz,
                  "running_time", (json_int_t) n.latency_us,
                  "last_spawn", (json_int_t) (h ? (json_int_t) h->last_spawn : 0),
                  "respawn_count", (json_int_t) (h ? h->spawns : 0),
                  "tx", (json_int_t) n.tx,
                  "avg_rt", (json_int_t) (n.requests ? n.latency_us / n.requests : 0),
                  "apps",
                  "cores", cores);
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "rx", json_integer((json_int_t) n.rx));
    json_object_set_new(o, "statuses", statuses(&n));
    json_object_set_new(o, "switches", json_integer((json_int_t) n.switches));
    json_object_set_new(o, "in_flight", json_integer(busy));
    json_object_set_new(o, "suspended", json_integer(suspended));
    json_object_set_new(o, "running_for",
                        json_real(sw != NULL && now - sw->started > 0 ? now - sw->started : 0));
    (void) wall;
    return o;
}

char *
weft_stats_json(void)
{
    json_t     *doc, *workers = json_array();
    long        queued = 0;
    char        cwd[4096], abi[32], *out;
    const char *engine = weft_engine_name();
    double      now = weft_clock(), wall = weft_wall_clock();
    unsigned    id;
    json_t     *socks = sockets(&queued);

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        cwd[0] = '\0';
    snprintf(abi, sizeof(abi), "%d.%d", WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    for (id = 1; id <= weft_scoreboard_ids(); id++) {
        json_t *w = worker_doc(id, now, wall);
        if (w != NULL)
            json_array_append_new(workers, w);
    }
    doc = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:[], s:o, s:I, s:o,"
                    " s:s, s:s?, s:o, s:I, s:f}",
                    "version", PACKAGE_VERSION,
                    "listen_queue", (json_int_t) queued,
                    "listen_queue_errors", (json_int_t) 0,
                    "signal_queue", (json_int_t) 0,
                    "load", (json_int_t) queued,
                    "pid", (json_int_t) getpid(),
                    "uid", (json_int_t) getuid(),
                    "gid", (json_int_t) getgid(),
                    "cwd", cwd,
                    "locks",
                    "sockets", socks,
                    "cores_per_worker", (json_int_t) weft_scoreboard_cores(),
                    "workers", workers,
                    "abi", abi,
                    "engine", engine,
                    "plugins", plugins(),
                    "reloads", (json_int_t) weft_stats_reloads(),
                    "time", wall);
    if (doc == NULL)
        return NULL;
    out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}
