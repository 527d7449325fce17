/*
 * t/unit/test_abi.c - the layout of every struct that crosses the plugin
 * ABI, held against a table kept in t/abi/layout-ARCH.txt, and the options
 * table's stride.
 *
 * Three sources must agree, slot for slot:
 *   - the SDK headers (parsed here: every member of each struct);
 *   - the compiler (offsetof and sizeof of each slot listed in SLOTS below);
 *   - the table, one line per slot: "struct slot offset size version", the
 *     version being the ABI the slot arrived in, plus one "struct (sizeof) -
 *     N -" line per struct.
 * A moved, removed or inserted slot fails; so does a slot added at the end
 * until the table lists it.  The newest version in the table must be
 * WEFT_ABI_MAJOR.WEFT_ABI_MINOR, and version.h's change log entry for it
 * must name every slot that arrived in it: the table, the minor and the log
 * change together.  A slot the table says arrived in 1.0 must be in the
 * frozen 1.0 headers (t/abi/1.0), and each of theirs in the table.
 *
 *   t/unit/test_abi --generate > t/abi/layout-lp64.txt
 * prints the table for this compiler, keeping each known slot's version and
 * giving new ones the current ABI version (docs/testing.md).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>
#include "options.h"
#include "plugin_loader.h"
#include "registry.h"
#include "tap.h"

#ifndef WEFT_TOP_SRCDIR
#define WEFT_TOP_SRCDIR "."
#endif

/* The table is per data model, not per processor: every LP64 target
 * (x86_64, aarch64, ppc64le, riscv64, s390x) lays these structs out alike,
 * and so does every ILP32 one (i386, armhf). */
#if defined(__LP64__) || defined(_LP64)
#define ABI_ARCH "lp64"
#else
#define ABI_ARCH "ilp32"
#endif

#define TABLE_PATH  WEFT_TOP_SRCDIR "/t/abi/layout-" ABI_ARCH ".txt"
#define HEADER_DIR  WEFT_TOP_SRCDIR "/sdk/include/weft"
#define FROZEN_1_0  WEFT_TOP_SRCDIR "/t/abi/1.0/weft"

/* Slots the 1.0 headers already had, shipped there without a bump: the
 * log counts them as 1.1 (weft/version.h). */
static const char *const shipped_unlogged[] = {
    "weft_suspend_engine_t.shrink", "weft_api_t.worker_count", "weft_api_t.percent_decode",
    NULL
};

/* ------------------------------------------------------------ the compiler */

typedef struct {
    const char *type;
    const char *slot;       /* NULL: the struct itself */
    size_t      offset;
    size_t      size;
} slot_t;

#define S(T, m)   { #T, #m, offsetof(T, m), sizeof(((T *) 0)->m) }
#define SIZE(T)   { #T, NULL, 0, sizeof(T) }

