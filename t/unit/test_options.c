/*
 * t/unit/test_options.c - the option registry, typed values and argv walk.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include "options.h"
#include "tap.h"

static int            o_flag;
static const char    *o_string;
static weft_strlist_t o_list;
static long           o_int;
static double         o_double;
static size_t         o_size;
static int            o_cb_calls;
static const char    *o_cb_value;

static int
cb_set(const weft_option_t *opt, const char *value, char *err, size_t errlen)
{
    o_cb_calls++;
    o_cb_value = value;
    if (value != NULL && strcmp(value, "bad") == 0) {
        strcpy(err, "bad is bad");
        return WEFT_ERROR;
    }
    return WEFT_OK;
}

static const weft_option_t table[] = {
    { "flag", 'f', WEFT_OPT_FLAG, 0, &o_flag, NULL, "a flag", 0, 0, NULL },
    { "string", 0, WEFT_OPT_STRING, 0, &o_string, "S", "a string", 0, 0, NULL },
    { "list", 'L', WEFT_OPT_LIST, 0, &o_list, "X", "a list", 0, 0, NULL },
    { "int", 0, WEFT_OPT_INT, 0, &o_int, "N", "an int", 1, 100, NULL },
    { "double", 0, WEFT_OPT_DOUBLE, 0, &o_double, "D", "a double", 0, 0, NULL },
    { "size", 0, WEFT_OPT_SIZE, 0, &o_size, "SZ", "a size", 0, 0, NULL },
    { "cb", 0, WEFT_OPT_CALLBACK, 0, NULL, "V", "a callback", 0, 0, cb_set },
    { "cb-noarg", 0, WEFT_OPT_CALLBACK, WEFT_OPTF_NOARG, NULL, NULL, "no arg", 0, 0, cb_set },
    WEFT_OPTION_END
};

/* A plugin's table that the resolver "loads" on demand. */
static const char *lazy_value;
static const weft_option_t lazy_table[] = {
    { "lazy", 0, WEFT_OPT_STRING, 0, &lazy_value, "V", "from a plugin", 0, 0, NULL },
    WEFT_OPTION_END
};
static int resolver_calls;

static int
resolver(const char *name, char *err, size_t errlen)
{
    resolver_calls++;
    if (strcmp(name, "lazy") == 0) {
        weft_options_add_table("lazyplugin", lazy_table);
        return WEFT_OK;
    }
    if (strcmp(name, "broken") == 0) {
        strcpy(err, "broken.so: built for weft ABI 2.0");
        return WEFT_ERROR;
    }
    return WEFT_DECLINED;
}

static void
reset(void)
{
    weft_options_reset();
    weft_options_add_table("test", table);
    o_flag = 0;
    o_string = NULL;
    free(o_list.v);            /* the strings belong to the option code */
    o_list.n = 0;
    o_list.v = NULL;
    o_int = 0;
    o_double = 0;
    o_size = 0;
    o_cb_calls = 0;
    o_cb_value = NULL;
    lazy_value = NULL;
    resolver_calls = 0;
}

static int
parse(char *err, size_t errlen, ...)
{
    char   *argv[32];
    int     argc = 0;
    va_list ap;
    char   *a;

    argv[argc++] = "weft";
    va_start(ap, errlen);
    while ((a = va_arg(ap, char *)) != NULL)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return weft_options_parse_argv(argc, argv, resolver, err, errlen);
}

static void
test_every_type(void)
{
    char err[256];

    reset();
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag", "--string", "hello", "--list=a",
                          "-L", "b", "-Lc", "--int", "42", "--double=0.5", "--size", "64k",
                          "--cb", "value", "--cb-noarg", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 1);
    CU_ASSERT_STRING_EQUAL(o_string, "hello");
    CU_ASSERT_EQUAL(o_list.n, 3);
    CU_ASSERT_STRING_EQUAL(o_list.v[0], "a");
    CU_ASSERT_STRING_EQUAL(o_list.v[1], "b");
    CU_ASSERT_STRING_EQUAL(o_list.v[2], "c");
    CU_ASSERT_PTR_NULL(o_list.v[3]);
    CU_ASSERT_EQUAL(o_int, 42);
    CU_ASSERT_DOUBLE_EQUAL(o_double, 0.5, 1e-9);
    CU_ASSERT_EQUAL(o_size, 65536);
    CU_ASSERT_EQUAL(o_cb_calls, 2);
    CU_ASSERT_PTR_NULL(o_cb_value);
}

