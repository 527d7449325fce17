/*
 * core/check_config.c - --check-config and --show-config: the record of
 * the options given, the report lines, the deployment-only notes and the
 * verdict.  Reading the files is core/inifile.c's job.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <weft/status.h>
#include "cheaper.h"
#include "check_config.h"
#include "conf.h"
#include "log.h"
#include "options.h"
#include "registry.h"
#include "route.h"

int         weft_check_mode;
int         weft_show_config;
const char *weft_check_file;

typedef struct {
    const char *name;
    const char *value;
} record_t;

static record_t *records;
static size_t    nrecords, records_cap;

void
weft_config_record(const char *name, const char *value)
{
    static const char *const skip[] = { "ini", "check-config", "show-config", NULL };
    int i;

    for (i = 0; skip[i] != NULL; i++)
        if (weft_option_name_eq(skip[i], name, strlen(name)))
            return;
    if (nrecords == records_cap) {
        size_t    cap = records_cap ? records_cap * 2 : 64;
        record_t *r = realloc(records, cap * sizeof(*r));
        if (r == NULL)
            return;
        records = r;
        records_cap = cap;
    }
    records[nrecords].name = weft_option_keep(name);
    records[nrecords].value = weft_option_keep(value);
    if (records[nrecords].name != NULL && records[nrecords].value != NULL)
        nrecords++;
}

void
weft_config_show(FILE *f)
{
    size_t i;

    for (i = 0; i < nrecords; i++)
        fprintf(f, "%s = %s\n", records[i].name, records[i].value);
    fflush(f);
}

void
weft_check_line(const char *where, const char *option, const char *status,
                const char *fmt, ...)
{
    va_list ap;

    if (!weft_check_mode)
        return;
    printf("%s: %s: %s: ", where, option, status);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

int
weft_check_skip_apply(const char *name)
{
    /* logto redirects the log and stderr; the others (opts' options)
     * detach or open files when they are applied. */
    static const char *const side[] = { "logto", "logto2", "daemonize", "logger",
                                        "req-logger", NULL };
    int i;

    for (i = 0; side[i] != NULL; i++)
        if (weft_option_name_eq(side[i], name, strlen(name)))
            return 1;
    return 0;
}

/* Whether the directory holding path exists here. */
static int
parent_exists(const char *path)
{
    char        dir[4096];
    const char *slash = strrchr(path, '/');
    struct stat st;

    if (slash == NULL)
        return 1;
    if ((size_t) (slash - path) >= sizeof(dir))
        return 1;
    memcpy(dir, path, (size_t) (slash - path));
    dir[slash - path] = '\0';
    return dir[0] == '\0' || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Whether name is one of names ('_' and '-' alike). */
static int
is_name(const char *name, const char *const *names)
{
    int i;

    for (i = 0; names[i] != NULL; i++)
        if (weft_option_name_eq(names[i], name, strlen(name)))
            return 1;
    return 0;
}

void
weft_check_value(const char *where, const char *name, const char *value)
{
    static const char *const dirs[] = { "chdir", "home", "virtualenv", "venv", "pyhome",
                                        "check-static", NULL };
    static const char *const files[] = { "pidfile", "pidfile2", "safe-pidfile", "logto",
                                         "logto2", "daemonize", NULL };
    static const char *const apps[] = { "wsgi-file", "file", "rack", "psgi", NULL };
    static const char *const sockets[] = { "socket", "http-socket", "uwsgi-socket", "http",
                                           NULL };
    struct stat st;

    if (!weft_check_mode || value == NULL)
        return;
    if (is_name(name, dirs)) {
        if (stat(value, &st) != 0 || !S_ISDIR(st.st_mode))
            weft_check_line(where, name, "note",
                            "%s is not a directory on this machine: checked again when weft starts",
                            value);
    } else if (is_name(name, files)) {
        if (!parent_exists(value))
            weft_check_line(where, name, "note",
                            "the directory of %s does not exist on this machine: checked again when weft starts",
                            value);
    } else if (is_name(name, apps)) {
        if (stat(value, &st) != 0)
            weft_check_line(where, name, "note",
                            "there is no %s on this machine: checked again when weft loads the app",
                            value);
    } else if (is_name(name, sockets)) {
        if (strchr(value, '/') != NULL && !parent_exists(value))
            weft_check_line(where, name, "note",
                            "the directory of the UNIX socket %s does not exist on this machine: checked again when weft binds",
                            value);
    } else if (weft_option_name_eq("uid", name, strlen(name))
               || weft_option_name_eq("chown-socket", name, strlen(name))) {
        char user[256];
        size_t len = strcspn(value, ":");
        if (len < sizeof(user) && strspn(value, "0123456789") != len) {
            memcpy(user, value, len);
            user[len] = '\0';
            if (getpwnam(user) == NULL)
                weft_check_line(where, name, "note",
                                "there is no user %s on this machine: checked again when weft starts",
                                user);
        }
    } else if (weft_option_name_eq("gid", name, strlen(name))) {
        if (strspn(value, "0123456789") != strlen(value) && getgrnam(value) == NULL)
            weft_check_line(where, name, "note",
                            "there is no group %s on this machine: checked again when weft starts",
                            value);
    }
}

int
weft_check_verdict(const char *file)
{
    if (weft_conf.uwsgi_sockets.n == 0 && weft_conf.http_sockets.n == 0) {
        fprintf(stderr, "weft: %s: weft would not start: nothing to listen on (give http-socket = ADDR or socket = ADDR)\n",
                file);
        return 1;
    }
    if (weft_registry_check_pairings() != WEFT_OK) {
        fprintf(stderr, "weft: %s: weft would not start: the plugins it loads do not go together (see the error above)\n",
                file);
        return 1;
    }
    {
        char why[512];                          /* cheaper: the options agree (cheaper.c) */
        if (weft_cheaper_check(why, sizeof(why)) != WEFT_OK) {
            fprintf(stderr, "weft: %s: weft would not start: %s\n", file, why);
            return 1;
        }
    }
    if (weft_routes_setup() != WEFT_OK) {      /* routes: every rule parses (route_parse.c) */
        fprintf(stderr, "weft: %s: weft would not start: a route rule is refused (see the error above)\n",
                file);
        return 1;
    }
    printf("%s: ok: weft would start with this configuration\n", file);
    fflush(stdout);
    return 0;
}