static const slot_t slots[] = {
    S(weft_plugin_t, magic), S(weft_plugin_t, abi_major), S(weft_plugin_t, abi_minor),
    S(weft_plugin_t, size), S(weft_plugin_t, flags), S(weft_plugin_t, name),
    S(weft_plugin_t, version), S(weft_plugin_t, summary), S(weft_plugin_t, requires),
    S(weft_plugin_t, options), S(weft_plugin_t, init), S(weft_plugin_t, option_size),
    SIZE(weft_plugin_t),

    S(weft_api_t, size), S(weft_api_t, abi_major), S(weft_api_t, abi_minor),
    S(weft_api_t, version), S(weft_api_t, register_language),
    S(weft_api_t, register_suspend_engine), S(weft_api_t, register_loop_engine),
    S(weft_api_t, select_engine), S(weft_api_t, set_option), S(weft_api_t, log),
    S(weft_api_t, vlog), S(weft_api_t, worker_id), S(weft_api_t, core_count),
    S(weft_api_t, engine_name), S(weft_api_t, var), S(weft_api_t, read_body),
    S(weft_api_t, set_status), S(weft_api_t, add_header), S(weft_api_t, write),
    S(weft_api_t, sendfile), S(weft_api_t, watch_fd), S(weft_api_t, watch_timer),
    S(weft_api_t, suspend), S(weft_api_t, ready_fd), S(weft_api_t, timed_out),
    S(weft_api_t, wait_fd), S(weft_api_t, sleep), S(weft_api_t, current_request),
    S(weft_api_t, core_main), S(weft_api_t, listener_count), S(weft_api_t, listener_fd),
    S(weft_api_t, accept), S(weft_api_t, serve_connection), S(weft_api_t, stop_worker),
    S(weft_api_t, worker_count), S(weft_api_t, percent_decode),
    S(weft_api_t, engine_flags), S(weft_api_t, can_suspend),
    S(weft_api_t, set_content_length), S(weft_api_t, sendfile_fd), S(weft_api_t, write_ref),
    S(weft_api_t, valid_header_name), S(weft_api_t, valid_header_value),
    S(weft_api_t, parse_status), S(weft_api_t, parse_content_length),
    S(weft_api_t, status_has_body), S(weft_api_t, read_line), S(weft_api_t, body_seek),
    S(weft_api_t, open_beneath), S(weft_api_t, hijack), S(weft_api_t, early_hints),
    S(weft_api_t, has_master), S(weft_api_t, recycle_worker),
    S(weft_api_t, reopen_log),
    SIZE(weft_api_t),

    S(weft_language_t, size), S(weft_language_t, name), S(weft_language_t, modifier1),
    S(weft_language_t, setup), S(weft_language_t, worker_init), S(weft_language_t, request),
    S(weft_language_t, request_done), S(weft_language_t, on_suspend),
    S(weft_language_t, on_resume), S(weft_language_t, worker_exit),
    S(weft_language_t, flags), S(weft_language_t, engine_hint),
    S(weft_language_t, has_threads), S(weft_language_t, without_lock),
    S(weft_language_t, with_lock),
    S(weft_language_t, thread_init), S(weft_language_t, thread_exit),
    SIZE(weft_language_t),

    S(weft_suspend_engine_t, size), S(weft_suspend_engine_t, name),
    S(weft_suspend_engine_t, prepare), S(weft_suspend_engine_t, start),
    S(weft_suspend_engine_t, suspend), S(weft_suspend_engine_t, resume),
    S(weft_suspend_engine_t, release), S(weft_suspend_engine_t, shrink),
    S(weft_suspend_engine_t, flags),
    SIZE(weft_suspend_engine_t),

    S(weft_loop_engine_t, size), S(weft_loop_engine_t, name), S(weft_loop_engine_t, prepare),
    S(weft_loop_engine_t, run), S(weft_loop_engine_t, stop), S(weft_loop_engine_t, wait),
    S(weft_loop_engine_t, current), S(weft_loop_engine_t, park), S(weft_loop_engine_t, wake),
    S(weft_loop_engine_t, flags),
    SIZE(weft_loop_engine_t),

    S(weft_request_t, core), S(weft_request_t, modifier1), S(weft_request_t, modifier2),
    S(weft_request_t, reserved), S(weft_request_t, flags), S(weft_request_t, vars),
    S(weft_request_t, nvars), S(weft_request_t, method), S(weft_request_t, uri),
    S(weft_request_t, path_info), S(weft_request_t, query_string),
    S(weft_request_t, protocol), S(weft_request_t, remote_addr),
    S(weft_request_t, content_length), S(weft_request_t, status),
    S(weft_request_t, bytes_sent), S(weft_request_t, start_time), S(weft_request_t, ctx),
    S(weft_request_t, url_scheme), S(weft_request_t, server_name),
    S(weft_request_t, server_port), S(weft_request_t, script_name),
    SIZE(weft_request_t),

    S(weft_core_t, id), S(weft_core_t, request),
    SIZE(weft_core_t),

    S(weft_option_t, name), S(weft_option_t, short_name), S(weft_option_t, type),
    S(weft_option_t, flags), S(weft_option_t, data), S(weft_option_t, metavar),
    S(weft_option_t, help), S(weft_option_t, min), S(weft_option_t, max),
    S(weft_option_t, set),
    SIZE(weft_option_t),

    S(weft_var_t, key), S(weft_var_t, value), S(weft_var_t, key_len),
    S(weft_var_t, value_len),
    SIZE(weft_var_t),

    S(weft_str_t, data), S(weft_str_t, len),
    SIZE(weft_str_t),

    S(weft_strlist_t, n), S(weft_strlist_t, v),
    SIZE(weft_strlist_t),
};

#define NSLOTS (sizeof(slots) / sizeof(slots[0]))

/* The headers that declare the structs above. */
static const char *const headers[] = {
    "plugin.h", "api.h", "language.h", "engine.h", "request.h", "option.h", NULL
};

/* ------------------------------------------------------------ the table */

typedef struct {
    char     type[64];
    char     slot[64];         /* "(sizeof)" for the struct's size */
    long     offset;           /* -1 on a (sizeof) line */
    long     size;
    int      major, minor;     /* -1 on a (sizeof) line */
    unsigned line;
} row_t;

static row_t    *rows;
static unsigned  nrows;
static char      table_error[512];

