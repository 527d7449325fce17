/*
 * core/plugin_loader.c - dlopen, the ABI check, requirements, on-demand
 * loading by option name.
 *
 * The ABI header is checked field by field, each only once the symbol is
 * known to be long enough to hold it: a short or foreign symbol is refused,
 * never read past its end.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "plugin_loader.h"
#include "registry.h"

#ifndef WEFT_PLUGIN_DIR
#define WEFT_PLUGIN_DIR "/usr/local/lib/weft/plugins"
#endif

#define DESCRIPTOR_SYMBOL "weft_plugin"

/* The smallest descriptor each minor of this major may have: the size of
 * weft_plugin_t as that minor defined it. */
static const size_t descriptor_min_size[] = {
    /* 1.0 */ offsetof(weft_plugin_t, init) + sizeof(((weft_plugin_t *) 0)->init),
    /* 1.1 */ offsetof(weft_plugin_t, option_size) + sizeof(((weft_plugin_t *) 0)->option_size),
};

/* Whether a descriptor of d->size bytes has the option_size slot. */
static int
has_option_size(const weft_plugin_t *d)
{
    return d->size >= offsetof(weft_plugin_t, option_size) + sizeof(d->option_size);
}

size_t
weft_plugin_option_stride(const weft_plugin_t *d)
{
    return has_option_size(d) ? d->option_size : WEFT_OPTION_SIZE_1_0;
}

static const weft_api_t     *plugin_api;
static const char           *plugin_dir_override;
static weft_loaded_plugin_t *loaded;
static weft_loaded_plugin_t **loaded_tail = &loaded;

/* Names being loaded right now, to catch requirement cycles. */
#define MAX_LOAD_DEPTH 16
static const char *loading[MAX_LOAD_DEPTH];
static int         nloading;

void
weft_plugin_set_api(const weft_api_t *api)
{
    plugin_api = api;
}

void
weft_plugin_set_dir(const char *dir)
{
    plugin_dir_override = dir;
}

const char *
weft_plugin_dir(void)
{
    const char *env;

    if (plugin_dir_override != NULL)
        return plugin_dir_override;
    env = getenv("WEFT_PLUGIN_DIR");
    if (env != NULL && *env != '\0')
        return env;
    return WEFT_PLUGIN_DIR;
}

