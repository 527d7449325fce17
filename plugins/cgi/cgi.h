/*
 * plugins/cgi/cgi.h - the CGI plugin's own declarations, shared by its
 * files.  Nothing here crosses the plugin ABI: only the descriptor in cgi.c
 * is exported (the plugin is built with -fvisibility=hidden).
 *
 *   cgi.c          descriptor, options, the language hooks
 *   cgi_map.c      URL path -> script, path safety
 *   cgi_env.c      the script's meta-variables (RFC 3875 section 4)
 *   cgi_spawn.c    starting, killing and reaping a script's process group
 *   cgi_headers.c  parsing the script's head (RFC 3875 section 6)
 *   cgi_io.c       pumping the pipes: body to stdin, stdout to the client,
 *                  stderr to the log
 */
#ifndef WEFT_PLUGIN_CGI_H
#define WEFT_PLUGIN_CGI_H

#include <stddef.h>
#include <sys/types.h>

#include <weft/weft.h>

#define CGI_MODIFIER1       9
#define CGI_MAX_REDIRECTS   10       /* local redirects per request */
#define CGI_LOG_LINE        1024     /* longest stderr line in one log line */

/* ------------------------------------------------------------ settings */

/* One --cgi [mountpoint=]path. */
typedef struct {
    char        *mount;       /* "" (the root) or "/cgi-bin": no trailing '/' */
    size_t       mount_len;
    char        *path;        /* real path of the directory or the script */
    size_t       path_len;
    int          is_file;     /* path is one script; the rest is PATH_INFO */
    int          root_fd;     /* O_PATH: the directory, or the one script's
                                 directory; scripts are opened beneath it */
    const char  *file_base;   /* is_file: the script's name in root_fd */
} cgi_mount_t;

/* One --cgi-helper .ext=interpreter [args]. */
typedef struct {
    char        *ext;         /* the file name suffix, ".pl" */
    size_t       ext_len;
    char       **argv;        /* the interpreter (absolute) and its
                                 arguments, NULL-terminated */
    unsigned     argc;
    char        *words;       /* the option's words, argv[1..] point in it */
} cgi_helper_t;

typedef struct {
    cgi_mount_t     *mounts;
    unsigned         nmounts;
    cgi_helper_t    *helpers;
    unsigned         nhelpers;
    weft_strlist_t   index;        /* --cgi-index, tried in order */
    weft_strlist_t   allowed_ext;  /* --cgi-allowed-ext; empty: any */
    double           timeout;      /* --cgi-timeout, seconds */
    size_t           buffer_size;  /* --cgi-buffer-size: reads, the head */
    const char      *path_env;     /* "PATH=..." for scripts */
    const char      *software;     /* "SERVER_SOFTWARE=weft/0.1.0" */
} cgi_conf_t;

extern cgi_conf_t         cgi_conf;
extern const weft_api_t  *cgi_api;

/* ------------------------------------------------------------ cgi_map.c */

/* A request resolved to a script.  One allocation; strings inside. */
typedef struct {
    const cgi_mount_t   *mount;
    const cgi_helper_t  *helper;        /* run through it, or NULL */
    char                *filename;      /* SCRIPT_FILENAME, absolute */
    char                *dir;           /* its directory (the cwd) */
    const char          *base;          /* its last component, in filename */
    char                *script_name;   /* SCRIPT_NAME */
    char                *path_info;     /* PATH_INFO ("" when none) */
    int                  nph;           /* base starts with "nph-" */
    int                  fd;            /* O_PATH: the script that was
                                           checked, and is what runs */
    int                  dir_fd;        /* O_PATH: its directory (the cwd) */
} cgi_script_t;

/* What cgi_map() decided when it found no script. */
typedef struct {
    int          status;       /* 301, 403, 404, or 500 (out of memory) */
    const char  *why;          /* for the log */
} cgi_refusal_t;

/*
 * Resolve the URL path `path` (percent-decoded, starting with '/') under
 * the configured mounts.  `prefix` is prepended to SCRIPT_NAME (the
 * frontend's own SCRIPT_NAME; "" for none).  Returns a script to free()
 * when done, or NULL with *no filled: 404 when nothing maps, 403 when the
 * path is refused (a ".." segment, a symlink out of the root, an
 * extension that is not allowed, not executable, a directory without an
 * index), 301 when a directory was named without its trailing slash,
 * 500 when out of memory.  Never follows a path out of the mount's root:
 * the script and its directory are opened beneath it (api->open_beneath),
 * and the script's fd is what was checked and what cgi_spawn() executes.
 */
cgi_script_t *cgi_map(const char *path, size_t len, const char *prefix, size_t prefix_len,
                      cgi_refusal_t *no);

/* Free s and close its fds (NULL is fine). */
void cgi_script_free(cgi_script_t *s);

/* ------------------------------------------------------------ cgi_env.c */

/* A local redirect's view of the request (RFC 3875 6.2.2): a GET of
 * `uri` with no body. */
