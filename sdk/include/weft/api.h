/*
 * weft/api.h - the table of core services handed to every plugin.
 *
 * A plugin never links against the weft binary.  Its init() receives a
 * pointer to this table and keeps it; every call into the core goes through
 * it.  The table only grows at its end (weft/version.h), and a plugin built
 * for ABI 1.N only loads into a core of 1.N or newer, so every slot a plugin
 * knows about is present.
 *
 * Threading: a worker is one thread.  Every function here is called on it,
 * from the main context or from a core's context as noted.
 */
#ifndef WEFT_API_H
#define WEFT_API_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <weft/status.h>
#include <weft/request.h>
#include <weft/language.h>
#include <weft/engine.h>

typedef struct weft_api_s weft_api_t;

/* Log levels, most severe first. */
#define WEFT_LOG_ERROR  0
#define WEFT_LOG_WARN   1
#define WEFT_LOG_INFO   2
#define WEFT_LOG_DEBUG  3

/* Events for watch_fd() and wait_fd(). */
#define WEFT_READ   0x01
#define WEFT_WRITE  0x02

#if defined(__GNUC__)
#define WEFT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WEFT_PRINTF(f, a)
#endif

struct weft_api_s {
    uint32_t  size;           /* sizeof(weft_api_t) in this core */
    uint16_t  abi_major;      /* the core's ABI */
    uint16_t  abi_minor;
    const char *version;      /* weft's release, "0.1.0" */

    /* ------------------------------------------------ registration
     * Only from a plugin's init(): declare what the plugin provides.  The
     * struct must outlive the process (make it static).  WEFT_ERROR when
     * the struct is too short, or a name or modifier1 is already taken.
     */
    int   (*register_language)(const weft_language_t *lang);
    int   (*register_suspend_engine)(const weft_suspend_engine_t *engine);
    int   (*register_loop_engine)(const weft_loop_engine_t *engine);

    /*
     * While options are applied (typically from the engine's own option,
     * such as --ugreen): make the registered engine `name` the one this
     * weft uses.  WEFT_ERROR, with the reason logged, when another engine
     * was already chosen or no engine has that name.
     */
    int   (*select_engine)(const char *name);

    /*
     * While options are applied: set a core option as if it had been given
     * on the command line ("async", "100").  For plugin options that imply
     * core ones, as --gevent N implies --async N.
     */
    int   (*set_option)(const char *name, const char *value);

    /* ------------------------------------------------ logging
     * One line to the server log at `level`; the core adds time, pid and
     * level, and strips a trailing newline.  Safe from any context.
     */
    void  (*log)(int level, const char *fmt, ...) WEFT_PRINTF(2, 3);
    void  (*vlog)(int level, const char *fmt, va_list ap);

    /* ------------------------------------------------ the server */

    /* The worker's number: 1.. in workers, 0 in the master. */
    unsigned     (*worker_id)(void);

    /* How many async cores each worker has (1 without --async). */
    unsigned     (*core_count)(void);

    /* The name of the selected suspend or loop engine, or NULL for none. */
    const char  *(*engine_name)(void);

    /* ------------------------------------------------ requests
     * From the core's context, while request() of the request's language is
     * running (or between its calls).
     */

    /*
     * The value of the CGI variable `name` (NUL-terminated), or NULL when the
     * request has none.  *len, when not NULL, gets its length.
     */
    const char  *(*var)(weft_request_t *r, const char *name, size_t *len);

    /*
     * Read up to len bytes of the request body into buf.  Returns the count,
     * 0 at the end of the body, or -1 when the client went away, timed out
     * or sent a malformed body (logged).  Never returns more than the body:
     * with Content-Length it stops at that length; chunked bodies are
     * decoded.  Sends "100 Continue" first when the client asked for it.
     * With a suspend engine it suspends only this core while waiting.
     */
    ssize_t      (*read_body)(weft_request_t *r, void *buf, size_t len);

    /*
     * Set the response status from a status line without the protocol,
     * such as "200 OK" or "404 Not Found" ("404" takes the standard reason).
     * WEFT_ERROR when parse_status() refuses it or the headers are already
     * out.
     */
    int          (*set_status)(weft_request_t *r, const char *status, size_t len);