const weft_loaded_plugin_t *
weft_plugins_loaded(void)
{
    return loaded;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int
weft_plugin_check_abi(const void *sym, size_t symsize, unsigned core_major,
                      unsigned core_minor, const char *file, char *err, size_t errlen)
{
    const weft_plugin_t *d = sym;
    size_t               need;

    file = base_name(file);

    if (symsize != 0 && symsize < sizeof(d->magic)) {
        snprintf(err, errlen, "%s is not a weft plugin: its %s symbol is %zu bytes",
                 file, DESCRIPTOR_SYMBOL, symsize);
        return -1;
    }
    if (d->magic != WEFT_PLUGIN_MAGIC) {
        snprintf(err, errlen, "%s is not a weft plugin: bad magic 0x%08x (a weft plugin starts with 0x%08x)",
                 file, d->magic, WEFT_PLUGIN_MAGIC);
        return -1;
    }
    if (symsize != 0 && symsize < offsetof(weft_plugin_t, size)) {
        snprintf(err, errlen, "%s: descriptor is cut short (%zu bytes): no ABI version",
                 file, symsize);
        return -1;
    }
    if (d->abi_major != core_major) {
        snprintf(err, errlen, "%s: built for weft ABI %u.%u, this weft speaks %u.%u: rebuild the plugin against this weft's SDK",
                 file, d->abi_major, d->abi_minor, core_major, core_minor);
        return -1;
    }
    if (d->abi_minor > core_minor) {
        snprintf(err, errlen, "%s: built for weft ABI %u.%u, this weft speaks %u.%u: it needs a newer weft",
                 file, d->abi_major, d->abi_minor, core_major, core_minor);
        return -1;
    }
    if (symsize != 0 && symsize < offsetof(weft_plugin_t, size) + sizeof(d->size)) {
        snprintf(err, errlen, "%s: descriptor is cut short (%zu bytes): no size field",
                 file, symsize);
        return -1;
    }
    need = descriptor_min_size[d->abi_minor < sizeof(descriptor_min_size) / sizeof(size_t)
                               ? d->abi_minor
                               : sizeof(descriptor_min_size) / sizeof(size_t) - 1];
    if (d->size < need) {
        snprintf(err, errlen, "%s: descriptor is %u bytes, weft ABI %u.%u needs at least %zu",
                 file, d->size, d->abi_major, d->abi_minor, need);
        return -1;
    }
    if (symsize != 0 && symsize < d->size) {
        snprintf(err, errlen, "%s: descriptor claims %u bytes but its symbol has only %zu",
                 file, d->size, symsize);
        return -1;
    }
    if (d->name == NULL || d->name[0] == '\0' || d->init == NULL) {
        snprintf(err, errlen, "%s: descriptor has no name or no init function", file);
        return -1;
    }
    if (d->options != NULL && weft_plugin_option_stride(d) < WEFT_OPTION_SIZE_1_0) {
        snprintf(err, errlen, "%s: its options are %zu bytes each, weft ABI %u.x needs at least %zu (fill the descriptor with WEFT_PLUGIN_HEADER)",
                 file, weft_plugin_option_stride(d), d->abi_major, (size_t) WEFT_OPTION_SIZE_1_0);
        return -1;
    }
    return 0;
}

/* The ELF size of the descriptor symbol, or 0 when it cannot be known. */
static size_t
symbol_size(const void *sym)
{
#ifdef HAVE_DLADDR1
    Dl_info           info;
    const ElfW(Sym)  *es = NULL;

    if (dladdr1(sym, &info, (void **) &es, RTLD_DL_SYMENT) != 0 && es != NULL)
        return (size_t) es->st_size;
#endif
    (void) sym;
    return 0;
}

static void
path_for(const char *spec, char *path, size_t len)
{
    size_t n = strlen(spec);

    if (strchr(spec, '/') != NULL)
        snprintf(path, len, "%s", spec);
    else if (n > 3 && strcmp(spec + n - 3, ".so") == 0)
        snprintf(path, len, "%s/%s", weft_plugin_dir(), spec);
    else
        snprintf(path, len, "%s/%s.so", weft_plugin_dir(), spec);
}

/* dlopen a file and check its descriptor; no init, no registration. */
static const weft_plugin_t *
open_checked(const char *path, void **dlp, char *err, size_t errlen)
{
    void                *dl;
    const weft_plugin_t *desc;

    dlerror();
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        const char *e = dlerror();
        snprintf(err, errlen, "cannot load %s: %s", path, e ? e : "unknown error");
        return NULL;
    }
    desc = dlsym(dl, DESCRIPTOR_SYMBOL);
    if (desc == NULL) {
        snprintf(err, errlen, "%s is not a weft plugin: it has no %s descriptor",
                 path, DESCRIPTOR_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    if (weft_plugin_check_abi(desc, symbol_size(desc), WEFT_ABI_MAJOR, WEFT_ABI_MINOR,
                              path, err, errlen) != 0) {
        dlclose(dl);
        return NULL;
    }
    *dlp = dl;
    return desc;
}

static weft_loaded_plugin_t *
find_loaded(const char *name)
{
    weft_loaded_plugin_t *p;

    for (p = loaded; p != NULL; p = p->next)
        if (strcmp(p->desc->name, name) == 0)
            return p;
    return NULL;
}

/* Finish loading an opened, checked plugin: requirements, options, init. */
static int
activate(const weft_plugin_t *desc, void *dl, const char *path, int explicit_load,
         char *err, size_t errlen)
{
    weft_loaded_plugin_t *p;
    int                   i, rc;

    for (i = 0; i < nloading; i++) {
        if (strcmp(loading[i], desc->name) == 0) {
            snprintf(err, errlen, "%s: plugin '%s' requires itself (through %s)",
                     base_name(path), desc->name, loading[nloading - 1]);
            goto fail;
        }
    }
    if (nloading == MAX_LOAD_DEPTH) {
        snprintf(err, errlen, "%s: requirements nest too deep", base_name(path));
        goto fail;
    }

    if (desc->flags & WEFT_PLUGIN_GLOBAL) {
        /* Promote the object and its libraries to the global scope. */
        void *g = dlopen(path, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
        if (g == NULL) {
            snprintf(err, errlen, "cannot make %s global: %s", path, dlerror());
            goto fail;
        }
        dlclose(g);
    }

    if (desc->requires != NULL && desc->requires[0] != '\0') {
        loading[nloading++] = desc->name;
        rc = weft_plugin_load_list(desc->requires, 0, err, errlen);
        nloading--;
        if (rc != WEFT_OK)
            goto fail;
    }

    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->path = strdup(path)) == NULL) {
        free(p);
        snprintf(err, errlen, "out of memory loading %s", path);
        goto fail;
    }
    p->desc = desc;
    p->dl = dl;
    p->explicit_load = explicit_load;

    if (weft_options_add_table_stride(desc->name, desc->options,
                                      weft_plugin_option_stride(desc)) != WEFT_OK) {
        snprintf(err, errlen, "out of memory loading %s", path);
        free(p->path);
        free(p);
        goto fail;
    }
    *loaded_tail = p;
    loaded_tail = &p->next;

    weft_registry_set_plugin(desc->name);
    rc = desc->init(plugin_api);
    weft_registry_set_plugin(NULL);
    if (rc != WEFT_OK) {
        snprintf(err, errlen, "plugin '%s' (%s) failed to initialise (see the log above)",
                 desc->name, path);
        return WEFT_ERROR;
    }
    weft_log(WEFT_LOG_DEBUG, "loaded plugin %s %s from %s", desc->name,
             desc->version ? desc->version : "", path);
    return WEFT_OK;

fail:
    dlclose(dl);
    return WEFT_ERROR;
}

int
weft_plugin_load(const char *spec, int explicit_load, char *err, size_t errlen)
{
    char                  path[4096];
    const weft_plugin_t  *desc;
    weft_loaded_plugin_t *prev;
    void                 *dl;
    size_t                n;

    if (spec[0] == '\0') {
        snprintf(err, errlen, "empty plugin name");
        return WEFT_ERROR;
    }

    /* A bare name that is already loaded: skip the file system. */
    n = strlen(spec);
    if (strchr(spec, '/') == NULL && (n < 3 || strcmp(spec + n - 3, ".so") != 0)) {
        prev = find_loaded(spec);
        if (prev != NULL) {
            if (explicit_load && prev->explicit_load) {
                snprintf(err, errlen, "plugin '%s' is given twice", spec);
                return WEFT_ERROR;
            }
            prev->explicit_load |= explicit_load;
            return WEFT_OK;
        }
    }

    path_for(spec, path, sizeof(path));
    if (strchr(spec, '/') == NULL && access(path, F_OK) != 0) {
        snprintf(err, errlen, "plugin '%s' not found: there is no %s (set --plugin-dir or WEFT_PLUGIN_DIR)",
                 spec, path);
        return WEFT_ERROR;
    }

    desc = open_checked(path, &dl, err, errlen);
    if (desc == NULL)
        return WEFT_ERROR;

    prev = find_loaded(desc->name);
    if (prev != NULL) {
        if (prev->dl == dl && !(explicit_load && prev->explicit_load)) {
            prev->explicit_load |= explicit_load;
            dlclose(dl);
            return WEFT_OK;
        }
        if (prev->dl == dl)
            snprintf(err, errlen, "plugin '%s' is given twice", desc->name);
        else
            snprintf(err, errlen, "two plugins named '%s': %s and %s", desc->name,
                     prev->path, path);
        dlclose(dl);
        return WEFT_ERROR;
    }

    return activate(desc, dl, path, explicit_load, err, errlen);
}

int
weft_plugin_load_list(const char *list, int explicit_load, char *err, size_t errlen)
{
    char *copy, *save = NULL, *tok;
    int   rc = WEFT_OK;

    copy = strdup(list);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return WEFT_ERROR;
    }
    for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        rc = weft_plugin_load(tok, explicit_load, err, errlen);
        if (rc != WEFT_OK)
            break;
    }
    free(copy);
    return rc;
}