/* Read the table; 0, or -1 with table_error set. */
static int
read_table(const char *path)
{
    FILE    *f = fopen(path, "r");
    char     line[512];
    unsigned lineno = 0;

    if (f == NULL) {
        snprintf(table_error, sizeof(table_error), "cannot open %s", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        row_t  r;
        char   off[32], ver[32];
        char  *p = line;

        lineno++;
        while (isspace((unsigned char) *p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        memset(&r, 0, sizeof(r));
        r.line = lineno;
        if (sscanf(p, "%63s %63s %31s %ld %31s", r.type, r.slot, off, &r.size, ver) != 5) {
            snprintf(table_error, sizeof(table_error), "%s:%u: not \"struct slot offset size version\"",
                     path, lineno);
            fclose(f);
            return -1;
        }
        if (strcmp(r.slot, "(sizeof)") == 0) {
            r.offset = -1;
            r.major = r.minor = -1;
        } else if (sscanf(off, "%ld", &r.offset) != 1
                   || sscanf(ver, "%d.%d", &r.major, &r.minor) != 2) {
            snprintf(table_error, sizeof(table_error), "%s:%u: bad offset or version", path,
                     lineno);
            fclose(f);
            return -1;
        }
        rows = realloc(rows, (nrows + 1) * sizeof(*rows));
        if (rows == NULL)
            abort();
        rows[nrows++] = r;
    }
    fclose(f);
    return 0;
}

static const row_t *
find_row(const char *type, const char *slot)
{
    unsigned i;

    for (i = 0; i < nrows; i++)
        if (strcmp(rows[i].type, type) == 0
            && strcmp(rows[i].slot, slot ? slot : "(sizeof)") == 0)
            return &rows[i];
    return NULL;
}

static const slot_t *
find_slot(const char *type, const char *slot)
{
    size_t i;

    for (i = 0; i < NSLOTS; i++)
        if (strcmp(slots[i].type, type) == 0
            && (slot == NULL ? slots[i].slot == NULL
                             : slots[i].slot != NULL && strcmp(slots[i].slot, slot) == 0))
            return &slots[i];
    return NULL;
}

/* The newest version in the table. */
static void
newest_version(int *major, int *minor)
{
    unsigned i;

    *major = *minor = -1;
    for (i = 0; i < nrows; i++)
        if (rows[i].major > *major || (rows[i].major == *major && rows[i].minor > *minor)) {
            *major = rows[i].major;
            *minor = rows[i].minor;
        }
}

/* ------------------------------------------------------------ the headers */

static char *
slurp(const char *path)
{
    FILE  *f = fopen(path, "r");
    char  *buf;
    long   n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t) n + 1);
    if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Blank out comments and preprocessor lines (with their continuations). */
static void
strip_noise(char *s)
{
    char *p = s;
    int   bol = 1;

    while (*p) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            char *stop = e ? e + 2 : p + strlen(p);
            for (; p < stop; p++)
                if (*p != '\n')
                    *p = ' ';
            continue;
        }
        if (bol) {
            char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '#') {
                while (*q && !(*q == '\n' && q[-1] != '\\'))
                    *q++ = ' ';
                p = q;
                continue;
            }
        }
        bol = *p == '\n';
        p++;
    }
}

/* The last identifier in s[0..len). */
static int
last_ident(const char *s, size_t len, char *out, size_t outlen)
{
    size_t end = len, start;

    while (end > 0 && !(isalnum((unsigned char) s[end - 1]) || s[end - 1] == '_'))
        end--;
    start = end;
    while (start > 0 && (isalnum((unsigned char) s[start - 1]) || s[start - 1] == '_'))
        start--;
    if (start == end || end - start >= outlen)
        return -1;
    memcpy(out, s + start, end - start);
    out[end - start] = '\0';
    return 0;
}

typedef void (*member_pt)(const char *type, const char *member, void *data);

/*
 * Call fn for each member of each "struct weft_X_s { ... }" in the header
 * text s, with the typedef name weft_X_t.  A declaration with "(*" is a
 * function pointer named by the identifier that follows; any other names
 * its members by the last identifier of each comma-separated part.
 */
static void
each_member(char *s, member_pt fn, void *data)
{
    char *p = s;

    strip_noise(s);
    while ((p = strstr(p, "struct ")) != NULL) {
        char  tag[64], type[64];
        char *q = p + 7, *body, *end;
        int   depth;
        size_t n = 0;

        while (*q == ' ')
            q++;
        while ((isalnum((unsigned char) q[n]) || q[n] == '_') && n < sizeof(tag) - 1) {
            tag[n] = q[n];
            n++;
        }
        tag[n] = '\0';
        q += n;
        while (isspace((unsigned char) *q))
            q++;
        p = q;
        if (*q != '{' || n < 3 || strncmp(tag, "weft_", 5) != 0
            || strcmp(tag + n - 2, "_s") != 0)
            continue;
        snprintf(type, sizeof(type), "%.*s_t", (int) (n - 2), tag);
        body = q + 1;
        for (end = body, depth = 1; *end && depth > 0; end++)
            depth += (*end == '{') - (*end == '}');
        /* Each declaration ends with ';' at parenthesis depth 0. */
        for (q = body; q < end - 1;) {
            char *decl = q, *semi;
            int   pd = 0;

            for (semi = q; semi < end - 1 && !(*semi == ';' && pd == 0); semi++)
                pd += (*semi == '(') - (*semi == ')');
            if (semi >= end - 1)
                break;
            q = semi + 1;
            {
                char *fp = strstr(decl, "(*");
                char  name[64];

                if (fp != NULL && fp < semi) {
                    char *a = fp + 2, *b;
                    while (*a == ' ')
                        a++;
                    for (b = a; isalnum((unsigned char) *b) || *b == '_'; b++)
                        ;
                    snprintf(name, sizeof(name), "%.*s", (int) (b - a), a);
                    fn(type, name, data);
                } else {
                    char *part = decl, *comma;
                    while (part < semi) {
                        for (comma = part; comma < semi && *comma != ','; comma++)
                            ;
                        if (last_ident(part, (size_t) (comma - part), name, sizeof(name)) == 0)
                            fn(type, name, data);
                        part = comma + 1;
                    }
                }
            }
        }
        p = end;
    }
}

