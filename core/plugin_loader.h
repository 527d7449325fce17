/*
 * core/plugin_loader.h - find, check and load plugins at run time.
 */
#ifndef WEFT_CORE_PLUGIN_LOADER_H
#define WEFT_CORE_PLUGIN_LOADER_H

#include <stddef.h>
#include <weft/plugin.h>

typedef struct weft_loaded_plugin_s weft_loaded_plugin_t;

struct weft_loaded_plugin_s {
    const weft_plugin_t   *desc;
    void                  *dl;
    char                  *path;
    int                    explicit_load;  /* named by --plugin */
    weft_loaded_plugin_t  *next;
};

/* The API table handed to each plugin's init(). */
void weft_plugin_set_api(const weft_api_t *api);

/* Where plugin names are looked up: --plugin-dir, else $WEFT_PLUGIN_DIR,
 * else the directory configured at build time. */
void        weft_plugin_set_dir(const char *dir);
const char *weft_plugin_dir(void);

/*
 * Check a descriptor's ABI header against the core's ABI, in this order:
 * symbol size, magic, major, minor, descriptor size.  symsize is the
 * symbol's size from the ELF symbol table (0: unknown).  On refusal err gets
 * one line naming `file`, what it found and what is needed.
 */
int weft_plugin_check_abi(const void *sym, size_t symsize, unsigned core_major,
                          unsigned core_minor, const char *file, char *err,
                          size_t errlen);

/*
 * The stride of d's options table: its option_size when the descriptor is
 * big enough to hold that slot (1.1 and newer), else the size of
 * weft_option_t in 1.0 (WEFT_OPTION_SIZE_1_0).  weft_plugin_check_abi()
 * refuses a table whose stride is smaller than that.
 */
size_t weft_plugin_option_stride(const weft_plugin_t *d);

/*
 * Load a plugin by name ("python", found in the plugin directory) or by
 * path (anything with a '/').  explicit_load: named by --plugin, so naming
 * it twice is an error.  Loads what it requires first, registers its
 * options, and calls its init().
 */
int weft_plugin_load(const char *spec, int explicit_load, char *err, size_t errlen);

/* Load each name of a comma-separated list. */
int weft_plugin_load_list(const char *list, int explicit_load, char *err, size_t errlen);

/*
 * The options resolver: look through the installed plugins for one that
 * provides option `name` ("-x" for a short one) and load it.  WEFT_OK when loaded, WEFT_DECLINED
 * when none provides it, WEFT_ERROR when loading it failed.
 */
int weft_plugin_resolve_option(const char *name, char *err, size_t errlen);

/* The loaded plugins, in load order. */
const weft_loaded_plugin_t *weft_plugins_loaded(void);

/*
 * For --help: call fn for each installed plugin that is not loaded (its
 * descriptor is valid only during the call), in name order.
 */
typedef void (*weft_plugin_visit_pt)(const weft_plugin_t *desc, const char *path,
                                     void *data);
void weft_plugins_each_installed(weft_plugin_visit_pt fn, void *data);

#endif
