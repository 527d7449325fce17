/*
 * core/accesslog.c - access lines, buffered per worker and written in
 * whole lines (so workers sharing a log never interleave within a line),
 * at the latest a tenth of a second after they were made.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "accesslog.h"
#include "api.h"
#include "buf.h"
#include "conf.h"
#include "conn.h"
#include "cores.h"
#include "log.h"
#include "opts.h"
#include "worker.h"
#include "threads.h"

#define FLUSH_BYTES 16384

static WEFT_TLS weft_buf_t   pending;      /* per serving thread */
static WEFT_TLS struct event flush_ev;
static WEFT_TLS int          flush_armed;
static WEFT_TLS int          flush_ready;

size_t
weft_log_escape(char *out, size_t outlen, const char *s, size_t n, int json)
{
    static const char hex[] = "0123456789abcdef";
    size_t            o = 0, i;

    if (outlen == 0)
        return 0;
    for (i = 0; i < n && o + 7 < outlen; i++) {
        unsigned char ch = (unsigned char) s[i];

        if (ch == '"' || ch == '\\') {
            if (json) {
                out[o++] = '\\';
                out[o++] = (char) ch;
                continue;
            }
        } else if (ch >= 0x20 && ch < 0x7f) {
            out[o++] = (char) ch;
            continue;
        }
        if (json) {
            memcpy(out + o, "\\u00", 4);
            o += 4;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
        }
        out[o++] = hex[ch >> 4];
        out[o++] = hex[ch & 15];
    }
    out[o] = '\0';
    return o;
}

void
weft_accesslog_flush(void)
{
    if (pending.len > 0)
        weft_log_write(pending.data, pending.len);
    pending.len = 0;
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
    flush_armed = 0;
    weft_accesslog_flush();
}

static const char *
var_or_dash(weft_req_t *r, const char *name, size_t *len)
{
    const char *v = weft_var_get(&r->pub, name, len);

    if (v == NULL || *len == 0) {
        *len = 1;
        return "-";
    }
    return v;
}

/* --memory-report: uWSGI's line after each request. */
static void
memory_report(void)
{
    long  pages = 0, resident = 0, psz = sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        return;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        pages = resident = 0;
    fclose(f);
    weft_buf_printf(&pending, "{address space usage: %lld bytes/%lldMB} {rss usage: %lld bytes/%lldMB} [pid: %ld|worker: %u]\n",
                    (long long) pages * psz, (long long) pages * psz / (1024 * 1024),
                    (long long) resident * psz, (long long) resident * psz / (1024 * 1024),
                    (long) getpid(), weft_worker_id);
}

void
weft_accesslog(weft_req_t *r)
{
    static WEFT_TLS char   when[64];
    static WEFT_TLS time_t when_for;
    char          uri[2048], method[64], ref[1024], ua[1024], addr[128], proto[64];
    const char   *s;
    size_t        len;
    time_t        now;
    double        took = weft_clock() - r->start_mono;
    int           json = weft_conf.log_format[0] == 'j';

    if (weft_conf.disable_logging && !weft_logfilter_wants(r, took))
        return;
    if (weft_conf.log_date != NULL) {
        char      date[128];
        struct tm ltm;
        time_t    t = time(NULL);

        localtime_r(&t, &ltm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        /* The user's own strftime format (--log-date=FORMAT). */
        if (strftime(date, sizeof(date), weft_conf.log_date, &ltm) > 0)
#pragma GCC diagnostic pop
            weft_buf_printf(&pending, "%s - ", date);
    }
    if (weft_logformat_active()) {
        weft_logformat_render(&pending, r, took);
        goto written;
    }

    now = (time_t) r->pub.start_time;
    if (now != when_for) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), json ? "%Y-%m-%dT%H:%M:%SZ" : "%d/%b/%Y:%H:%M:%S +0000",
                 &tm);
        when_for = now;
    }
    weft_log_escape(method, sizeof(method), r->pub.method.data, r->pub.method.len, json);
    weft_log_escape(uri, sizeof(uri), r->pub.uri.data, r->pub.uri.len, json);
    s = weft_log_addr(r, &len);
    weft_log_escape(addr, sizeof(addr), s, len, json);
    weft_log_escape(proto, sizeof(proto), r->pub.protocol.data, r->pub.protocol.len, json);
    s = var_or_dash(r, "HTTP_REFERER", &len);
    weft_log_escape(ref, sizeof(ref), s, len, json);
    s = var_or_dash(r, "HTTP_USER_AGENT", &len);
    weft_log_escape(ua, sizeof(ua), s, len, json);

    if (json)
        weft_buf_printf(&pending,
                        "{\"time\":\"%s\",\"remote_addr\":\"%s\",\"method\":\"%s\",\"uri\":\"%s\","
                        "\"protocol\":\"%s\",\"status\":%d,\"bytes\":%llu,\"referer\":\"%s\","
                        "\"user_agent\":\"%s\",\"duration\":%.6f,\"worker\":%u,\"core\":%u}\n",
                        when, addr, method, uri, proto, r->pub.status,
                        (unsigned long long) r->pub.bytes_sent, ref, ua, took,
                        weft_worker_id, r->pub.core->id);
    else
        weft_buf_printf(&pending,
                        "%s - - [%s] \"%s %s %s\" %d %llu \"%s\" \"%s\" %.6f %u/%u\n",
                        addr, when, method, uri, proto, r->pub.status,
                        (unsigned long long) r->pub.bytes_sent, ref, ua, took,
                        weft_worker_id, r->pub.core->id);

written:
    if (weft_conf.memory_report)
        memory_report();
    if (pending.len >= FLUSH_BYTES || weft_base == NULL) {
        weft_accesslog_flush();
        return;
    }
    if (!flush_ready) {
        event_assign(&flush_ev, weft_base, -1, 0, flush_cb, NULL);
        flush_ready = 1;
    }
    if (!flush_armed) {
        struct timeval tv = { 0, 100000 };
        event_add(&flush_ev, &tv);
        flush_armed = 1;
    }
}
