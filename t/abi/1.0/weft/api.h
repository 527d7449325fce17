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
     * such as "200 OK" or "404 Not Found".  WEFT_ERROR when it does not
     * start with three digits or the headers are already out.
     */
    int          (*set_status)(weft_request_t *r, const char *status, size_t len);

    /*
     * Add a response header.  The core validates it (no CR, LF or NUL, a
     * token for a name) and frames the body itself: it honours an app's
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
     * WEFT_WRITE); timeout in seconds, 0 for none.  WEFT_ERROR on a bad fd. */
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

    /* The request the calling core is serving, or NULL on the main context. */
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
};

#endif /* WEFT_API_H */