    /*
     * Add a response header.  The core validates it (valid_header_name,
     * valid_header_value) and frames the body itself: it honours an app's
     * Content-Length, and otherwise sends chunked on HTTP/1.1 and
     * close-delimited on HTTP/1.0.  An app's Connection or
     * Transfer-Encoding header is dropped.  WEFT_ERROR when invalid or when
     * the headers are already out.
     */
    int          (*add_header)(weft_request_t *r, const char *name, size_t nlen,
                               const char *value, size_t vlen);

    /*
     * Write body bytes, sending the status line and headers first if they
     * are not out yet (a missing status is "200 OK").  buf NULL with len 0
     * sends the headers (and anything held back) now; an empty buffer sends
     * nothing (PEP 3333: no headers before the first non-empty chunk).  Returns WEFT_OK when the bytes are written or queued,
     * WEFT_ERROR when the client is gone.  Suspends this core on a full
     * socket; without a suspend engine it queues the bytes and the core
     * drains them before calling request() again.
     */
    int          (*write)(weft_request_t *r, const void *buf, size_t len);

    /*
     * Send len bytes of fd from offset as body, with sendfile(2); len -1
     * means up to the end of the file.  Like write() otherwise.  The fd stays
     * the caller's.
     */
    int          (*sendfile)(weft_request_t *r, int fd, int64_t offset, int64_t len);

    /* ------------------------------------------------ the wait API
     * uWSGI's model: watch_fd() and watch_timer() only register; suspend()
     * (or request() returning WEFT_AGAIN) waits until any one of them fires.
     * Waiting stops only the calling core.  Registrations are cleared when
     * the core resumes.
     */

    /* Register interest in fd becoming readable/writable (WEFT_READ or
     * WEFT_WRITE); timeout in seconds, 0 for none.  Any number of fds may
     * be registered for one wait.  WEFT_ERROR on a bad fd. */
    int          (*watch_fd)(weft_request_t *r, int fd, int events, double timeout);

    /* Register a timer of `seconds` (millisecond precision). */
    int          (*watch_timer)(weft_request_t *r, double seconds);

    /*
     * Suspend this core until a registered wait fires; with nothing
     * registered, just let every other ready core run once.  Returns WEFT_OK
     * when woken (see ready_fd and timed_out), WEFT_ERROR when the request
     * is being aborted (client gone, shutdown): unwind and finish.  Without a
     * suspend engine it blocks the worker for the wait, and says so once in
     * the log.
     */
    int          (*suspend)(weft_request_t *r);

    /* After a wake-up: the fd that became ready, or -1. */
    int          (*ready_fd)(weft_request_t *r);

    /* After a wake-up: 1 when it was a timeout (or timer), else 0. */
    int          (*timed_out)(weft_request_t *r);

    /*
     * watch_fd() then suspend(), in one call: WEFT_OK when fd is ready,
     * WEFT_TIMEOUT when timeout seconds passed first, WEFT_ERROR when the
     * request is being aborted.
     */
    int          (*wait_fd)(weft_request_t *r, int fd, int events, double timeout);

    /* watch_timer() then suspend(): WEFT_OK after the time, else WEFT_ERROR. */
    int          (*sleep)(weft_request_t *r, double seconds);

    /* The request the calling core is serving, or NULL on the main context.
     * Under a loop engine: the request of the engine's current coroutine,
     * however the engine switched to it (NULL on one the app made). */
    weft_request_t *(*current_request)(void);

    /* ------------------------------------------------ for suspend engines */

    /*
     * The body of a core: serve its request to the end.  A suspend engine's
     * start() runs this on the core's own context; when it returns the core
     * is free and the engine switches back to the main context.
     */
    void         (*core_main)(weft_core_t *core);

    /* ------------------------------------------------ for loop engines */

    /* The worker's listen sockets: how many, and each one's fd. */
    unsigned     (*listener_count)(void);
    int          (*listener_fd)(unsigned i);

    /* Accept one connection on listener i: a non-blocking fd, or -1 when
     * there is none left for now (or the worker is stopping). */
    int          (*accept)(unsigned i);

    /*
     * Serve the connection fd (from api->accept(i)) to its end on the
     * calling coroutine: its request heads, each request on a free core
     * (waiting, parked, while none is free), keep-alive, and the close.
     * Every wait goes through the loop engine.  Takes fd over.
     */
    void         (*serve_connection)(int fd, unsigned i);

