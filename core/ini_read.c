/*
 * core/ini_read.c - read one section of an ini file into entries, with the
 * magic variables expanded as each line is read (uWSGI expands them at
 * once, for the file they are in, comments included).
 *
 * Lines: "[section]", "name = value", "name" alone (on), comments starting
 * with ; or #, blank lines; blanks around names and values do not count;
 * a line may end in CRLF.  Sections other than the chosen one are skipped
 * (PasteDeploy's [app:main], logging sections ...).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <weft/status.h>
#include "ini_dialect.h"
#include "options.h"

/* A growable string. */
typedef struct {
    char   *p;
    size_t  n, cap;
    int     failed;
} sbuf_t;

/* Append n bytes of s to b (b->failed once memory runs out). */
static void
sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        char  *p;
        while (cap < b->n + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Append the string s to b. */
static void
sb_str(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* The absolute form of path (a malloc'd string).  A symbolic link is not
 * followed, as uWSGI does not: /etc/uwsgi/apps-enabled/app.ini keeps %d
 * in apps-enabled. */
static char *
absolute(const char *path)
{
    char        cwd[PATH_MAX];
    char       *r;
    struct stat st;

    if ((lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) && (r = realpath(path, NULL)) != NULL)
        return r;
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        return strdup(path);
    r = malloc(strlen(cwd) + strlen(path) + 2);
    if (r != NULL)
        sprintf(r, "%s/%s", cwd, path);
    return r;
}

/* Add the magic variable c of file path (absolute abs) to b; 0 when c is
 * not one of them. */
static int
file_magic(sbuf_t *b, char c, const char *path, const char *abs, const char *section)
{
    const char *base = strrchr(abs, '/') ? strrchr(abs, '/') + 1 : abs;
    const char *dot = strrchr(base, '.');
    size_t      dirlen = (size_t) (base - abs);

    switch (c) {
    case 'p': sb_str(b, abs); return 1;
    case 's': sb_str(b, base); return 1;
    case 'd': sb_add(b, abs, dirlen); return 1;            /* ends in '/', as uWSGI's */
    case 'e': sb_str(b, dot ? dot + 1 : ""); return 1;
    case 'n': sb_add(b, base, dot ? (size_t) (dot - base) : strlen(base)); return 1;
    case 'c': {
        const char *end = abs + (dirlen ? dirlen - 1 : 0), *start = end;
        while (start > abs && start[-1] != '/')
            start--;
        sb_add(b, start, (size_t) (end - start));
        return 1;
    }
    case 'x':
        sb_str(b, path);
        sb_str(b, ":");
        sb_str(b, section ? section : "uwsgi");
        return 1;
    }
    return 0;
}

/* Component n (0 first) of the directory of abs, or "". */
static void
dir_component(sbuf_t *b, const char *abs, int n)
{
    const char *base = strrchr(abs, '/');
    const char *p = abs;
    int         i = 0;

    while (p < base) {
        const char *q;
        while (p < base && *p == '/')
            p++;
        q = p;
        while (q < base && *q != '/')
            q++;
        if (q > p && i++ == n) {
            sb_add(b, p, (size_t) (q - p));
            return;
        }
        p = q;
    }
}

char *
weft_ini_magic(const char *line, const char *path, const char *top, const char *section)
{
    sbuf_t      b = { NULL, 0, 0, 0 };
    char       *abs = NULL, *topabs = NULL, tmp[256];
    const char *s;

    sb_add(&b, "", 0);
    for (s = line; *s != '\0'; s++) {
        const char *pct = strchr(s, '%');
        char        c;

        if (pct == NULL) {
            sb_str(&b, s);
            break;
        }
        sb_add(&b, s, (size_t) (pct - s));
        s = pct;
        c = s[1];
        if (c == '\0') {
            sb_add(&b, "%", 1);
            break;
        }
        if (abs == NULL && (abs = absolute(path)) == NULL)
            break;
        if (topabs == NULL && (topabs = absolute(top ? top : path)) == NULL)
            break;
        if (file_magic(&b, c, path, abs, section)) {
            s++;
            continue;
        }
        if (isupper((unsigned char) c) && strchr("PSDENCX", c) != NULL
            && file_magic(&b, (char) tolower((unsigned char) c), top ? top : path, topabs,
                          section)) {
            s++;
            continue;
        }
        tmp[0] = '\0';
        switch (c) {
        case '%': sb_add(&b, "%", 1); break;
        case '[': sb_add(&b, "\033", 1); break;
        case 'o': case 'O': sb_str(&b, top ? top : path); break;
        case 'k': snprintf(tmp, sizeof(tmp), "%ld", sysconf(_SC_NPROCESSORS_ONLN)); break;
        case 'h': if (gethostname(tmp, sizeof(tmp) - 1) != 0) tmp[0] = '\0'; tmp[255] = '\0'; break;
        case 'v': if (getcwd(tmp, sizeof(tmp)) == NULL) tmp[0] = '\0'; break;
        case 'V': snprintf(tmp, sizeof(tmp), "%s", PACKAGE_VERSION); break;
        case 'u': snprintf(tmp, sizeof(tmp), "%u", (unsigned) getuid()); break;
        case 'g': snprintf(tmp, sizeof(tmp), "%u", (unsigned) getgid()); break;
        case 'U': {
            struct passwd *pw = getpwuid(getuid());
            if (pw != NULL)
                snprintf(tmp, sizeof(tmp), "%s", pw->pw_name);
            else
                snprintf(tmp, sizeof(tmp), "%u", (unsigned) getuid());
            break;
        }
        case 'G': {
            struct group *gr = getgrgid(getgid());
            if (gr != NULL)
                snprintf(tmp, sizeof(tmp), "%s", gr->gr_name);
            else
                snprintf(tmp, sizeof(tmp), "%u", (unsigned) getgid());
            break;
        }
        case 't': case 'T': {
            struct timeval tv;
            gettimeofday(&tv, NULL);
            if (c == 't')
                snprintf(tmp, sizeof(tmp), "%lld", (long long) tv.tv_sec);
            else
                snprintf(tmp, sizeof(tmp), "%lld",
                         (long long) tv.tv_sec * 1000000 + (long long) tv.tv_usec);
            break;
        }
        default:
            if (c >= '0' && c <= '9') {
                dir_component(&b, abs, c - '0');
            } else {
                sb_add(&b, s, 2);     /* not a magic variable: %(name) ... */
            }
        }
        sb_str(&b, tmp);
        s++;
    }
    free(abs);
    free(topabs);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* s without its leading and trailing blanks (and CR, LF), in place. */
static char *
trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Whether [name] is the section to read (NULL: [uwsgi] or [weft]). */
static int
wanted(const char *name, const char *section)
{
    if (section != NULL)
        return strcmp(name, section) == 0;
    return strcmp(name, "uwsgi") == 0 || strcmp(name, "weft") == 0;
}

/* Insert e at position at (the list takes its strings). */
static int
list_insert(weft_ini_list_t *list, size_t at, const weft_ini_entry_t *e)
{
    if (list->n == list->cap) {
        size_t            cap = list->cap ? list->cap * 2 : 32;
        weft_ini_entry_t *v = realloc(list->v, cap * sizeof(*v));
        if (v == NULL)
            return WEFT_ERROR;
        list->v = v;
        list->cap = cap;
    }
    memmove(list->v + at + 1, list->v + at, (list->n - at) * sizeof(*list->v));
    list->v[at] = *e;
    list->n++;
    return WEFT_OK;
}

void
weft_ini_list_free(weft_ini_list_t *list)
{
    size_t i;

    for (i = 0; i < list->n; i++) {
        free(list->v[i].key);
        free(list->v[i].value);
    }
    free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}

int
weft_ini_read(const char *path, const char *section, const char *top, int depth,
              weft_ini_list_t *list, size_t at, char *err, size_t errlen)
{
    FILE       *f;
    char       *raw = NULL, *cur = NULL;
    size_t      rawcap = 0;
    ssize_t     len;
    int         lineno = 0, in_section = 0, found = 0, rc = WEFT_OK;
    const char *kept = weft_option_keep(path);

    if (kept == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return WEFT_ERROR;
    }
    while ((len = getline(&raw, &rawcap, f)) >= 0) {
        char             *line, *eq, *key, *value;
        weft_ini_entry_t  e;

        lineno++;
        free(cur);
        cur = weft_ini_magic(raw, path, top, section);
        if (cur == NULL) {
            snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
            rc = WEFT_ERROR;
            break;
        }
        line = trim(cur);
        if (line[0] == '\0' || line[0] == ';' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            char *close = strchr(line, ']');
            if (close == NULL) {
                snprintf(err, errlen, "%s:%d: a section name without ']'", path, lineno);
                rc = WEFT_ERROR;
                break;
            }
            *close = '\0';
            in_section = wanted(trim(line + 1), section);
            found |= in_section;
            continue;
        }
        if (!in_section)
            continue;
        eq = strchr(line, '=');
        if (eq != NULL)
            *eq = '\0';
        key = trim(line);
        value = eq ? trim(eq + 1) : (char *) "";
        if (key[0] == '\0' || strpbrk(key, " \t") != NULL) {
            snprintf(err, errlen,
                     "%s:%d: not an ini line (expected name = value, a name alone, or [section])",
                     path, lineno);
            rc = WEFT_ERROR;
            break;
        }
        if (list->n >= WEFT_INI_MAX_ENTRIES) {
            snprintf(err, errlen, "%s:%d: more than %d lines of options in all (ini files "
                     "that include each other?)", path, lineno, WEFT_INI_MAX_ENTRIES);
            rc = WEFT_ERROR;
            break;
        }
        e.key = strdup(key);
        e.value = strdup(value);
        e.bare = eq == NULL;
        e.file = kept;
        e.line = lineno;
        e.depth = depth;
        if (e.key == NULL || e.value == NULL || list_insert(list, at++, &e) != WEFT_OK) {
            free(e.key);
            free(e.value);
            snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
            rc = WEFT_ERROR;
            break;
        }
        found = 2;
    }
    free(raw);
    free(cur);
    fclose(f);
    if (rc == WEFT_OK && section != NULL && found != 2) {
        snprintf(err, errlen, "%s: no options in section [%s]", path, section);
        rc = WEFT_ERROR;
    }
    return rc;
}
