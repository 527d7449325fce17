/*
 * t/unit/test_ini.c - uWSGI's ini dialect (core/ini_*.c): magic variables,
 * substitutions, arithmetic, blocks, includes; the uWSGI option table and
 * docs/uwsgi-migration.md agreeing with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft/status.h>
#include "conf.h"
#include "ini_dialect.h"
#include "options.h"
#include "uwsgi_compat.h"
#include "tap.h"

#ifndef WEFT_TOP_SRCDIR
#define WEFT_TOP_SRCDIR "."
#endif

static char dir[] = "/tmp/weft-test-ini-XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
    static char path[256];
    FILE       *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* What the run emits, as "key=value;" */
static char emitted[4096];

static int
emit(const weft_ini_entry_t *e, const char *value, void *data)
{
    size_t n = strlen(emitted);

    snprintf(emitted + n, sizeof(emitted) - n, "%s=%s;", e->key, value);
    return WEFT_OK;
}

/* Read and run a file's text; WEFT_OK or not, emitted and err filled. */
static int
run_text(const char *text, char *err, size_t errlen)
{
    weft_ini_list_t list = { NULL, 0, 0 };
    const char     *path = write_file("t.ini", text);
    int             rc;

    emitted[0] = '\0';
    err[0] = '\0';
    weft_ini_ph_reset();
    rc = weft_ini_read(path, NULL, NULL, 0, &list, 0, err, errlen);
    if (rc == WEFT_OK)
        rc = weft_ini_run(&list, path, emit, NULL, err, errlen);
    weft_ini_list_free(&list);
    return rc;
}

