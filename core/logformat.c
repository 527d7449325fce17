/*
 * core/logformat.c - uWSGI's --log-format: "%(addr) - %(user) [%(ltime)]
 * \"%(method) %(uri) %(proto)\" %(status) %(size)", compiled once into
 * literal and variable parts and rendered for each request.  Request bytes
 * are escaped as in the common format (\xHH), never written raw.
 *
 * Also the request filters of --log-4xx/--log-5xx/--log-slow and the
 * address of --log-x-forwarded-for.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <weft/status.h>
#include "accesslog.h"
#include "api.h"
#include "conf.h"
#include "cores.h"
#include "opts.h"

enum {
    LF_LITERAL, LF_ADDR, LF_USER, LF_LTIME, LF_TIME, LF_CTIME, LF_EPOCH, LF_HOST,
    LF_METHOD, LF_URI, LF_PROTO, LF_STATUS, LF_SIZE, LF_RSIZE, LF_HSIZE, LF_CL,
    LF_MSECS, LF_MICROS, LF_SECS, LF_TMSECS, LF_TMICROS, LF_REFERER, LF_UAGENT,
    LF_PID, LF_WID, LF_CORE, LF_HEADERS, LF_RSS, LF_VSZ, LF_RSSM, LF_VSZM,
    LF_MODIFIER1, LF_SWITCHES, LF_VAR
};

static const struct {
    const char *name;
    int         id;
} names[] = {
    { "addr", LF_ADDR }, { "user", LF_USER }, { "ltime", LF_LTIME }, { "time", LF_TIME },
    { "ctime", LF_CTIME }, { "epoch", LF_EPOCH }, { "host", LF_HOST },
    { "method", LF_METHOD }, { "uri", LF_URI }, { "proto", LF_PROTO },
    { "status", LF_STATUS }, { "size", LF_SIZE }, { "rsize", LF_RSIZE },
    { "hsize", LF_HSIZE }, { "cl", LF_CL }, { "msecs", LF_MSECS },
    { "micros", LF_MICROS }, { "secs", LF_SECS }, { "tmsecs", LF_TMSECS },
    { "tmicros", LF_TMICROS }, { "referer", LF_REFERER }, { "uagent", LF_UAGENT },
    { "pid", LF_PID }, { "wid", LF_WID }, { "core", LF_CORE }, { "headers", LF_HEADERS },
    { "rss", LF_RSS }, { "vsz", LF_VSZ }, { "rssM", LF_RSSM }, { "vszM", LF_VSZM },
    { "modifier1", LF_MODIFIER1 }, { "switches", LF_SWITCHES },
};

typedef struct {
    int     id;
    char   *text;       /* the literal, or the NAME of %(var.NAME) */
    size_t  len;
} part_t;

static part_t   *parts;
static unsigned  nparts;
static int       mem_used;  /* the format names rss/vsz: read /proc once a line */

/* Append a part: a literal (text), %(var.NAME) (text = NAME) or a variable. */
static int
add_part(int id, const char *text, size_t len)
{
    part_t *p = realloc(parts, (nparts + 1) * sizeof(*p));

    if (p == NULL)
        return WEFT_ERROR;
    parts = p;
    p[nparts].id = id;
    p[nparts].len = len;
    p[nparts].text = NULL;
    if (text != NULL) {
        p[nparts].text = malloc(len + 1);
        if (p[nparts].text == NULL)
            return WEFT_ERROR;
        memcpy(p[nparts].text, text, len);
        p[nparts].text[len] = '\0';
    }
    nparts++;
    return WEFT_OK;
}