typedef struct {
    unsigned found;
    unsigned missing;      /* in a header, not in SLOTS */
} header_walk_t;

static void
check_member(const char *type, const char *member, void *data)
{
    header_walk_t *w = data;

    if (find_slot(type, NULL) == NULL)
        return;            /* a struct outside the ABI list */
    w->found++;
    if (find_slot(type, member) == NULL) {
        w->missing++;
        printf("# %s.%s is declared in the SDK but neither test_abi.c nor the table lists it\n",
               type, member);
    }
}

typedef struct {
    unsigned found;
    unsigned bad;
    char     names[256][160];   /* "type.member" of each 1.0 slot seen */
    unsigned nnames;
} frozen_walk_t;

static int
is_shipped_unlogged(const char *type, const char *member)
{
    char     name[160];
    unsigned i;

    snprintf(name, sizeof(name), "%s.%s", type, member);
    for (i = 0; shipped_unlogged[i] != NULL; i++)
        if (strcmp(shipped_unlogged[i], name) == 0)
            return 1;
    return 0;
}

/* A slot of the frozen 1.0 headers: the table must have it, as 1.0. */
static void
check_frozen_member(const char *type, const char *member, void *data)
{
    frozen_walk_t *w = data;
    const row_t   *r;
    int            want_minor = is_shipped_unlogged(type, member) ? 1 : 0;

    if (find_slot(type, NULL) == NULL)
        return;
    w->found++;
    if (w->nnames < sizeof(w->names) / sizeof(w->names[0]))
        snprintf(w->names[w->nnames++], sizeof(w->names[0]), "%s.%s", type, member);
    r = find_row(type, member);
    if (r == NULL) {
        printf("# %s.%s was in ABI 1.0 (t/abi/1.0) but is not in the table: removed (a major bump)\n",
               type, member);
        w->bad++;
    } else if (r->major != 1 || r->minor != want_minor) {
        printf("# %s.%s: the table (line %u) says it arrived in %d.%d, the frozen headers say 1.%d\n",
               type, member, r->line, r->major, r->minor, want_minor);
        w->bad++;
    }
}

/* ------------------------------------------------------------ tests */

static void
test_table_reads(void)
{
    if (table_error[0])
        printf("# %s\n", table_error);
    CU_ASSERT_FATAL(table_error[0] == '\0');
    CU_ASSERT(nrows > 0);
}

static void
test_slots_match_the_table(void)
{
    size_t i;

    for (i = 0; i < NSLOTS; i++) {
        const slot_t *s = &slots[i];
        const row_t  *r = find_row(s->type, s->slot);

        if (s->slot == NULL)
            continue;
        if (r == NULL) {
            printf("# %s.%s (offset %zu, size %zu) is not in %s: a new slot needs its line, and a minor bump\n",
                   s->type, s->slot, s->offset, s->size, TABLE_PATH);
            CU_FAIL("a slot is missing from the table");
            continue;
        }
        if ((size_t) r->offset != s->offset || (size_t) r->size != s->size) {
            printf("# %s.%s is at offset %zu size %zu; the table (line %u) says offset %ld size %ld: a slot moved, changed or was inserted (a major bump)\n",
                   s->type, s->slot, s->offset, s->size, r->line, r->offset, r->size);
            CU_FAIL("a slot moved");
        }
    }
}

static void
test_table_has_nothing_more(void)
{
    unsigned i;

    for (i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];
        int          is_size = strcmp(r->slot, "(sizeof)") == 0;

        if (find_slot(r->type, is_size ? NULL : r->slot) == NULL) {
            printf("# the table (line %u) lists %s.%s, which test_abi.c does not know: a slot was removed (a major bump)\n",
                   r->line, r->type, r->slot);
            CU_FAIL("the table lists an unknown slot");
        }
    }
}

static void
test_struct_sizes(void)
{
    size_t i;

    for (i = 0; i < NSLOTS; i++) {
        const slot_t *s = &slots[i];
        const row_t  *r;

        if (s->slot != NULL)
            continue;
        r = find_row(s->type, NULL);
        if (r == NULL || (size_t) r->size != s->size) {
            printf("# sizeof(%s) is %zu; the table says %ld\n", s->type, s->size,
                   r ? r->size : -1L);
            CU_FAIL("a struct changed size");
        }
    }
}

