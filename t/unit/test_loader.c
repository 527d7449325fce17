/*
 * t/unit/test_loader.c - the plugin loader against real shared objects,
 * good and deliberately broken (t/plugins/).  Tests run in order and share
 * the loader's state, as one weft process would.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>
#include "log.h"
#include "options.h"
#include "plugin_loader.h"
#include "tap.h"

static weft_api_t fake_api = {
    .size = sizeof(weft_api_t),
    .abi_major = WEFT_ABI_MAJOR,
    .abi_minor = WEFT_ABI_MINOR,
    .log = weft_log,
    .vlog = weft_vlog,
};

static char err[1024];

static const char *
test_plugin(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof(path), "%s/%s.so", getenv("WEFT_TEST_PLUGINS"), name);
    return path;
}

static int
load(const char *spec, int explicit_load)
{
    err[0] = '\0';
    return weft_plugin_load(spec, explicit_load, err, sizeof(err));
}

static int
is_loaded(const char *name)
{
    const weft_loaded_plugin_t *p;
    for (p = weft_plugins_loaded(); p != NULL; p = p->next)
        if (strcmp(p->desc->name, name) == 0)
            return 1;
    return 0;
}

#define ASSERT_ERR_HAS(s) do { \
        CU_ASSERT_PTR_NOT_NULL(strstr(err, (s))); \
        if (strstr(err, (s)) == NULL) printf("# error was: %s\n", err); \
    } while (0)

static void
test_check_abi(void)
{
    weft_plugin_t d;
    int           (*init)(const weft_api_t *) = (int (*)(const weft_api_t *)) 1;

    memset(&d, 0, sizeof(d));
    d.magic = WEFT_PLUGIN_MAGIC;
    d.abi_major = 1;
    d.abi_minor = 1;
    d.size = sizeof(d);
    d.name = "x";
    d.init = init;
    d.abi_minor = 1;            /* a 1.1 plugin, whatever this build speaks */

    /* An older minor of the same major loads. */
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 1, 3, "x.so", err, sizeof(err)), 0);
    /* The same minor loads. */
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 1, 1, "x.so", err, sizeof(err)), 0);
    /* A newer minor does not. */
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 1, 0, "/p/x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("x.so: built for weft ABI 1.1, this weft speaks 1.0");
    /* Nor another major, in either direction. */
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 2, 5, "x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("built for weft ABI 1.1, this weft speaks 2.5");
    /* A symbol too short to hold the magic is never read. */
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, 3, 1, 1, "x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("is 3 bytes");
    /* A descriptor that claims less than its ABI needs. */
    d.size = 16;
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 1, 1, "x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("descriptor is 16 bytes");
    /* One that claims more than its symbol holds. */
    d.size = sizeof(d);
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d) - 8, 1, 1, "x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("claims");
    /* Magic is checked before the version. */
    d.magic = 0x1234;
    d.abi_major = 9;
    CU_ASSERT_EQUAL(weft_plugin_check_abi(&d, sizeof(d), 1, 1, "x.so", err, sizeof(err)), -1);
    ASSERT_ERR_HAS("bad magic 0x00001234");
}

static void
test_resolve_option_loads_owner_and_requirements(void)
{
    const char *owner = NULL;

    CU_ASSERT_FALSE(is_loaded("needsgood"));
    /* The directory also holds the broken plugins: the scan passes them. */
    CU_ASSERT_EQUAL(weft_plugin_resolve_option("needs-level", err, sizeof(err)), WEFT_OK);
    CU_ASSERT_TRUE(is_loaded("needsgood"));
    CU_ASSERT_TRUE(is_loaded("testgood"));
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("needs-level", &owner));
    CU_ASSERT_STRING_EQUAL(owner, "needsgood");
    CU_ASSERT_PTR_NOT_NULL(weft_options_find("test-greeting", &owner));
    CU_ASSERT_STRING_EQUAL(owner, "testgood");
    CU_ASSERT_EQUAL(weft_plugin_resolve_option("no-such-option", err, sizeof(err)),
                    WEFT_DECLINED);
}

