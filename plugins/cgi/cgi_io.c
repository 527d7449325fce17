/*
 * plugins/cgi/cgi_io.c - a running script's pipes, pumped without blocking.
 *
 * Each call of cgi_io_pump() does what can be done now: hand the script the
 * request body (api->read_body streams it, chunked or not, and suspends
 * only this core while the client is slow), read its stderr into the log
 * line by line, and read its stdout: first the head (cgi_headers.c), then
 * the body, written to the client as it comes.  When a pipe would block it
 * registers every pipe it still needs with api->watch_fd, plus a timer for
 * --cgi-timeout, and returns WEFT_AGAIN: the core calls it again once one
 * of them fires.  That works the same with a suspend engine (the core
 * switches to other cores) and without one (other requests' callbacks run
 * from the loop).
 *
 *   HEAD     reading the head
 *   BODY     streaming the body to the client
 *   DISCARD  a local redirect: the first script's output is read away
 *   EXIT     stdout ended: waiting for the script to exit (a pidfd), then
 *            the response is complete (or the redirect's target starts)
 *
 * The script's exit also ends its output when a process it started (a
 * `cmd &` that kept stdout) holds the pipe open: what the script wrote is
 * read, then the response ends instead of waiting for that process.  A
 * script that exits non-zero (or is killed) after its head was sent gets
 * its response cut, so the client does not take a failed script's output
 * for a whole one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgi.h"

#define PHASE_HEAD      0
#define PHASE_BODY      1
#define PHASE_DISCARD   2
#define PHASE_EXIT      3

#define READS_PER_TURN  4           /* stdout reads before letting others run */
#define EXIT_POLL       0.005       /* without pidfds: how often to look */
#define EXIT_GRACE      3.0         /* how long a script may outlive its stdout */

struct cgi_req_s {
    cgi_script_t  *script;
    cgi_proc_t     proc;
    int            phase;
    int            responded;         /* its head is set on the response */
    double         deadline;          /* CLOCK_MONOTONIC seconds */

    char          *out;               /* stdout: the head gathers here */
    size_t         out_len;
    size_t         scanned;           /* cgi_head_end()'s place */

    char          *in;                /* body read from the client, not yet */
    size_t         in_pos, in_len;    /* written to the script */
    int            body_done;
    int            drained;           /* the last stdout read hit EAGAIN */

    char           err[CGI_LOG_LINE]; /* stderr: the line so far */
    size_t         err_len;