static int
has_option(const weft_plugin_t *desc, const char *name)
{
    const weft_option_t *o;

    if (desc->options == NULL)
        return 0;
    for (o = desc->options; o->name != NULL;
         o = weft_option_next(o, weft_plugin_option_stride(desc))) {
        if (name[0] == '-' && name[1] != '\0' && name[2] == '\0') {
            if (o->short_name == name[1])
                return 1;
        } else if (strcmp(o->name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
is_plugin_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0 && e->d_name[0] != '.';
}

/*
 * Visit every installed plugin that is not loaded yet.  fn returns 1 to keep
 * the plugin loaded (its handle is then the caller's), 0 to close it.
 */
typedef int (*scan_pt)(const weft_plugin_t *desc, void *dl, const char *path, void *data);

static void
scan_installed(scan_pt fn, void *data)
{
    struct dirent **names = NULL;
    int             n, i, done = 0;

    n = scandir(weft_plugin_dir(), &names, is_plugin_file, alphasort);
    for (i = 0; i < n; i++) {
        char                 path[4096], why[512];
        const weft_plugin_t *desc;
        void                *dl;
        size_t               len = strlen(names[i]->d_name) - 3;

        snprintf(path, sizeof(path), "%s/%s", weft_plugin_dir(), names[i]->d_name);
        names[i]->d_name[len] = '\0';
        if (!done && find_loaded(names[i]->d_name) == NULL) {
            desc = open_checked(path, &dl, why, sizeof(why));
            if (desc == NULL)
                weft_log(WEFT_LOG_DEBUG, "skipping %s", why);
            else if (find_loaded(desc->name) != NULL || !fn(desc, dl, path, data))
                dlclose(dl);
            else
                done = 1;
        }
        free(names[i]);
    }
    free(names);
}

typedef struct {
    const char *option;
    char       *err;
    size_t      errlen;
    int         rc;
} resolve_ctx_t;

static int
resolve_visit(const weft_plugin_t *desc, void *dl, const char *path, void *data)
{
    resolve_ctx_t *ctx = data;

    if (!has_option(desc, ctx->option))
        return 0;
    ctx->rc = activate(desc, dl, path, 0, ctx->err, ctx->errlen);
    return 1;
}

int
weft_plugin_resolve_option(const char *name, char *err, size_t errlen)
{
    resolve_ctx_t ctx = { name, err, errlen, WEFT_DECLINED };

    scan_installed(resolve_visit, &ctx);
    return ctx.rc;
}

typedef struct {
    weft_plugin_visit_pt fn;
    void                *data;
} visit_ctx_t;

static int
help_visit(const weft_plugin_t *desc, void *dl, const char *path, void *data)
{
    visit_ctx_t *ctx = data;

    ctx->fn(desc, path, ctx->data);
    return 0;
}

void
weft_plugins_each_installed(weft_plugin_visit_pt fn, void *data)
{
    visit_ctx_t ctx = { fn, data };

    scan_installed(help_visit, &ctx);
}
