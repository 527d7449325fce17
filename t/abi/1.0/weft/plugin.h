/*
 * weft/plugin.h - the descriptor every plugin exports.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `weft_plugin`, a weft_plugin_t.  Its first four fields are the ABI
 * header, and the loader checks them in order before it reads anything
 * else: magic, ABI major, ABI minor, size.  Fill them with WEFT_PLUGIN_HEADER
 * so they always match the headers the plugin was compiled with:
 *
 *     static int hello_init(const weft_api_t *api) { ... }
 *
 *     WEFT_EXPORT const weft_plugin_t weft_plugin = {
 *         WEFT_PLUGIN_HEADER,
 *         .name    = "hello",
 *         .version = "1.0",
 *         .summary = "says hello",
 *         .init    = hello_init,
 *     };
 *
 * Build it with -fvisibility=hidden (or libtool's -export-symbols-regex)
 * so nothing else leaks out of the object.
 */
#ifndef WEFT_PLUGIN_H
#define WEFT_PLUGIN_H

#include <stdint.h>

#include <weft/version.h>
#include <weft/option.h>
#include <weft/api.h>

typedef struct weft_plugin_s weft_plugin_t;

/* What a plugin provides, for --help and the loader's messages. */
#define WEFT_PLUGIN_LANGUAGE        0x01
#define WEFT_PLUGIN_SUSPEND_ENGINE  0x02
#define WEFT_PLUGIN_LOOP_ENGINE     0x04

/*
 * Load the plugin with RTLD_GLOBAL: its symbols, and those of the libraries
 * it links (libpython, libperl, libruby), become visible to objects loaded
 * later.  An interpreter's own extension modules (greenlet, Socket.so,
 * Coro) need that to find the interpreter's symbols.
 */
#define WEFT_PLUGIN_GLOBAL          0x0100

struct weft_plugin_s {
    /* The ABI header: never move these four. */
    uint32_t             magic;        /* WEFT_PLUGIN_MAGIC */
    uint16_t             abi_major;    /* WEFT_ABI_MAJOR it was built with */
    uint16_t             abi_minor;    /* WEFT_ABI_MINOR it was built with */
    uint32_t             size;         /* sizeof(weft_plugin_t) it was built with */

    uint32_t             flags;        /* WEFT_PLUGIN_* */
    const char          *name;         /* unique: "python", "ugreen" */
    const char          *version;      /* the plugin's own release */
    const char          *summary;      /* one line for --help */

    /* Plugins to load before this one, comma-separated ("python"), or NULL. */
    const char          *requires;

    /* The plugin's options, ending with WEFT_OPTION_END; or NULL. */
    const weft_option_t *options;

    /*
     * Called once, right after loading, before any of the plugin's options
     * is applied.  Keep `api`; register languages and engines.  Do nothing
     * expensive here (no interpreter start-up): that belongs in setup().
     * Return WEFT_OK, or WEFT_ERROR after logging why.
     */
    int                (*init)(const weft_api_t *api);
};

#define WEFT_PLUGIN_HEADER \
    .magic = WEFT_PLUGIN_MAGIC, .abi_major = WEFT_ABI_MAJOR, \
    .abi_minor = WEFT_ABI_MINOR, .size = sizeof(weft_plugin_t)

#if defined(__GNUC__)
#define WEFT_EXPORT __attribute__((visibility("default")))
#else
#define WEFT_EXPORT
#endif

#endif /* WEFT_PLUGIN_H */