static void
test_flag_values(void)
{
    char err[256];

    reset();
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=false", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 0);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=yes", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 1);
    /* uWSGI's rule: true unless false, off, no or 0 */
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=off", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 0);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=maybe", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 1);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=NO", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 0);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--flag=0   # off", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_flag, 0);
}

/* A number may be followed by a comment; '_' and '-' are the same. */
static void
test_numbers_with_comments_and_names(void)
{
    char err[256];

    reset();
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int=42   # the answer", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_int, 42);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--size=64k ; small", NULL), WEFT_OK);
    CU_ASSERT_EQUAL(o_size, 65536);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--double=2.5\t# s", NULL), WEFT_OK);
    CU_ASSERT_DOUBLE_EQUAL(o_double, 2.5, 1e-9);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int=42 apples", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a whole number"));
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("cb_noarg", NULL));
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("cb-noarg", NULL));
    CU_ASSERT_PTR_NULL(weft_options_find("cb-noarg-x", NULL));
    CU_ASSERT_TRUE(weft_option_false("off"));
    CU_ASSERT_TRUE(weft_option_false("False # no"));
    CU_ASSERT_FALSE(weft_option_false("offline"));
    CU_ASSERT_FALSE(weft_option_false("true"));
}

static void
test_bad_values(void)
{
    char err[256];

    reset();
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int", "abc", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--int: 'abc' is not a whole number"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int", "101", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int", "0", NULL), WEFT_ERROR);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--int", "7x", NULL), WEFT_ERROR);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--double", "1e999", NULL), WEFT_ERROR);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--size", "12q", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a size"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--cb", "bad", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--cb: bad is bad"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--string", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a value"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--cb-noarg=1", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "takes no value"));
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "-fx", NULL), WEFT_ERROR);
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "stray", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unexpected argument 'stray'"));
}

static void
test_unknown_and_resolver(void)
{
    char err[256];

    reset();
    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--nosuch", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option --nosuch"));
    CU_ASSERT_EQUAL(resolver_calls, 1);

    CU_ASSERT_EQUAL(parse(err, sizeof(err), "-z", NULL), WEFT_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option -z"));
    CU_ASSERT_EQUAL(resolver_calls, 2);      /* short options are resolved too */

    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--lazy", "v1", "--lazy=v2", NULL), WEFT_OK);
    CU_ASSERT_STRING_EQUAL(lazy_value, "v2");
    /* Loaded once: the second --lazy is found without the resolver. */
    CU_ASSERT_EQUAL(resolver_calls, 3);

    CU_ASSERT_EQUAL(parse(err, sizeof(err), "--broken", NULL), WEFT_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "broken.so: built for weft ABI 2.0");
}

static void
test_find(void)
{
    const char *owner = NULL;

    reset();
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("--int", &owner));
    CU_ASSERT_STRING_EQUAL(owner, "test");
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("int=5", NULL));
    CU_ASSERT_PTR_NULL(weft_options_find("in", NULL));
    CU_ASSERT_PTR_NOT_NULL(weft_options_find_short('f', NULL));
    CU_ASSERT_PTR_NULL(weft_options_find_short('q', NULL));
}

static void
test_parse_size_and_bool(void)
{
    size_t s;
    int    b;

    CU_ASSERT_EQUAL(weft_parse_size("0", &s), WEFT_OK);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(weft_parse_size("1M", &s), WEFT_OK);
    CU_ASSERT_EQUAL(s, 1048576);
    CU_ASSERT_EQUAL(weft_parse_size("2gb", &s), WEFT_OK);
    CU_ASSERT_EQUAL(s, 2147483648u);
    CU_ASSERT_EQUAL(weft_parse_size("-1", &s), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_size("", &s), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_size("99999999999999999999999g", &s), WEFT_ERROR);
    CU_ASSERT_EQUAL(weft_parse_bool("On", &b), WEFT_OK);
    CU_ASSERT_EQUAL(b, 1);
    CU_ASSERT_EQUAL(weft_parse_bool("OFF", &b), WEFT_OK);
    CU_ASSERT_EQUAL(b, 0);
    CU_ASSERT_EQUAL(weft_parse_bool("2", &b), WEFT_ERROR);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "every type", test_every_type },
        { "flag values", test_flag_values },
        { "numbers with comments, '_' and '-'", test_numbers_with_comments_and_names },
        { "bad values", test_bad_values },
        { "unknown options and the resolver", test_unknown_and_resolver },
        { "find", test_find },
        { "sizes and booleans", test_parse_size_and_bool },
        { NULL, NULL }
    };

    weft_tap_suite("options", tests);
    return weft_tap_run();
}