    /* Stop this worker: graceful lets in-flight requests finish first.
     * From any context. */
    void         (*stop_worker)(int graceful);

    /* ------------------------------------------------ the server, again */

    /* How many worker processes serve (--processes; 1 without). */
    unsigned     (*worker_count)(void);

    /*
     * Percent-decode len bytes of src into dst, which has room for len + 1
     * bytes (dst may be src), and NUL-terminate it, as PATH_INFO is
     * decoded.  Returns the decoded length, or -1 when the result would
     * hold a NUL byte.
     */
    ssize_t      (*percent_decode)(char *dst, const char *src, size_t len);

    /* ================================================ ABI 1.1
     * Everything below was added in 1.1 (weft/version.h has the log).
     * A 1.0 plugin never reads these; a 1.1 plugin may rely on each.
     */

    /* ------------------------------------------------ capabilities */

    /* The WEFT_ENGINE_* flags of the selected suspend or loop engine, or 0
     * when there is none.  A language decides how it shares its
     * interpreter between cores from these, never from the engine's name. */
    uint32_t     (*engine_flags)(void);

    /*
     * 1 when a wait by r (wait_fd, sleep, suspend, a body read or a write
     * that must wait) suspends only r and lets the worker serve others; 0
     * when it blocks the whole worker (no engine, or called off the core's
     * context).  From the core's context.
     */
    int          (*can_suspend)(weft_request_t *r);

    /* ------------------------------------------------ the response, again */

    /*
     * Declare the body's length: the core sends "Content-Length: n" and
     * frames the body by it (HEAD and the bodiless statuses send the header
     * and no body).  Replaces any length given before.  WEFT_ERROR when the
     * headers are already out.
     */
    int          (*set_content_length)(weft_request_t *r, uint64_t n);

    /*
     * Send fd from `offset` (offset < 0: the fd's current offset) to its end
     * as the rest of the body, with sendfile(2).  When the headers are not
     * out and no length was set, the remaining size becomes the
     * Content-Length.  For wsgi.file_wrapper, Rack's to_path and PSGI
     * filehandles.  WEFT_DECLINED when fd is not a regular file (read it and
     * write() instead), WEFT_ERROR when the client is gone.  The fd stays
     * the caller's: the core is done with it when this returns.
     */
    int          (*sendfile_fd)(weft_request_t *r, int fd, int64_t offset);

    /*
     * Like write(), but the core may keep a reference to buf instead of a
     * copy until the bytes are out, even after request_done(): a slow client
     * then holds no core once the app is done.  release(arg) is called
     * exactly once when the core no longer needs buf, on the worker's main
     * context or on a core's, never inside another call of this table's;
     * release may be NULL when buf outlives the request anyway.  Bytes kept
     * by reference do not count against --offload-buffer-size.  WEFT_ERROR
     * (the client is gone, out of memory): buf was not taken, and release
     * is never called for it.
     */
    int          (*write_ref)(weft_request_t *r, const void *buf, size_t len,
                              void (*release)(void *arg), void *arg);

    /* ------------------------------------------------ HTTP rules
     * One source for each rule, shared by the parser, the response path and
     * every language: call these rather than keep a copy.
     */

    /* 1 when s is an RFC 9110 token (a valid field name), else 0. */
    int          (*valid_header_name)(const char *s, size_t len);

    /* 1 when s may be a field value: visible ASCII, obs-text, SP and HTAB;
     * no CR, LF, NUL or other control byte.  Else 0. */
    int          (*valid_header_value)(const char *s, size_t len);

    /* The code of a status line without the protocol ("404 Not Found",
     * "204"): three digits, 100..999, then the end or a space and a reason
     * that is a valid field value.  -1 when malformed. */
    int          (*parse_status)(const char *s, size_t len);

    /* A Content-Length value: decimal digits only, no sign, no overflow.
     * The length, or -1 when malformed. */
    int64_t      (*parse_content_length)(const char *s, size_t len);

    /* 0 when a response with this status to r carries no body (1xx, 204,
     * 304, or any status to HEAD), else 1. */
    int          (*status_has_body)(weft_request_t *r, int status);

