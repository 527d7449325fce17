/*
 * core/main.c - weft's entry point: options, plugins, then serve.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/version.h>
#include "api.h"
#include "check_config.h"
#include "conf.h"
#include "log.h"
#include "options.h"
#include "opts.h"
#include "plugin_loader.h"
#include "reexec.h"
#include "registry.h"
#include "server.h"

static const char *
kind_name(const weft_plugin_t *d)
{
    if (d->flags & WEFT_PLUGIN_LANGUAGE)
        return "language";
    if (d->flags & WEFT_PLUGIN_SUSPEND_ENGINE)
        return "suspend engine";
    if (d->flags & WEFT_PLUGIN_LOOP_ENGINE)
        return "loop engine";
    return "plugin";
}

static void
print_plugin(const weft_plugin_t *d, const char *path, const char *state)
{
    printf("\n%s %s (%s, %s %s, %s)%s%s\n", kind_name(d), d->name, state,
           d->version ? "version" : "", d->version ? d->version : "", path,
           d->summary ? ": " : "", d->summary ? d->summary : "");
    if (d->options != NULL && d->options->name != NULL)
        weft_options_print_table_stride(d->options, weft_plugin_option_stride(d), stdout);
}

static void
print_installed(const weft_plugin_t *d, const char *path, void *data)
{
    print_plugin(d, path, "installed");
}

static void
print_help(void)
{
    const weft_loaded_plugin_t *p;

    printf("Usage: weft [OPTION]...\n"
           "Serve WSGI, Rack, PSGI and CGI applications.\n\n"
           "Core options:\n");
    weft_options_print_table(weft_core_options, stdout);
    for (p = weft_plugins_loaded(); p != NULL; p = p->next)
        print_plugin(p->desc, p->path, "loaded");
    weft_plugins_each_installed(print_installed, NULL);
    printf("\nPlugins are looked up in %s.\n", weft_plugin_dir());
    fflush(stdout);
}

static void
print_version(void)
{
    printf("weft %s (plugin ABI %d.%d)\nplugin directory: %s\n", PACKAGE_VERSION,
           WEFT_ABI_MAJOR, WEFT_ABI_MINOR, weft_plugin_dir());
    fflush(stdout);
}

/*
 * --help and --version must work whatever else is on the line, so look for
 * them (and for what decides which plugins --help lists) before parsing.
 */
static int
prescan(int argc, char **argv)
{
    int i, want = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            want = 'h';
        else if (strcmp(a, "--version") == 0 && want == 0)
            want = 'v';
        else if (strcmp(a, "--check-config") == 0 || strncmp(a, "--check-config=", 15) == 0)
            weft_check_mode = 1;       /* before any option with side effects */
        else if (strcmp(a, "--plugin-dir") == 0 && i + 1 < argc)
            weft_plugin_set_dir(argv[++i]);
        else if (strncmp(a, "--plugin-dir=", 13) == 0)
            weft_plugin_set_dir(a + 13);
    }
    if (want == 'h') {
        char err[1024];
        for (i = 1; i < argc; i++) {
            const char *list = NULL;
            if ((strcmp(argv[i], "--plugin") == 0 || strcmp(argv[i], "--plugins") == 0)
                && i + 1 < argc)
                list = argv[++i];
            else if (strncmp(argv[i], "--plugin=", 9) == 0)
                list = argv[i] + 9;
            if (list != NULL && weft_plugin_load_uwsgi_list(list, err, sizeof(err)) != WEFT_OK)
                weft_die_msg("%s", err);
        }
    }
    return want;
}

int
main(int argc, char **argv)
{
    char err[1024];

    weft_reexec_init(argc, argv);
    weft_options_add_table("core", weft_core_options);
    weft_plugin_set_api(&weft_core_api);

    switch (prescan(argc, argv)) {
    case 'h':
        print_help();
        return 0;
    case 'v':
        print_version();
        return 0;
    }

    if (weft_options_parse_argv(argc, argv, weft_plugin_resolve_option, err, sizeof(err))
        != WEFT_OK) {
        weft_die_msg("%s", err);
        return weft_check_mode ? 1 : 2;
    }
    if (weft_show_config)
        weft_config_show(stdout);
    if (weft_check_mode)
        return weft_check_verdict(weft_check_file ? weft_check_file : "the command line");

    return weft_server_main() == WEFT_OK ? 0 : 1;
}