    char          *redirect;          /* a local redirect's target */
    size_t         redirect_len;
    unsigned       redirects;
    const char    *failed;            /* why the response will be a 502 */
    char           why[256];
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ stderr */

static void
log_line(cgi_req_t *x, char *line, size_t n)
{
    size_t i;

    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    if (n == 0)
        return;
    for (i = 0; i < n; i++)
        if ((unsigned char) line[i] < 0x20 && line[i] != '\t')
            line[i] = '?';
    cgi_api->log(WEFT_LOG_WARN, "cgi: %s: %.*s", x->script->filename, (int) n, line);
}

/* Log the complete lines in err[], keep the rest; `all`: the rest too. */
static void
log_lines(cgi_req_t *x, int all)
{
    char   *p = x->err, *end = x->err + x->err_len, *nl;

    while ((nl = memchr(p, '\n', (size_t) (end - p))) != NULL) {
        log_line(x, p, (size_t) (nl - p));
        p = nl + 1;
    }
    if (all || (p == x->err && end - p == (ptrdiff_t) sizeof(x->err))) {
        log_line(x, p, (size_t) (end - p));      /* or a line too long to wait for */
        p = end;
    }
    x->err_len = (size_t) (end - p);
    memmove(x->err, p, x->err_len);
}

/* Read what stderr has now, up to a bound, into the log. */
static void
pump_stderr(cgi_req_t *x)
{
    int reads;

    for (reads = 0; reads < 16 && x->proc.err_fd >= 0; reads++) {
        ssize_t n = read(x->proc.err_fd, x->err + x->err_len, sizeof(x->err) - x->err_len);

        if (n > 0) {
            x->err_len += (size_t) n;
            log_lines(x, 0);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        log_lines(x, 1);
        close(x->proc.err_fd);
        x->proc.err_fd = -1;
    }
}

/* ------------------------------------------------------------ stdin */

/* Stop feeding the script: the rest of the body is left to the core. */
static void
close_stdin(cgi_req_t *x)
{
    if (x->proc.in_fd >= 0) {
        close(x->proc.in_fd);
        x->proc.in_fd = -1;
    }
    x->in_pos = x->in_len = 0;
}

/* Body to the script until its pipe is full.  WEFT_ERROR: the client is
 * gone or sent a bad body. */
static int
feed(weft_request_t *r, cgi_req_t *x)
{
    while (x->proc.in_fd >= 0) {
        ssize_t n;

        if (x->in_pos == x->in_len) {
            if (x->body_done) {
                close_stdin(x);
                break;
            }
            n = cgi_api->read_body(r, x->in, cgi_conf.buffer_size);
            if (n < 0)
                return WEFT_ERROR;
            if (n == 0) {
                x->body_done = 1;
                continue;
            }
            x->in_pos = 0;
            x->in_len = (size_t) n;
        }
        n = write(x->proc.in_fd, x->in + x->in_pos, x->in_len - x->in_pos);
        if (n > 0) {
            x->in_pos += (size_t) n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        close_stdin(x);                         /* EPIPE: it stopped reading */
    }
    return WEFT_OK;
}

/* ------------------------------------------------------------ start */

static const char *
spawn_error(int err)
{
    switch (err) {
    case ENOEXEC:
        return "not an executable format (a script needs a #! line, or a --cgi-helper)";
    case ENOENT:
        return "not found (the script, or the interpreter on its #! line)";
    case EACCES:
    case EPERM:
        return "permission denied";
    default:
        return strerror(err);
    }
}

/*
 * Spawn s for r (a redirect's target when redir is set).  WEFT_OK, or
 * WEFT_DONE when it could not start and r has been answered.
 */
static int
start(weft_request_t *r, cgi_req_t *x, cgi_script_t *s, const cgi_redirect_t *redir)
{
    int     with_stdin = redir == NULL
                         && (r->content_length > 0 || (r->flags & WEFT_REQ_CHUNKED_BODY));
    char  **env;
    int     err;

    cgi_script_free(x->script);
    x->script = s;
    env = cgi_env_build(r, s, redir);
    err = env ? cgi_spawn(&x->proc, s, env, with_stdin) : ENOMEM;
    free(env);
    if (err != 0) {
        int denied = err == EACCES || err == EPERM;

        cgi_api->log(denied ? WEFT_LOG_INFO : WEFT_LOG_ERROR, "cgi: %s: cannot run it: %s",
                     s->filename, spawn_error(err));
        cgi_reply(r, denied ? "403 Forbidden" : "500 Internal Server Error");
        return WEFT_DONE;
    }
    x->phase = PHASE_HEAD;
    x->deadline = now() + cgi_conf.timeout;
    x->out_len = x->scanned = 0;
    x->body_done = !with_stdin;
    if (with_stdin && x->in == NULL) {
        x->in = malloc(cgi_conf.buffer_size);
        if (x->in == NULL)
            close_stdin(x);
    }
    return WEFT_OK;
}

cgi_req_t *
cgi_io_start(weft_request_t *r, cgi_script_t *s)
{
    cgi_req_t *x = calloc(1, sizeof(*x));

    if (x != NULL)
        x->out = malloc(cgi_conf.buffer_size);
    if (x == NULL || x->out == NULL) {
        free(x);
        cgi_script_free(s);
        cgi_reply(r, "500 Internal Server Error");
        return NULL;
    }
    x->proc.in_fd = x->proc.out_fd = x->proc.err_fd = x->proc.pid_fd = -1;
    if (start(r, x, s, NULL) != WEFT_OK) {
        cgi_io_free(x);
        return NULL;
    }
    return x;
}

/* ------------------------------------------------------------ endings */

/* Kill the script and fail the request (the core cuts or answers 500). */
static int
fail(cgi_req_t *x)
{
    cgi_kill(&x->proc);
    return WEFT_ERROR;
}

/* 502 for a script that broke the protocol; reason in the log. */
static int
bad_gateway(weft_request_t *r, cgi_req_t *x, const char *why)
{
    char status[64] = "";

    if (x->proc.reaped && WIFEXITED(x->proc.wstatus) && WEXITSTATUS(x->proc.wstatus) != 0)
        snprintf(status, sizeof(status), " (it exited with status %d)",
                 WEXITSTATUS(x->proc.wstatus));
    else if (x->proc.reaped && WIFSIGNALED(x->proc.wstatus))
        snprintf(status, sizeof(status), " (it was killed by signal %d)",
                 WTERMSIG(x->proc.wstatus));
    cgi_api->log(WEFT_LOG_ERROR, "cgi: %s: bad gateway: %s%s", x->script->filename, why, status);
    cgi_kill(&x->proc);
    if (r->flags & WEFT_REQ_HEADERS_SENT)
        return WEFT_ERROR;
    return cgi_reply(r, "502 Bad Gateway") == WEFT_OK ? WEFT_OK : WEFT_ERROR;
}

static int
timed_out(weft_request_t *r, cgi_req_t *x)
{
    pump_stderr(x);
    if (x->phase == PHASE_EXIT && x->responded) {
        cgi_api->log(WEFT_LOG_WARN, "cgi: %s: closed its output but did not exit: killed its process group",
                     x->script->filename);
        cgi_kill(&x->proc);
        return WEFT_OK;                         /* the response is whole */
    }
    cgi_api->log(WEFT_LOG_ERROR, "cgi: %s: still running after %g s (--cgi-timeout): killed its process group",
                 x->script->filename, cgi_conf.timeout);
    cgi_kill(&x->proc);
    if (!x->responded)
        return cgi_reply(r, "504 Gateway Timeout") == WEFT_OK ? WEFT_OK : WEFT_ERROR;
    return WEFT_ERROR;          /* its head is set: the core answers 500 or cuts */
}

/* The target of a local redirect, in place of the script that asked. */
static int
follow_redirect(weft_request_t *r, cgi_req_t *x)
{
    cgi_redirect_t  redir;
    cgi_refusal_t   no;
    cgi_script_t   *s;
    const char     *q = memchr(x->redirect, '?', x->redirect_len);
    size_t          pl = q ? (size_t) (q - x->redirect) : x->redirect_len;
    char           *path = malloc(pl + 1);
    const char     *prefix;
    size_t          prefix_len = 0;
    ssize_t         dl;

    if (++x->redirects > CGI_MAX_REDIRECTS) {
        free(path);
        cgi_api->log(WEFT_LOG_ERROR, "cgi: %s: more than %d local redirects",
                     x->script->filename, CGI_MAX_REDIRECTS);
        return cgi_reply(r, "500 Internal Server Error");
    }
    if (path == NULL || (dl = cgi_api->percent_decode(path, x->redirect, pl)) < 0) {
        free(path);
        return cgi_reply(r, "404 Not Found");
    }
    /* Under a mount point (r->script_name), the target's path starts with it. */
    prefix = r->script_name.data;
    prefix_len = r->script_name.len;
    if (prefix_len == 0 || (size_t) dl <= prefix_len
        || memcmp(path, prefix, prefix_len) != 0 || path[prefix_len] != '/')
        prefix_len = 0;
    s = cgi_map(path + prefix_len, (size_t) dl - prefix_len, prefix_len ? prefix : "",
                prefix_len, &no);
    free(path);
    if (s == NULL) {
        cgi_api->log(WEFT_LOG_INFO, "cgi: local redirect to %.*s: %d (%s)",
                     (int) x->redirect_len, x->redirect, no.status, no.why);
        return cgi_reply(r, no.status == 403 ? "403 Forbidden" : "404 Not Found");
    }
    redir.uri = x->redirect;
    redir.uri_len = x->redirect_len;
    redir.orig_uri = r->uri.data;
    redir.orig_len = r->uri.len;
    cgi_close_fds(&x->proc);
    if (start(r, x, s, &redir) != WEFT_OK)
        return WEFT_OK;                         /* answered */
    free(x->redirect);
    x->redirect = NULL;
    return WEFT_AGAIN;
}

/* The script has exited: finish the response (or start the redirect). */
static int
exited(weft_request_t *r, cgi_req_t *x)
{
    pump_stderr(x);
    if (x->err_len > 0)
        log_lines(x, 1);
    if (x->failed != NULL)
        return bad_gateway(r, x, x->failed);
    if (x->redirect != NULL)
        return follow_redirect(r, x);
    if (WIFSIGNALED(x->proc.wstatus) || WEXITSTATUS(x->proc.wstatus) != 0) {
        char how[48];

        if (WIFSIGNALED(x->proc.wstatus))
            snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(x->proc.wstatus));
        else
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(x->proc.wstatus));
        cgi_api->log(WEFT_LOG_WARN, "cgi: %s: %s after its head: the response is cut",
                     x->script->filename, how);
        cgi_close_fds(&x->proc);
        return WEFT_ERROR;          /* the core cuts it (or answers 500 if nothing left) */
    }
    cgi_close_fds(&x->proc);
    return WEFT_OK;
}

/* ------------------------------------------------------------ stdout */

/* The head is complete at `end`: apply it. */
static int
head_done(weft_request_t *r, cgi_req_t *x, size_t end)
{
    const char *loc;
    size_t      loc_len;

    switch (cgi_head_apply(r, x->out, end, x->script->nph, &loc, &loc_len, x->why,
                           sizeof(x->why))) {
    case CGI_HEAD_BAD:
        return bad_gateway(r, x, x->why);
    case CGI_HEAD_REDIRECT:
        x->redirect = malloc(loc_len + 1);
        if (x->redirect == NULL)
            return fail(x);
        memcpy(x->redirect, loc, loc_len);
        x->redirect[loc_len] = '\0';
        x->redirect_len = loc_len;
        x->phase = PHASE_DISCARD;
        close_stdin(x);
        return WEFT_AGAIN;
    }
    x->phase = PHASE_BODY;
    x->responded = 1;
    if (x->out_len > end && cgi_api->write(r, x->out + end, x->out_len - end) != WEFT_OK)
        return fail(x);
    return WEFT_AGAIN;
}

/* The script's output is over (its end, or the script gone with a
 * process of its own still holding it): close the pipes, and name what was
 * missing if the head never ended. */
static void
end_output(cgi_req_t *x)
{
    close(x->proc.out_fd);
    x->proc.out_fd = -1;
    close_stdin(x);
    if (x->phase == PHASE_HEAD)
        x->failed = x->out_len ? "its output ended before the blank line that ends its headers"
                               : "it printed nothing (no headers)";
    x->phase = PHASE_EXIT;
}

/*
 * Read stdout while it has bytes (a few reads at most).  WEFT_AGAIN when
 * it would block, WEFT_DONE at its end, else pump()'s return value.
 */
static int
pump_stdout(weft_request_t *r, cgi_req_t *x)
{
    int reads;

    for (reads = 0; reads < READS_PER_TURN; reads++) {
        size_t  off = x->phase == PHASE_HEAD ? x->out_len : 0;
        ssize_t n;
        size_t  end;
        int     rc;

        if (off == cgi_conf.buffer_size) {
            snprintf(x->why, sizeof(x->why), "its headers are longer than %zu bytes (--cgi-buffer-size)",
                     cgi_conf.buffer_size);
            return bad_gateway(r, x, x->why);
        }
        n = read(x->proc.out_fd, x->out + off, cgi_conf.buffer_size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            x->drained = 1;
            /* About to wait: a head with no body yet goes out now (the
             * core sends held body bytes itself before a wait). */
            if (x->phase == PHASE_BODY && !(r->flags & WEFT_REQ_HEADERS_SENT)
                && cgi_api->write(r, NULL, 0) != WEFT_OK)
                return fail(x);
            return WEFT_AGAIN;
        }
        if (n <= 0) {
            end_output(x);
            if (x->deadline > now() + EXIT_GRACE)
                x->deadline = now() + EXIT_GRACE;
            return WEFT_DONE;
        }
        x->drained = 0;
        switch (x->phase) {
        case PHASE_HEAD:
            x->out_len += (size_t) n;
            end = cgi_head_end(x->out, x->out_len, &x->scanned);
            if (end == 0)
                continue;
            rc = head_done(r, x, end);
            if (rc != WEFT_AGAIN)
                return rc;
            break;
        case PHASE_BODY:
            if (cgi_api->write(r, x->out, (size_t) n) != WEFT_OK)
                return fail(x);
            break;
        }
    }
    return WEFT_AGAIN;
}

/*
 * The script has exited, but its stdout is still open: a process it
 * started holds it.  Read what the script left in the pipe, then end the
 * output there (WEFT_DONE), or pump_stdout()'s answer.
 */
static int
orphaned_output(weft_request_t *r, cgi_req_t *x)
{
    int rc;

    do
        rc = pump_stdout(r, x);
    while (rc == WEFT_AGAIN && !x->drained);
    if (rc != WEFT_AGAIN)
        return rc;
    cgi_api->log(WEFT_LOG_WARN, "cgi: %s: exited, but a process it started still holds its "
                 "output open: the response ends with the script", x->script->filename);
    end_output(x);
    return WEFT_DONE;
}

/* ------------------------------------------------------------ the pump */

/* Register every pipe still open, and the deadline. */
static int
wait_for_pipes(weft_request_t *r, cgi_req_t *x)
{
    double left = x->deadline - now();

    if (x->proc.out_fd >= 0)
        cgi_api->watch_fd(r, x->proc.out_fd, WEFT_READ, 0);
    if (x->proc.err_fd >= 0)
        cgi_api->watch_fd(r, x->proc.err_fd, WEFT_READ, 0);
    if (x->proc.in_fd >= 0 && x->in_pos < x->in_len)
        cgi_api->watch_fd(r, x->proc.in_fd, WEFT_WRITE, 0);
    if (x->phase == PHASE_EXIT || x->proc.out_fd >= 0) {   /* its exit ends the wait */
        int pfd = cgi_pidfd(&x->proc);
        if (pfd >= 0)
            cgi_api->watch_fd(r, pfd, WEFT_READ, 0);
        else if (left > EXIT_POLL)
            left = EXIT_POLL;
    }
    cgi_api->watch_timer(r, left > 0 ? left : 0);
    return WEFT_AGAIN;
}

int
cgi_io_pump(weft_request_t *r, cgi_req_t *x)
{
    for (;;) {
        double t = now();
        int    rc;

        if (r->flags & WEFT_REQ_CLIENT_GONE)
            return fail(x);
        if (t >= x->deadline - 0.0005)
            return timed_out(r, x);
        if (x->proc.in_fd >= 0 && feed(r, x) != WEFT_OK)
            return fail(x);
        pump_stderr(x);

        if (x->phase != PHASE_EXIT) {
            rc = pump_stdout(r, x);
            if (rc == WEFT_AGAIN && x->drained && cgi_reap(&x->proc))
                rc = orphaned_output(r, x);
            if (rc == WEFT_AGAIN)
                return wait_for_pipes(r, x);
            if (rc != WEFT_DONE)
                return rc;
        }
        /* EXIT: stdout is closed. */
        if (!cgi_reap(&x->proc))
            return wait_for_pipes(r, x);
        rc = exited(r, x);
        if (rc != WEFT_AGAIN)
            return rc;
        /* A redirect's target is running: pump it. */
    }
}

void
cgi_io_free(cgi_req_t *x)
{
    cgi_kill(&x->proc);
    cgi_script_free(x->script);
    free(x->out);
    free(x->in);
    free(x->redirect);
    free(x);
}