int
weft_logformat_compile(const char *fmt, char *err, size_t errlen)
{
    const char *p = fmt, *lit = fmt;
    unsigned    k;

    for (k = 0; k < nparts; k++)        /* a format given again replaces */
        free(parts[k].text);
    nparts = 0;
    mem_used = 0;
    while ((p = strstr(p, "%(")) != NULL) {
        const char *close = strchr(p + 2, ')');
        size_t      n;
        unsigned    i;
        int         id = -1;

        if (close == NULL) {
            snprintf(err, errlen, "'%s': a %%( without its )", fmt);
            return WEFT_ERROR;
        }
        n = (size_t) (close - p - 2);
        if (p > lit && add_part(LF_LITERAL, lit, (size_t) (p - lit)) != WEFT_OK)
            goto nomem;
        if (n > 4 && strncmp(p + 2, "var.", 4) == 0) {
            if (add_part(LF_VAR, p + 6, n - 4) != WEFT_OK)
                goto nomem;
        } else {
            for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strlen(names[i].name) == n && strncmp(names[i].name, p + 2, n) == 0)
                    id = names[i].id;
            if (id < 0) {
                snprintf(err, errlen, "%%(%.*s) is not a log variable weft knows (addr, user, "
                         "ltime, time, ctime, epoch, host, method, uri, proto, status, size, "
                         "rsize, hsize, cl, msecs, micros, secs, tmsecs, tmicros, referer, "
                         "uagent, pid, wid, core, headers, rss, vsz, rssM, vszM, modifier1, "
                         "switches, var.NAME)", (int) n, p + 2);
                return WEFT_ERROR;
            }
            if (id == LF_RSS || id == LF_VSZ || id == LF_RSSM || id == LF_VSZM)
                mem_used = 1;
            if (add_part(id, NULL, 0) != WEFT_OK)
                goto nomem;
        }
        p = lit = close + 1;
    }
    if (*lit != '\0' && add_part(LF_LITERAL, lit, strlen(lit)) != WEFT_OK)
        goto nomem;
    return WEFT_OK;

nomem:
    snprintf(err, errlen, "out of memory");
    return WEFT_ERROR;
}

int
weft_logformat_active(void)
{
    return nparts > 0;
}

const char *
weft_log_addr(weft_req_t *r, size_t *len)
{
    if (weft_conf.log_xff) {
        const char *x = weft_var_get(&r->pub, "HTTP_X_FORWARDED_FOR", len);
        if (x != NULL && *len > 0) {
            size_t n = 0;
            while (n < *len && x[n] != ',' && x[n] != ' ')
                n++;
            if (n > 0) {
                *len = n;
                return x;
            }
        }
    }
    *len = r->pub.remote_addr.len;
    return r->pub.remote_addr.data;
}

int
weft_logfilter_wants(weft_req_t *r, double took)
{
    int s = r->pub.status;

    if (weft_conf.log_4xx && s >= 400 && s < 500)
        return 1;
    if (weft_conf.log_5xx && s >= 500 && s < 600)
        return 1;
    if (weft_conf.log_slow > 0 && took * 1000.0 >= (double) weft_conf.log_slow)
        return 1;
    return 0;
}

/* Append n bytes of s escaped (at most 512 of them), or "-" when empty. */
static void
put_escaped(weft_buf_t *out, const char *s, size_t n)
{
    char esc[4096];
    size_t m;

    if (s == NULL || n == 0) {
        weft_buf_append(out, "-", 1);
        return;
    }
    if (n > 512)
        n = 512;
    m = weft_log_escape(esc, sizeof(esc), s, n, 0);
    weft_buf_append(out, esc, m);
}

/* Append a request variable, escaped, or "-". */
static void
put_var(weft_buf_t *out, weft_req_t *r, const char *name)
{
    size_t      n = 0;
    const char *v = weft_var_get(&r->pub, name, &n);

    put_escaped(out, v, v ? n : 0);
}

/* This process's resident and virtual size in bytes (0 when unknown). */
static void
memory(long *rss, long *vsz)
{
    long  pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            pages = resident = 0;
        fclose(f);
    }
    *vsz = pages * sysconf(_SC_PAGESIZE);
    *rss = resident * sysconf(_SC_PAGESIZE);
}

/* The response's header fields: as they went out (the status line and the
 * blank line are not fields), else as the app gave them. */
static unsigned
count_headers(weft_req_t *r)
{
    const weft_buf_t *b = r->head_sent && r->head.len > 0 ? &r->head : &r->headers;
    unsigned          n = 0;
    size_t            i;

    for (i = 0; i + 1 < b->len; i++)
        if (b->data[i] == '\r' && b->data[i + 1] == '\n')
            n++;
    if (b == &r->head)
        n = n >= 2 ? n - 2 : 0;
    return n;
}