static void
test_headers_declare_the_listed_slots(void)
{
    header_walk_t w = { 0, 0 };
    size_t        i, listed = 0;

    for (i = 0; headers[i] != NULL; i++) {
        char  path[1024];
        char *text;

        snprintf(path, sizeof(path), "%s/%s", HEADER_DIR, headers[i]);
        text = slurp(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        each_member(text, check_member, &w);
        free(text);
    }
    for (i = 0; i < NSLOTS; i++)
        listed += slots[i].slot != NULL;
    CU_ASSERT_EQUAL(w.missing, 0);
    if (w.found != listed)
        printf("# the headers declare %u slots of the ABI structs, test_abi.c lists %zu\n",
               w.found, listed);
    CU_ASSERT_EQUAL(w.found, listed);
}

static void
test_1_0_slots_are_the_frozen_headers(void)
{
    static frozen_walk_t w;
    unsigned             i, j;

    memset(&w, 0, sizeof(w));
    for (i = 0; headers[i] != NULL; i++) {
        char  path[1024];
        char *text;

        snprintf(path, sizeof(path), "%s/%s", FROZEN_1_0, headers[i]);
        text = slurp(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        each_member(text, check_frozen_member, &w);
        free(text);
    }
    CU_ASSERT(w.found > 100);
    CU_ASSERT_EQUAL(w.bad, 0);
    /* And a row that claims 1.0 must be one of them. */
    for (i = 0; i < nrows; i++) {
        char name[160];
        int  seen = 0;

        if (rows[i].major != 1 || rows[i].minor != 0)
            continue;
        snprintf(name, sizeof(name), "%s.%s", rows[i].type, rows[i].slot);
        for (j = 0; j < w.nnames && !seen; j++)
            seen = strcmp(w.names[j], name) == 0;
        if (!seen) {
            printf("# the table (line %u) says %s arrived in 1.0, but the 1.0 headers (t/abi/1.0) lack it\n",
                   rows[i].line, name);
            CU_FAIL("a slot claims 1.0 falsely");
        }
    }
}

static void
test_newest_version_is_the_abi(void)
{
    int major, minor;

    newest_version(&major, &minor);
    if (major != WEFT_ABI_MAJOR || minor != WEFT_ABI_MINOR)
        printf("# the newest slot in the table is from %d.%d, version.h says %d.%d: bump the minor with the table\n",
               major, minor, WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    CU_ASSERT_EQUAL(major, WEFT_ABI_MAJOR);
    CU_ASSERT_EQUAL(minor, WEFT_ABI_MINOR);
}

/* Whether word occurs in text as a whole identifier. */
static int
has_word(const char *text, const char *word)
{
    size_t      n = strlen(word);
    const char *p = text;

    while ((p = strstr(p, word)) != NULL) {
        int before = p > text && (isalnum((unsigned char) p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char) p[n]) || p[n] == '_';
        if (!before && !after)
            return 1;
        p += n;
    }
    return 0;
}

/* version.h's change log entry for major.minor (malloc'd), or NULL. */
static char *
log_entry(int major, int minor)
{
    char  path[1024], head[32];
    char *text, *log, *start, *end, *entry;

    snprintf(path, sizeof(path), "%s/version.h", HEADER_DIR);
    text = slurp(path);
    if (text == NULL)
        return NULL;
    log = strstr(text, "Change log");
    snprintf(head, sizeof(head), " %d.%d ", major, minor);
    start = log ? strstr(log, head) : NULL;
    if (start == NULL) {
        free(text);
        return NULL;
    }
    /* The entry runs to the next " *  N.N " line or the end of the comment. */
    for (end = start + strlen(head); *end; end++) {
        int a, b;
        if (end[0] == '*' && end[1] == '/')
            break;
        if (end[0] == '\n' && sscanf(end, "\n * %d.%d ", &a, &b) == 2)
            break;
    }
    entry = strndup(start, (size_t) (end - start));
    free(text);
    return entry;
}

static void
test_log_names_the_newest_slots(void)
{
    int      major, minor;
    unsigned i, named = 0;
    char    *entry;

    newest_version(&major, &minor);
    entry = log_entry(major, minor);
    if (entry == NULL)
        printf("# version.h's change log has no %d.%d entry\n", major, minor);
    CU_ASSERT_PTR_NOT_NULL_FATAL(entry);
    for (i = 0; i < nrows; i++) {
        const row_t *r = &rows[i];

        if (r->major != major || r->minor != minor)
            continue;
        named++;
        if (!has_word(entry, r->type) || !has_word(entry, r->slot)) {
            printf("# %s.%s arrived in %d.%d (table line %u) but version.h's %d.%d entry does not name it\n",
                   r->type, r->slot, major, minor, r->line, major, minor);
            CU_FAIL("a slot is missing from the change log");
        }
    }
    CU_ASSERT(named > 0);
    free(entry);
}

static void
test_versions_grow_along_each_struct(void)
{
    unsigned i, j;

    /* Rows of one struct, in offset order, never go back to an older ABI. */
    for (i = 0; i < nrows; i++)
        for (j = 0; j < nrows; j++) {
            const row_t *a = &rows[i], *b = &rows[j];
            if (a->offset < 0 || b->offset < 0 || strcmp(a->type, b->type) != 0
                || a->offset >= b->offset)
                continue;
            if (a->major > b->major || (a->major == b->major && a->minor > b->minor)) {
                printf("# %s.%s (%d.%d) lies before %s.%s (%d.%d): slots grow only at the end\n",
                       a->type, a->slot, a->major, a->minor, b->type, b->slot, b->major, b->minor);
                CU_FAIL("a newer slot lies before an older one");
            }
        }
}

/* ------------------------------------------------------------ the options' stride */

/* What a plugin built against a later ABI might have: more slots. */
typedef struct {
    weft_option_t opt;
    char          future[40];
} big_option_t;

static int  stride_flag;
static long stride_int;

static const big_option_t big_table[] = {
    { { "stride-flag", 0, WEFT_OPT_FLAG, 0, &stride_flag, NULL, "a flag", 0, 0, NULL }, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
    { { "stride-int", 'Q', WEFT_OPT_INT, 0, &stride_int, "N", "a number", 0, 100, NULL }, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" },
    { WEFT_OPTION_END, "" },
};

static const weft_option_t plain_table[] = {
    { "stride-old", 0, WEFT_OPT_FLAG, 0, &stride_flag, NULL, "a 1.0 option", 0, 0, NULL },
    WEFT_OPTION_END
};

static int
fake_init(const weft_api_t *api)
{
    return WEFT_OK;
}

static void
fake_descriptor(weft_plugin_t *d, unsigned minor, uint32_t size)
{
    memset(d, 0, sizeof(*d));
    d->magic = WEFT_PLUGIN_MAGIC;
    d->abi_major = WEFT_ABI_MAJOR;
    d->abi_minor = (uint16_t) minor;
    d->size = size;
    d->name = "stride";
    d->init = fake_init;
}

static void
test_stride_of_a_1_0_descriptor(void)
{
    weft_plugin_t d;
    char          err[512];

    /* A 1.0 descriptor ends after init: its table has 1.0's stride, and
     * whatever lies where option_size would be is never read. */
    fake_descriptor(&d, 0, (uint32_t) offsetof(weft_plugin_t, option_size));
    d.options = plain_table;
    d.option_size = 3;              /* past its end: ignored */
    CU_ASSERT_EQUAL(weft_plugin_option_stride(&d), WEFT_OPTION_SIZE_1_0);
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, d.size, WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                                          "old.so", err, sizeof(err)), 0);
    /* weft_option_t has not grown since 1.0 (the layout table says so). */
    CU_ASSERT_EQUAL(WEFT_OPTION_SIZE_1_0, sizeof(weft_option_t));
}

static void
test_stride_walks_a_bigger_option(void)
{
    weft_plugin_t        d;
    const weft_option_t *o;
    const char          *owner = NULL;
    char                 err[512], out[2048];
    FILE                *f;
    size_t               n;

    fake_descriptor(&d, WEFT_ABI_MINOR, sizeof(d));
    d.options = &big_table[0].opt;
    d.option_size = sizeof(big_option_t);
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                                          "big.so", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(weft_plugin_option_stride(&d), sizeof(big_option_t));

    weft_options_reset();
    CU_ASSERT_EQUAL(weft_options_add_table("core", plain_table), WEFT_OK);
    CU_ASSERT_EQUAL(weft_options_add_table_stride("big", d.options,
                                                  weft_plugin_option_stride(&d)), WEFT_OK);
    o = weft_options_find("stride-int", &owner);
    CU_ASSERT_PTR_EQUAL(o, &big_table[1].opt);
    CU_ASSERT_STRING_EQUAL(owner, "big");
    CU_ASSERT_PTR_EQUAL(weft_options_find_short('Q', NULL), &big_table[1].opt);
    CU_ASSERT_PTR_EQUAL(weft_options_find("stride-old", NULL), &plain_table[0]);
    CU_ASSERT_PTR_NULL(weft_options_find("yyyy", NULL));
    CU_ASSERT_EQUAL_FATAL(weft_options_parse_argv(3, (char *[]) { "weft", "--stride-int=42",
                                                                  "--stride-flag", NULL },
                                                  NULL, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_EQUAL(stride_int, 42);
    CU_ASSERT_EQUAL(stride_flag, 1);

    f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    weft_options_print_table_stride(d.options, weft_plugin_option_stride(&d), f);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--stride-flag"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "-Q, --stride-int N"));
    CU_ASSERT_PTR_NULL(strstr(out, "xxxx"));
    weft_options_reset();
}

static void
test_stride_too_small_is_refused(void)
{
    weft_plugin_t d;
    char          err[512], want[256];

    fake_descriptor(&d, WEFT_ABI_MINOR, sizeof(d));
    d.options = plain_table;
    d.option_size = 16;
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                                          "/p/small.so", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "small.so: its options are 16 bytes each, weft ABI %d.x needs at least %zu",
             WEFT_ABI_MAJOR, (size_t) WEFT_OPTION_SIZE_1_0);
    if (strstr(err, want) == NULL)
        printf("# error was: %s\n", err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    /* Without a table the stride does not matter. */
    d.options = NULL;
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                                          "small.so", err, sizeof(err)), 0);
    /* The options registry refuses it too. */
    CU_ASSERT_EQUAL(weft_options_add_table_stride("small", plain_table, 16), WEFT_ERROR);
    /* A 1.1 descriptor cut before option_size is too short for 1.1. */
    fake_descriptor(&d, 1, (uint32_t) offsetof(weft_plugin_t, option_size));
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                                          "short.so", err, sizeof(err)), -1);
}

/* ------------------------------------------------------------ capabilities */

static int  se_start(weft_core_t *c) { return WEFT_OK; }
static void se_switch(weft_core_t *c) { }
static int  le_run(void) { return WEFT_OK; }
static void le_stop(int graceful) { }
static int  le_wait(const int *fds, const int *events, unsigned n, double timeout,
                    unsigned *ready) { return WEFT_OK; }
static void *le_current(void) { return NULL; }
static void le_park(void) { }
static void le_wake(void *co) { }

/* The flags the core reports for engine `name` once it is selected. */
static uint32_t
flags_when_selected(const char *name)
{
    uint32_t flags;

    CU_ASSERT_EQUAL_FATAL(weft_select_engine(name), WEFT_OK);
    flags = weft_engine_flags();
    weft_suspend_engine = NULL;         /* let the next test select another */
    weft_loop_engine = NULL;
    return flags;
}

static void
test_engine_flags_and_their_1_0_defaults(void)
{
    /* The 1.0 ones have flags past their declared end: the core must not
     * read them. */
    static weft_suspend_engine_t se_old, se_new;
    static weft_loop_engine_t    le_old, le_new;

    se_old = (weft_suspend_engine_t) { .size = (uint32_t) offsetof(weft_suspend_engine_t, flags),
                                       .name = "se-1.0", .start = se_start,
                                       .suspend = se_switch, .resume = se_switch,
                                       .flags = WEFT_ENGINE_OWN_STATE };
    se_new = (weft_suspend_engine_t) { .size = sizeof(se_new), .name = "se-1.1",
                                       .start = se_start, .suspend = se_switch,
                                       .resume = se_switch, .flags = WEFT_ENGINE_OWN_STATE };
    le_old = (weft_loop_engine_t) { .size = (uint32_t) offsetof(weft_loop_engine_t, flags),
                                    .name = "le-1.0", .run = le_run, .stop = le_stop,
                                    .wait = le_wait, .current = le_current, .park = le_park,
                                    .wake = le_wake, .flags = WEFT_ENGINE_FOREIGN_STACK };
    le_new = (weft_loop_engine_t) { .size = sizeof(le_new), .name = "le-1.1", .run = le_run,
                                    .stop = le_stop, .wait = le_wait, .current = le_current,
                                    .park = le_park, .wake = le_wake, .flags = 0 };

    CU_ASSERT_EQUAL(weft_engine_flags(), 0);                 /* no engine */
    CU_ASSERT_EQUAL_FATAL(weft_register_suspend_engine(&se_old), WEFT_OK);
    CU_ASSERT_EQUAL_FATAL(weft_register_suspend_engine(&se_new), WEFT_OK);
    CU_ASSERT_EQUAL_FATAL(weft_register_loop_engine(&le_old), WEFT_OK);
    CU_ASSERT_EQUAL_FATAL(weft_register_loop_engine(&le_new), WEFT_OK);
    CU_ASSERT_EQUAL(flags_when_selected("se-1.0"), WEFT_ENGINE_FOREIGN_STACK);
    CU_ASSERT_EQUAL(flags_when_selected("se-1.1"), WEFT_ENGINE_OWN_STATE);
    CU_ASSERT_EQUAL(flags_when_selected("le-1.0"), WEFT_ENGINE_OWNS_LOOP | WEFT_ENGINE_OWN_STATE);
    CU_ASSERT_EQUAL(flags_when_selected("le-1.1"), WEFT_ENGINE_OWNS_LOOP);
}

static int lang_request(weft_request_t *r) { return WEFT_OK; }

static void
test_pairings(void)
{
    static weft_language_t old_lang, picky;

    /* A 1.0 language declares nothing, whatever follows its end. */
    old_lang = (weft_language_t) { .size = (uint32_t) offsetof(weft_language_t, flags),
                                   .name = "lang-1.0", .modifier1 = 200,
                                   .request = lang_request,
                                   .flags = WEFT_LANG_NO_FOREIGN_STACK };
    CU_ASSERT_EQUAL_FATAL(weft_register_language(&old_lang), WEFT_OK);
    CU_ASSERT_EQUAL(weft_language_for(200)->flags, 0);
    CU_ASSERT_PTR_NULL(weft_language_for(200)->engine_hint);
    CU_ASSERT_EQUAL(weft_select_engine("se-1.0"), WEFT_OK);
    CU_ASSERT_EQUAL(weft_registry_check_pairings(), WEFT_OK);
    weft_suspend_engine = NULL;

    picky = (weft_language_t) { .size = sizeof(picky), .name = "picky", .modifier1 = 201,
                                .request = lang_request, .flags = WEFT_LANG_NO_FOREIGN_STACK,
                                .engine_hint = "--fiber" };
    weft_registry_set_plugin("picky-plugin");
    CU_ASSERT_EQUAL_FATAL(weft_register_language(&picky), WEFT_OK);
    weft_registry_set_plugin(NULL);
    CU_ASSERT_EQUAL(weft_registry_check_pairings(), WEFT_OK);        /* no engine */
    CU_ASSERT_EQUAL(weft_select_engine("se-1.0"), WEFT_OK);          /* FOREIGN_STACK */
    CU_ASSERT_EQUAL(weft_registry_check_pairings(), WEFT_ERROR);
    weft_suspend_engine = NULL;
    CU_ASSERT_EQUAL(weft_select_engine("se-1.1"), WEFT_OK);          /* OWN_STATE */
    CU_ASSERT_EQUAL(weft_registry_check_pairings(), WEFT_OK);
    weft_suspend_engine = NULL;
    CU_ASSERT_EQUAL(weft_select_engine("le-1.0"), WEFT_OK);          /* OWNS_LOOP|OWN_STATE */
    CU_ASSERT_EQUAL(weft_registry_check_pairings(), WEFT_OK);
    weft_loop_engine = NULL;
}

/* ------------------------------------------------------------ --generate */

static int
generate(void)
{
    size_t i;

    printf("# The layout of every struct that crosses the plugin ABI on " ABI_ARCH ",\n"
           "# checked by t/unit/test_abi.c.  One line per slot: struct, slot, offset,\n"
           "# size, the ABI version it arrived in; then the struct's size.\n"
           "# Regenerate with t/unit/test_abi --generate (docs/testing.md).\n");
    for (i = 0; i < NSLOTS; i++) {
        const slot_t *s = &slots[i];
        const row_t  *r = find_row(s->type, s->slot);

        if (i == 0 || strcmp(slots[i - 1].type, s->type) != 0)
            printf("\n");
        if (s->slot == NULL)
            printf("%-22s %-24s %4s %4zu -\n", s->type, "(sizeof)", "-", s->size);
        else if (r != NULL)
            printf("%-22s %-24s %4zu %4zu %d.%d\n", s->type, s->slot, s->offset, s->size,
                   r->major, r->minor);
        else
            printf("%-22s %-24s %4zu %4zu %d.%d\n", s->type, s->slot, s->offset, s->size,
                   WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const weft_tap_test_t layout[] = {
        { "the layout table reads", test_table_reads },
        { "every slot is where the table says", test_slots_match_the_table },
        { "the table lists no slot the ABI lacks", test_table_has_nothing_more },
        { "every struct has the table's size", test_struct_sizes },
        { "the headers declare exactly the listed slots", test_headers_declare_the_listed_slots },
        { "the table's 1.0 slots are those of the frozen 1.0 headers", test_1_0_slots_are_the_frozen_headers },
        { "the newest version in the table is WEFT_ABI_MAJOR.WEFT_ABI_MINOR", test_newest_version_is_the_abi },
        { "version.h's log names every slot of the newest version", test_log_names_the_newest_slots },
        { "slots only grow at the end", test_versions_grow_along_each_struct },
        { NULL, NULL }
    };
    static const weft_tap_test_t caps[] = {
        { "engine flags, and the defaults of 1.0 engines", test_engine_flags_and_their_1_0_defaults },
        { "a language that cannot run on foreign stacks is refused with one", test_pairings },
        { NULL, NULL }
    };
    static const weft_tap_test_t stride[] = {
        { "a 1.0 descriptor's options have 1.0's stride", test_stride_of_a_1_0_descriptor },
        { "option_size is the stride the core walks", test_stride_walks_a_bigger_option },
        { "an option_size below 1.0's is refused", test_stride_too_small_is_refused },
        { NULL, NULL }
    };

    read_table(TABLE_PATH);
    if (argc > 1 && strcmp(argv[1], "--generate") == 0)
        return generate();
    weft_tap_suite("abi layout (" ABI_ARCH ")", layout);
    weft_tap_suite("options stride", stride);
    weft_tap_suite("capabilities", caps);
    return weft_tap_run();
}