static void
test_magic(void)
{
    char  want[1024], cores[32], *s;
    char *p = malloc(strlen(dir) + 16);

    sprintf(p, "%s/app.ini", dir);
    s = weft_ini_magic("%d|%p|%s|%n|%e|%c|%%|%x|%q", p, NULL, "uwsgi");
    snprintf(want, sizeof(want), "%s/|%s|app.ini|app|ini|%s|%%|%s:uwsgi|%%q", dir, p,
             strrchr(dir, '/') + 1, p);
    CU_ASSERT_STRING_EQUAL(s, want);
    free(s);
    snprintf(cores, sizeof(cores), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    s = weft_ini_magic("processes = %k", p, NULL, NULL);
    snprintf(want, sizeof(want), "processes = %s", cores);
    CU_ASSERT_STRING_EQUAL(s, want);
    free(s);
    /* a link keeps its own directory (Debian's apps-enabled/) */
    {
        char link[300], target[300];
        snprintf(target, sizeof(target), "%s/sub", dir);
        mkdir(target, 0700);
        snprintf(target, sizeof(target), "%s/sub/real.ini", dir);
        write_file("sub/real.ini", "");
        snprintf(link, sizeof(link), "%s/link.ini", dir);
        CU_ASSERT_EQUAL(symlink(target, link), 0);
        s = weft_ini_magic("%d%s", link, NULL, NULL);
        snprintf(want, sizeof(want), "%s/link.ini", dir);
        CU_ASSERT_STRING_EQUAL(s, want);
        free(s);
    }
    s = weft_ini_magic("%0/%1", "/srv/www/app.ini", NULL, NULL);
    CU_ASSERT_STRING_EQUAL(s, "srv/www");
    free(s);
    /* %D and %N refer to the first file, %(name) is left for later */
    s = weft_ini_magic("%D %N %(base)", "/a/inc.ini", "/b/top.ini", NULL);
    CU_ASSERT_STRING_EQUAL(s, "/b/ top %(base)");
    free(s);
    free(p);
}

static void
test_substitutions(void)
{
    char  err[512], *out;
    const char *f;

    weft_ini_ph_reset();
    setenv("WEFT_T_X", "ex", 1);
    unsetenv("WEFT_T_UNSET");
    setenv("WEFT_T_EMPTY", "", 1);
    CU_ASSERT_EQUAL(weft_ini_expand("a$(WEFT_T_X)b", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "aexb");
    free(out);
    CU_ASSERT_EQUAL(weft_ini_expand("$(WEFT_T_UNSET:-d1) $(WEFT_T_EMPTY:-d2) $(WEFT_T_EMPTY-d3)",
                                    &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "d1 d2 ");
    free(out);
    f = write_file("content.txt", "from a file\n");
    {
        char in[600];
        snprintf(in, sizeof(in), "<@(%s)>", f);
        CU_ASSERT_EQUAL(weft_ini_expand(in, &out, err, sizeof(err)), WEFT_OK);
        CU_ASSERT_STRING_EQUAL(out, "<from a file>");
        free(out);
    }
    CU_ASSERT_EQUAL(weft_ini_expand("@(/no/such/file)", &out, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/no/such/file"));

    weft_ini_ph_set("my_base", "/srv");
    CU_ASSERT_EQUAL(weft_ini_expand("%(my-base)/app %(nope)", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "/srv/app %(nope)");
    free(out);
    CU_ASSERT_TRUE(weft_ini_ph_used("my-base"));
    CU_ASSERT_EQUAL(weft_ini_ph_assign(" other = v 1", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(weft_ini_ph_get("other"), "v 1");
    CU_ASSERT_EQUAL(weft_ini_ph_assign("novalue", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_ini_expand("%(unclosed", &out, err, sizeof(err)), WEFT_ERROR);
}

static void
test_arithmetic(void)
{
    char err[256], *out;

    weft_ini_ph_reset();
    weft_ini_ph_set("foo", "17");
    weft_ini_ph_set("bar", "30");
    CU_ASSERT_EQUAL(weft_ini_expr("foo + bar + 3", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "50");
    free(out);
    /* a pipeline, left to right, as uWSGI: ((17 + 30) + 3) * 2 */
    CU_ASSERT_EQUAL(weft_ini_expr("foo + bar + 3 * 2", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "100");
    free(out);
    CU_ASSERT_EQUAL(weft_ini_expr("foo ++", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "18");
    free(out);
    CU_ASSERT_EQUAL(weft_ini_expr("8 / 3 - 1", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "1");
    free(out);
    /* no operator between two items: joined */
    weft_ini_ph_set("two", "2");
    weft_ini_ph_set("nine", "9");
    CU_ASSERT_EQUAL(weft_ini_expr("two nine ++", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(out, "30");
    free(out);
    CU_ASSERT_EQUAL(weft_ini_expr("foo / 0", &out, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "division by zero"));
    weft_ini_ph_set("word", "abc");
    CU_ASSERT_EQUAL(weft_ini_expr("word * 2", &out, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'abc' is not a number"));
    CU_ASSERT_EQUAL(weft_ini_expr("undefined", &out, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_PTR_NULL(out);
}

static void
test_lines(void)
{
    char err[512];

    CU_ASSERT_EQUAL(run_text("[app:main]\nuse = egg:x\n[uwsgi]\r\n  master\r\n"
                             "; c\n# c\nkey_a = 1 2  \n[loggers]\nkeys = root\n", err, sizeof(err)),
                    WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "master=;key_a=1 2;");
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nthree words here\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:2: not an ini line"));
}

static void
test_placeholders_in_order(void)
{
    char err[512];

    CU_ASSERT_EQUAL(run_text("[uwsgi]\nbase = /a\nx = %(base)/1\nbase = /b\ny = %(base)/2\n"
                             "set-placeholder = z = zz\nw = %(z) %(x)\n", err, sizeof(err)),
                    WEFT_OK);
    /* the first value given to a name is the one %(name) finds, as in uWSGI */
    CU_ASSERT_STRING_EQUAL(emitted, "base=/a;x=/a/1;base=/b;y=/a/2;w=zz /a/1;");
}

static void
test_if_blocks(void)
{
    char err[512], text[2048];

    setenv("WEFT_T_ON", "yes", 1);
    unsetenv("WEFT_T_OFF");
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nif-env = WEFT_T_ON\na = %(_)\nelse =\nb = 1\nendif =\n"
                             "if-env = WEFT_T_OFF\nc = 1\nelse\nd = 2\nendif\n"
                             "if-not-env = WEFT_T_OFF\ne = 3\nend\n"
                             "if-env = WEFT_T_ON=no\nf = 4\nendif\n", err, sizeof(err)),
                    WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "a=yes;d=2;e=3;");

    snprintf(text, sizeof(text),
             "[uwsgi]\nif-exists = %s\na = %%(_)\nendif\nif-file = %s\nb = 1\nendif\n"
             "if-dir = %s\nc = 1\nendif\nif-not-dir = /no/such\nd = 1\nendif\n"
             "opt = v\nif-opt = opt\ne = %%(_)\nendif\nif-not-opt = nope\nf = 1\nendif\n"
             "if-opt = opt=w\ng = 1\nendif\n",
             dir, dir, dir);
    CU_ASSERT_EQUAL(run_text(text, err, sizeof(err)), WEFT_OK);
    {
        char want[1024];
        snprintf(want, sizeof(want), "a=%s;c=1;d=1;opt=v;e=v;f=1;", dir);
        CU_ASSERT_STRING_EQUAL(emitted, want);
    }
    /* nested: an inner block in a skipped one stays skipped, else too */
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nif-env = WEFT_T_OFF\nif-env = WEFT_T_ON\na = 1\nelse\nb = 1\n"
                             "endif\nendif\nc = 1\n", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "c=1;");

    CU_ASSERT_EQUAL(run_text("[uwsgi]\nif-env = PATH\na = 1\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:2: if-env without endif"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nendif =\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:2: endif without if-*"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nelse\n", err, sizeof(err)), WEFT_ERROR);
}

static void
test_for_blocks(void)
{
    char err[512], text[2048];

    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor = a b c\nsocket = /run/%(_).sock\nhttp = %(_)\nendfor =\n"
                             "x = %(_)\n", err, sizeof(err)), WEFT_OK);
    /* each line of the body in turn, as uWSGI documents it */
    CU_ASSERT_STRING_EQUAL(emitted, "socket=/run/a.sock;socket=/run/b.sock;socket=/run/c.sock;"
                                    "http=a;http=b;http=c;x=%(_);");
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor =\na = 1\nendfor\nfor-times = 2\nb = %(_)\nend\n",
                             err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "b=1;b=2;");

    write_file("g1.conf", "");
    write_file("g2.conf", "");
    write_file("lines.txt", "one\n\ntwo\r\n");
    snprintf(text, sizeof(text), "[uwsgi]\nfor-glob = %s/g*.conf\ng = %%(_)\nendfor\n"
             "for-readline = %s/lines.txt\nl = %%(_)\nendfor\n", dir, dir);
    CU_ASSERT_EQUAL(run_text(text, err, sizeof(err)), WEFT_OK);
    {
        char want[1024];
        snprintf(want, sizeof(want), "g=%s/g1.conf;g=%s/g2.conf;l=one;l=two;", dir, dir);
        CU_ASSERT_STRING_EQUAL(emitted, want);
    }
    /* for inside if, if inside for */
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor = 1 2\nif-opt = seen\nsecond = %(_)\nendif\nseen = %(_)\n"
                             "endfor\n", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "seen=1;second=1;seen=2;");
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor = a\nx = 1\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "for without endfor"));
}

/* A file that never ends is an error that says so (found by t/fuzz). */
static void
test_ini_limits(void)
{
    char err[512];

    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor-times = 99999999999999999999\nx = 1\nendfor\n", err,
                             sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 100000 times"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nfor-times = 1000\nfor-times = 1000\nfor-times = 1000\n"
                             "x = %(_)\nendfor\nendfor\nendfor\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 100000 lines run"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\na = %(9223372036854775807 + 1)\n", err, sizeof(err)),
                    WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\na = %(-9223372036854775807 -- / -1)\n", err, sizeof(err)),
                    WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
}

static void
test_include_order(void)
{
    char err[512], text[2048], path[200];

    snprintf(path, sizeof(path), "%s/inc2.ini", dir);
    write_file("inc2.ini", "[uwsgi]\ninner = %n\n[other]\nsec = 2\n");
    /* ini = :more before any include reads this file's [more] */
    snprintf(text, sizeof(text),
             "[uwsgi]\na = 1\nini = :more\nini = %s\nb = 2\nini = %s:other\nc = %%n\n"
             "[more]\nm = %%(a)\n", path, path);
    CU_ASSERT_EQUAL(run_text(text, err, sizeof(err)), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(emitted, "a=1;m=1;inner=inc2;b=2;sec=2;c=t;");
    snprintf(text, sizeof(text), "[uwsgi]\nini = %s:nosuch\n", path);
    CU_ASSERT_EQUAL(run_text(text, err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no options in section [nosuch]"));
    CU_ASSERT_EQUAL(run_text("[uwsgi]\nini = /no/such.ini\n", err, sizeof(err)), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:2: ini = /no/such.ini: cannot read"));
}

/* Every row of the uWSGI table is in docs/uwsgi-migration.md with the
 * same status, and no row names one of the core's own options. */
static void
test_table_and_doc_agree(void)
{
    const weft_compat_t *c;
    FILE                *f = fopen(WEFT_TOP_SRCDIR "/docs/uwsgi-migration.md", "r");
    char                *doc = NULL;
    size_t               cap = 0;
    ssize_t              n;
    char                 all[200000] = "";

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while ((n = getline(&doc, &cap, f)) >= 0)
        if (strlen(all) + (size_t) n < sizeof(all) - 1)
            strcat(all, doc);
    free(doc);
    fclose(f);
    weft_options_reset();
    weft_options_add_table("core", weft_core_options);
    for (c = weft_compat_table; c->name != NULL; c++) {
        char row[256];
        snprintf(row, sizeof(row), "| `%s` | %s |", c->name, weft_compat_status_name(c->status));
        if (strstr(all, row) == NULL)
            fprintf(stderr, "# docs/uwsgi-migration.md has no row %s\n", row);
        CU_ASSERT_PTR_NOT_NULL(strstr(all, row));
        if (c->name[strlen(c->name) - 1] != '*') {
            if (weft_options_find(c->name, NULL) != NULL)
                fprintf(stderr, "# %s is a core option and a row of the uWSGI table\n", c->name);
            CU_ASSERT_PTR_NULL(weft_options_find(c->name, NULL));
        }
        CU_ASSERT_EQUAL(c->status == WEFT_COMPAT_MAPPED, c->target != NULL);
    }
    /* and the doc's rows of those statuses are all in the table */
    {
        const char *p = all;
        static const char *const st[] = { "accepted", "mapped", "ignored", "unsupported", NULL };
        while ((p = strstr(p, "\n| `")) != NULL) {
            char name[128], status[32];
            int  i;
            if (sscanf(p, "\n| `%127[^`]` | %31[a-z] |", name, status) == 2) {
                for (i = 0; st[i] != NULL; i++)
                    if (strcmp(status, st[i]) == 0) {
                        c = weft_compat_find(name);
                        if (c == NULL || strcmp(c->name, name) != 0)
                            fprintf(stderr, "# the doc's row %s (%s) is not in the table\n",
                                    name, status);
                        CU_ASSERT_TRUE(c != NULL && strcmp(c->name, name) == 0);
                    }
            }
            p++;
        }
    }
}

static void
test_compat_find(void)
{
    CU_ASSERT_PTR_NOT_NULL(weft_compat_find("enable_threads"));
    CU_ASSERT_EQUAL(weft_compat_find("hook-as-vassal")->status, WEFT_COMPAT_UNSUPPORTED);
    CU_ASSERT_EQUAL(weft_compat_find("cheaper-rss-limit-soft")->status, WEFT_COMPAT_UNSUPPORTED);
    CU_ASSERT_EQUAL(weft_compat_find("route-host")->status, WEFT_COMPAT_UNSUPPORTED);
    CU_ASSERT_EQUAL(weft_compat_find("mules")->status, WEFT_COMPAT_UNSUPPORTED);
    CU_ASSERT_PTR_NULL(weft_compat_find("threads"));        /* an option of weft's now */
    CU_ASSERT_PTR_NULL(weft_compat_find("threadsx"));
    CU_ASSERT_PTR_NULL(weft_compat_find("hook"));
    CU_ASSERT_STRING_EQUAL(weft_compat_find("pidfile2")->target, "pidfile");
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "magic variables", test_magic },
        { "$(ENV), @(file), %(placeholder)", test_substitutions },
        { "%(expr) arithmetic", test_arithmetic },
        { "lines, sections, CRLF", test_lines },
        { "placeholders keep their first value", test_placeholders_in_order },
        { "if-* / else / endif / end", test_if_blocks },
        { "for / for-glob / for-readline / for-times", test_for_blocks },
        { "limits: for-times, lines run, arithmetic range", test_ini_limits },
        { "includes spliced in order", test_include_order },
        { "the uWSGI table", test_compat_find },
        { "the uWSGI table and docs/uwsgi-migration.md agree", test_table_and_doc_agree },
        { NULL, NULL }
    };
    int  rc;
    char cmd[128];

    if (mkdtemp(dir) == NULL)
        return 1;
    weft_tap_suite("ini", tests);
    rc = weft_tap_run();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    weft_ini_ph_reset();
    return rc;
}