void
weft_logformat_render(weft_buf_t *out, weft_req_t *r, double took)
{
    unsigned     i;
    long         rss = 0, vsz = 0;
    time_t       start = (time_t) r->pub.start_time;
    char         tbuf[128];
    struct tm    tm;
    struct timeval tv;
    const char  *s;
    size_t       n;
    unsigned long long hsize = r->head_sent ? (unsigned long long) r->head.len : 0;

    if (mem_used)
        memory(&rss, &vsz);
    for (i = 0; i < nparts; i++) {
        part_t *p = &parts[i];

        switch (p->id) {
        case LF_LITERAL: weft_buf_append(out, p->text, p->len); break;
        case LF_ADDR:
            s = weft_log_addr(r, &n);
            put_escaped(out, s, n);
            break;
        case LF_USER: put_var(out, r, "REMOTE_USER"); break;
        case LF_HOST: put_var(out, r, "HTTP_HOST"); break;
        case LF_REFERER: put_var(out, r, "HTTP_REFERER"); break;
        case LF_UAGENT: put_var(out, r, "HTTP_USER_AGENT"); break;
        case LF_VAR: put_var(out, r, p->text); break;
        case LF_METHOD: put_escaped(out, r->pub.method.data, r->pub.method.len); break;
        case LF_URI: put_escaped(out, r->pub.uri.data, r->pub.uri.len); break;
        case LF_PROTO: put_escaped(out, r->pub.protocol.data, r->pub.protocol.len); break;
        case LF_LTIME:
            localtime_r(&start, &tm);
            strftime(tbuf, sizeof(tbuf), "%d/%b/%Y:%H:%M:%S %z", &tm);
            weft_buf_printf(out, "%s", tbuf);
            break;
        case LF_CTIME:
            localtime_r(&start, &tm);
            strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y", &tm);
            weft_buf_printf(out, "%s", tbuf);
            break;
        case LF_TIME: weft_buf_printf(out, "%lld", (long long) start); break;
        case LF_EPOCH: weft_buf_printf(out, "%lld", (long long) time(NULL)); break;
        case LF_TMSECS:
            gettimeofday(&tv, NULL);
            weft_buf_printf(out, "%lld", (long long) tv.tv_sec * 1000 + tv.tv_usec / 1000);
            break;
        case LF_TMICROS:
            gettimeofday(&tv, NULL);
            weft_buf_printf(out, "%lld", (long long) tv.tv_sec * 1000000 + tv.tv_usec);
            break;
        case LF_STATUS: weft_buf_printf(out, "%d", r->pub.status); break;
        case LF_RSIZE:
            weft_buf_printf(out, "%llu", (unsigned long long) r->pub.bytes_sent);
            break;
        case LF_HSIZE: weft_buf_printf(out, "%llu", hsize); break;
        case LF_SIZE:
            weft_buf_printf(out, "%llu", (unsigned long long) r->pub.bytes_sent + hsize);
            break;
        case LF_CL:
            weft_buf_printf(out, "%lld", (long long) (r->pub.content_length > 0
                                                      ? r->pub.content_length : 0));
            break;
        case LF_MSECS: weft_buf_printf(out, "%lld", (long long) (took * 1000.0)); break;
        case LF_MICROS: weft_buf_printf(out, "%lld", (long long) (took * 1000000.0)); break;
        case LF_SECS: weft_buf_printf(out, "%.6f", took); break;
        case LF_PID: weft_buf_printf(out, "%ld", (long) getpid()); break;
        case LF_WID: weft_buf_printf(out, "%u", weft_worker_id); break;
        case LF_CORE: weft_buf_printf(out, "%u", r->pub.core ? r->pub.core->id : 0); break;
        case LF_HEADERS: weft_buf_printf(out, "%u", count_headers(r)); break;
        case LF_RSS: weft_buf_printf(out, "%ld", rss); break;
        case LF_VSZ: weft_buf_printf(out, "%ld", vsz); break;
        case LF_RSSM: weft_buf_printf(out, "%ld", rss / (1024 * 1024)); break;
        case LF_VSZM: weft_buf_printf(out, "%ld", vsz / (1024 * 1024)); break;
        case LF_MODIFIER1: weft_buf_printf(out, "%d", r->pub.modifier1); break;
        case LF_SWITCHES: weft_buf_printf(out, "0"); break;
        }
    }
    weft_buf_append(out, "\n", 1);
}