    /* ------------------------------------------------ the body, again */

    /*
     * Read one line of the body into buf: up to and including the next
     * '\n', or len bytes, or the end of the body, whichever comes first.
     * Returns the count (0 at the end, -1 as read_body() does).  Mixes with
     * read_body() in any order.
     */
    ssize_t      (*read_line)(weft_request_t *r, void *buf, size_t len);

    /*
     * Move the body's read position (whence SEEK_SET, SEEK_CUR or
     * SEEK_END).  Only when r->flags has WEFT_REQ_BODY_REWINDABLE: the core
     * keeps the body (in memory up to --body-buffer-size, then in an
     * unlinked temporary file).  SEEK_END reads the rest of the body
     * first; the next read at a position past what has arrived reads up to
     * there first; past the end of the body reads return 0, as in a file.
     * Returns the new position, or -1 (errno EINVAL for a bad position,
     * ESPIPE when the body is not rewindable, EIO when the body could not
     * be read).
     */
    int64_t      (*body_seek)(weft_request_t *r, int64_t offset, int whence);

    /* ------------------------------------------------ paths */

    /*
     * Open path beneath the directory rootfd, the way static files are:
     * no component may leave the root (a ".." above it, a symlink that
     * leads outside; an absolute symlink is followed only when it leads
     * inside), leading '/'s are ignored, and "/" or "" opens the root
     * itself.  flags as for openat(2) (O_PATH to exec or stat, O_RDONLY to
     * read); the fd is always close-on-exec.  The fd, or -1 with errno:
     * EXDEV when the path leaves the root, ENOENT, ENOTDIR, EACCES...
     * Check and use the same fd (fexecve, fstat): never the path again.
     */
    int          (*open_beneath)(int rootfd, const char *path, int flags);

    /* ================================================ ABI 1.2 */

    /* ------------------------------------------------ the connection */

    /*
     * Hand r's connection to the plugin (Rack's rack.hijack).  With
     * with_head, the status and headers set so far go out first, with no
     * body framing added (no Content-Length, no chunked) and "Connection:
     * close"; without it, nothing more is sent by weft at all.  What was
     * queued for the client is written first.  Returns a new descriptor of
     * the connection (close-on-exec, non-blocking) that the caller owns and
     * closes; from then on the core writes nothing (writes are dropped, the
     * status and headers are refused), reads nothing (input it had already
     * read is dropped), never reuses the connection, and closes its own
     * descriptor once the request ends, without a shutdown().  -1 with
     * errno: EPIPE when the client is gone, EALREADY when already handed
     * over (or with_head after the headers went out).  From the core's
     * context.
     */
    int          (*hijack)(weft_request_t *r, int with_head);

    /*
     * Send "103 Early Hints" with the n header lines names[i]: values[i]
     * (each checked as add_header does) now, before the final response.
     * WEFT_DECLINED when the client cannot take interim responses (an
     * HTTP/1.0 client, or the uwsgi protocol, whose frontend expects one
     * response); WEFT_ERROR when a header is invalid, the headers are
     * already out, or the client is gone.
     */
    int          (*early_hints)(weft_request_t *r, const weft_str_t *names,
                                const weft_str_t *values, size_t n);

    /* ================================================ ABI 1.4 */

    /* ------------------------------------------------ the worker, again */

    /* 1 when a master process watches the workers (and so starts a new
     * one in place of a worker that recycles), else 0. */
    int          (*has_master)(void);

    /*
     * Recycle this worker, as --max-requests does: it stops taking
     * requests, finishes the ones in flight, exits, and the master starts
     * a fresh one in its place (PSGI's psgix.harakiri.commit).  why (one
     * line) goes to the log.  WEFT_DECLINED, changing nothing, when there
     * is no master to start the new worker; WEFT_OK otherwise (also when
     * the worker was already stopping).  From any context.
     */
    int          (*recycle_worker)(const char *why);

    /* ================================================ ABI 1.5 */

    /*
     * Reopen the log file (--logto), as SIGUSR1 does in a worker: a loop
     * engine's run() handles SIGUSR1 (which the master passes on to every
     * worker) with this.  From the main context.
     */
    void         (*reopen_log)(void);
};

#endif /* WEFT_API_H */