static void
test_explicit_twice(void)
{
    /* Loaded as a requirement: naming it once is fine, twice is not. */
    CU_ASSERT_EQUAL(load("testgood", 1), WEFT_OK);
    CU_ASSERT_EQUAL(load("testgood", 1), WEFT_ERROR);
    ASSERT_ERR_HAS("plugin 'testgood' is given twice");
    CU_ASSERT_EQUAL(load(test_plugin("testgood"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("given twice");
}

static void
test_two_plugins_same_name(void)
{
    CU_ASSERT_EQUAL(load(test_plugin("dupname"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("two plugins named 'testgood'");
}

static void
test_bad_magic(void)
{
    CU_ASSERT_EQUAL(load(test_plugin("badmagic"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("badmagic.so is not a weft plugin: bad magic 0xdeadbeef");
}

static void
test_major_plus_one(void)
{
    char want[128];

    snprintf(want, sizeof(want), "majorplus.so: built for weft ABI %d.0, this weft speaks %d.%d",
             WEFT_ABI_MAJOR + 1, WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    CU_ASSERT_EQUAL(load(test_plugin("majorplus"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS(want);
}

static void
test_minor_newer(void)
{
    char want[128];

    snprintf(want, sizeof(want), "minornewer.so: built for weft ABI %d.%d, this weft speaks %d.%d: it needs a newer weft",
             WEFT_ABI_MAJOR, WEFT_ABI_MINOR + 1, WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
    CU_ASSERT_EQUAL(load(test_plugin("minornewer"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS(want);
}

static void
test_short_descriptor(void)
{
    CU_ASSERT_EQUAL(load(test_plugin("shortdesc"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("shortdesc.so: descriptor is 12 bytes");
    CU_ASSERT_FALSE(is_loaded("shortdesc"));
}

static void
test_no_descriptor(void)
{
    CU_ASSERT_EQUAL(load(test_plugin("nodesc"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("nodesc.so is not a weft plugin: it has no weft_plugin descriptor");
}

static void
test_missing(void)
{
    CU_ASSERT_EQUAL(load("nosuchplugin", 1), WEFT_ERROR);
    ASSERT_ERR_HAS("plugin 'nosuchplugin' not found: there is no ");
    ASSERT_ERR_HAS("/nosuchplugin.so");
    CU_ASSERT_EQUAL(load("/nonexistent/dir/x.so", 1), WEFT_ERROR);
    ASSERT_ERR_HAS("cannot load /nonexistent/dir/x.so");
}

static void
test_foreign_library(void)
{
    void            *h = dlopen("libz.so.1", RTLD_NOW);
    struct link_map *map = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL_FATAL(dlinfo(h, RTLD_DI_LINKMAP, &map), 0);
    CU_ASSERT_EQUAL(load(map->l_name, 1), WEFT_ERROR);
    ASSERT_ERR_HAS("is not a weft plugin");
    dlclose(h);
}

static void
test_init_fails(void)
{
    CU_ASSERT_EQUAL(load(test_plugin("failinit"), 1), WEFT_ERROR);
    ASSERT_ERR_HAS("plugin 'failinit'");
    ASSERT_ERR_HAS("failed to initialise");
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "ABI check order and minor compatibility", test_check_abi },
        { "an option loads its plugin and what it requires", test_resolve_option_loads_owner_and_requirements },
        { "a plugin named twice", test_explicit_twice },
        { "two plugins with one name", test_two_plugins_same_name },
        { "bad magic", test_bad_magic },
        { "ABI major + 1", test_major_plus_one },
        { "ABI minor newer than the core", test_minor_newer },
        { "short descriptor", test_short_descriptor },
        { "no descriptor", test_no_descriptor },
        { "missing plugin", test_missing },
        { "a shared library that is not a plugin", test_foreign_library },
        { "init fails", test_init_fails },
        { NULL, NULL }
    };

    if (getenv("WEFT_TEST_PLUGINS") == NULL) {
        printf("1..0 # SKIP WEFT_TEST_PLUGINS is not set (run under make check)\n");
        return 0;
    }
    weft_options_reset();
    weft_plugin_set_api(&fake_api);
    weft_plugin_set_dir(getenv("WEFT_TEST_PLUGINS"));
    weft_tap_suite("loader", tests);
    return weft_tap_run();
}