typedef struct {
    const char  *uri;          /* the Location value: path[?query] */
    size_t       uri_len;
    const char  *orig_uri;     /* the first script's REQUEST_URI */
    size_t       orig_len;
} cgi_redirect_t;

/*
 * The script's environment: the request's variables (the client's HTTP_*
 * headers among them, minus HTTP_PROXY), with the CGI meta-variables set
 * for script s, and PATH.  With redir, the request is redir's GET.
 * Returns a NULL-terminated array to free() (strings included), or NULL
 * when out of memory.
 */
char **cgi_env_build(weft_request_t *r, const cgi_script_t *s, const cgi_redirect_t *redir);

/* ------------------------------------------------------------ cgi_spawn.c */

/* A running script. */
typedef struct {
    pid_t        pid;          /* 0: none */
    int          in_fd;        /* our end of its stdin, or -1 */
    int          out_fd;       /* our end of its stdout, or -1 */
    int          err_fd;       /* our end of its stderr, or -1 */
    int          pid_fd;       /* pidfd, opened when waiting for its exit */
    int          reaped;       /* waited for: wstatus is its status */
    int          wstatus;
} cgi_proc_t;

/* In each worker: open what spawning needs (/dev/null).  WEFT_ERROR
 * (logged) when it cannot. */
int  cgi_spawn_init(void);

/* At worker exit: kill and reap anything still left. */
void cgi_spawn_exit(void);

/*
 * Start script s in a process group of its own, in its directory (s->dir_fd),
 * with envp; its stdin is a pipe when with_stdin, else /dev/null.  No shell
 * is involved: the very file cgi_map() checked (s->fd) is executed, or its
 * helper with "/dev/fd/3" (that file) as the only argument.  Our pipe ends
 * are non-blocking and close-on-exec.  Returns 0, or an errno value
 * (ENOENT, EACCES, ENOEXEC...) with p untouched.
 */
int  cgi_spawn(cgi_proc_t *p, const cgi_script_t *s, char **envp, int with_stdin);

/* Reap p if it has exited, without waiting.  1 when reaped (now or
 * before), else 0. */
int  cgi_reap(cgi_proc_t *p);

/*
 * End p for good: SIGKILL its process group (and p itself, should it have
 * left the group), reap it, close every fd.  Safe to call twice, and on a
 * p that already exited.
 */
void cgi_kill(cgi_proc_t *p);

/* Close p's fds (the process is left alone). */
void cgi_close_fds(cgi_proc_t *p);

/* A pidfd for p that becomes readable when it exits, or -1 (old kernel). */
int  cgi_pidfd(cgi_proc_t *p);

/* ------------------------------------------------------------ cgi_headers.c */

/*
 * Where the head in buf[0..len) ends: the offset of the first body byte,
 * or 0 when the blank line has not arrived yet.  *scanned (0 at first)
 * remembers how far complete lines were looked at, so a head that trickles
 * in is scanned once.
 */
size_t cgi_head_end(const char *buf, size_t len, size_t *scanned);

/* How a head was parsed. */
#define CGI_HEAD_RESPONSE   0    /* status and headers set on the request */
#define CGI_HEAD_REDIRECT   1    /* a local redirect: see *loc */
#define CGI_HEAD_BAD        2    /* malformed: reason in why */

/*
 * Parse the script's head buf[0..len) (lines up to and including the blank
 * one) and, unless it is a local redirect or malformed, set the response
 * status and headers on r.  An nph script's head starts with its HTTP
 * status line and is passed through as it is.  Nothing is set on r when
 * the head is bad or a local redirect, so the caller can still answer 502
 * or run the redirect's target.
 */
int  cgi_head_apply(weft_request_t *r, const char *buf, size_t len, int nph,
                    const char **loc, size_t *loc_len, char *why, size_t whylen);

/* ------------------------------------------------------------ cgi_io.c */

/* A request's CGI state (r->ctx). */
typedef struct cgi_req_s cgi_req_t;

/*
 * Start serving r with script s (taking it over): spawn it and return its
 * state, or NULL after answering r with an error status.
 */
cgi_req_t *cgi_io_start(weft_request_t *r, cgi_script_t *s);

/*
 * Move r's bytes along: the body to the script, its output to the client,
 * its stderr to the log.  WEFT_AGAIN with waits registered, WEFT_OK when
 * the response is complete, WEFT_ERROR when it cannot be (client gone,
 * the script failed mid-body).
 */
int  cgi_io_pump(weft_request_t *r, cgi_req_t *x);

/* Release x: a script still running is killed and reaped. */
void cgi_io_free(cgi_req_t *x);

/* ------------------------------------------------------------ cgi.c */

/* Answer r with `status` ("404 Not Found") and a one-line text body. */
int  cgi_reply(weft_request_t *r, const char *status);

#endif /* WEFT_PLUGIN_CGI_H */
