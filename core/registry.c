/*
 * core/registry.c - languages by modifier1, engines by name.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <weft/status.h>
#include <weft/version.h>
#include "log.h"
#include "registry.h"

#define MAX_LANGUAGES 16
#define MAX_ENGINES   16

static weft_language_t       *languages[MAX_LANGUAGES];
static unsigned               nlanguages;
static weft_suspend_engine_t *suspend_engines[MAX_ENGINES];
static unsigned               nsuspend_engines;
static weft_loop_engine_t    *loop_engines[MAX_ENGINES];
static unsigned               nloop_engines;

const weft_suspend_engine_t *weft_suspend_engine;
const weft_loop_engine_t    *weft_loop_engine;

/* Which plugin registered each language and engine (for messages). */
static const char            *registering_plugin;
static const char            *language_plugins[MAX_LANGUAGES];
static const char            *suspend_plugins[MAX_ENGINES];
static const char            *loop_plugins[MAX_ENGINES];

/* A zero-filled copy of `full` bytes holding the plugin's `given` bytes. */
static void *
copy_struct(const void *src, uint32_t given, size_t full, size_t minimum, const char *what)
{
    void *copy;

    if (given < minimum) {
        weft_log(WEFT_LOG_ERROR, "a plugin registered a %s of %u bytes; ABI %d.%d needs at least %zu",
                 what, given, WEFT_ABI_MAJOR, WEFT_ABI_MINOR, minimum);
        return NULL;
    }
    copy = calloc(1, full);
    if (copy != NULL)
        memcpy(copy, src, given < full ? given : full);
    return copy;
}

#define MIN_SIZE(type, last) (offsetof(type, last) + sizeof(((type *) 0)->last))

/* Whether a struct of `given` bytes holds the slot `last` of type. */
#define HOLDS(given, type, last) ((size_t) (given) >= MIN_SIZE(type, last))

void
weft_registry_set_plugin(const char *plugin)
{
    registering_plugin = plugin;
}

int
weft_register_language(const weft_language_t *lang)
{
    weft_language_t *copy;
    unsigned         i;

    if (lang == NULL || lang->name == NULL)
        return WEFT_ERROR;
    if (lang->modifier1 < 0 || lang->modifier1 > 255) {
        weft_log(WEFT_LOG_ERROR, "language %s: modifier1 %d is not 0..255", lang->name,
                 lang->modifier1);
        return WEFT_ERROR;
    }
    for (i = 0; i < nlanguages; i++) {
        if (strcmp(languages[i]->name, lang->name) == 0
            || languages[i]->modifier1 == lang->modifier1) {
            weft_log(WEFT_LOG_ERROR, "language %s (modifier1 %d) clashes with %s (modifier1 %d)",
                     lang->name, lang->modifier1, languages[i]->name, languages[i]->modifier1);
            return WEFT_ERROR;
        }
    }
    if (nlanguages == MAX_LANGUAGES)
        return WEFT_ERROR;
    copy = copy_struct(lang, lang->size, sizeof(*copy),
                       MIN_SIZE(weft_language_t, worker_exit), "language");
    if (copy == NULL)
        return WEFT_ERROR;
    /* A 1.0 language has no flags (zero-filled): it declares nothing it
     * cannot do. */
    language_plugins[nlanguages] = registering_plugin;
    languages[nlanguages++] = copy;
    return WEFT_OK;
}

const weft_language_t *
weft_language_for(int modifier1)
{
    unsigned i;

    for (i = 0; i < nlanguages; i++)
        if (languages[i]->modifier1 == modifier1)
            return languages[i];
    return nlanguages == 1 ? languages[0] : NULL;
}

unsigned
weft_language_count(void)
{
    return nlanguages;
}

const weft_language_t *
weft_language_at(unsigned i)
{
    return i < nlanguages ? languages[i] : NULL;
}

static int
engine_name_taken(const char *name)
{
    unsigned i;

    for (i = 0; i < nsuspend_engines; i++)
        if (strcmp(suspend_engines[i]->name, name) == 0)
            return 1;
    for (i = 0; i < nloop_engines; i++)
        if (strcmp(loop_engines[i]->name, name) == 0)
            return 1;
    return 0;
}

int
weft_register_suspend_engine(const weft_suspend_engine_t *engine)
{
    weft_suspend_engine_t *copy;

    if (engine == NULL || engine->name == NULL || engine_name_taken(engine->name)
        || nsuspend_engines == MAX_ENGINES)
        return WEFT_ERROR;
    copy = copy_struct(engine, engine->size, sizeof(*copy),
                       MIN_SIZE(weft_suspend_engine_t, release), "suspend engine");
    if (copy == NULL)
        return WEFT_ERROR;
    if (copy->start == NULL || copy->suspend == NULL || copy->resume == NULL) {
        weft_log(WEFT_LOG_ERROR, "suspend engine %s lacks start, suspend or resume",
                 engine->name);
        free(copy);
        return WEFT_ERROR;
    }
    if (!HOLDS(engine->size, weft_suspend_engine_t, flags))
        copy->flags = WEFT_ENGINE_FOREIGN_STACK;    /* 1.0: as engine.h says */
    suspend_plugins[nsuspend_engines] = registering_plugin;
    suspend_engines[nsuspend_engines++] = copy;
    return WEFT_OK;
}

int
weft_register_loop_engine(const weft_loop_engine_t *engine)
{
    weft_loop_engine_t *copy;

    if (engine == NULL || engine->name == NULL || engine_name_taken(engine->name)
        || nloop_engines == MAX_ENGINES)
        return WEFT_ERROR;
    copy = copy_struct(engine, engine->size, sizeof(*copy),
                       MIN_SIZE(weft_loop_engine_t, wake), "loop engine");
    if (copy == NULL)
        return WEFT_ERROR;
    if (copy->run == NULL || copy->stop == NULL || copy->wait == NULL
        || copy->current == NULL || copy->park == NULL || copy->wake == NULL) {
        weft_log(WEFT_LOG_ERROR, "loop engine %s lacks run, stop, wait, current, park or wake",
                 engine->name);
        free(copy);
        return WEFT_ERROR;
    }
    if (!HOLDS(engine->size, weft_loop_engine_t, flags))
        copy->flags = WEFT_ENGINE_OWN_STATE;        /* 1.0: as engine.h says */
    copy->flags |= WEFT_ENGINE_OWNS_LOOP;           /* implied */
    loop_plugins[nloop_engines] = registering_plugin;
    loop_engines[nloop_engines++] = copy;
    return WEFT_OK;
}

const char *
weft_engine_name(void)
{
    if (weft_suspend_engine != NULL)
        return weft_suspend_engine->name;
    if (weft_loop_engine != NULL)
        return weft_loop_engine->name;
    return NULL;
}

int
weft_select_engine(const char *name)
{
    const char *current = weft_engine_name();
    unsigned    i;

    if (current != NULL) {
        if (strcmp(current, name) == 0)
            return WEFT_OK;
        weft_log(WEFT_LOG_ERROR, "cannot use both the %s and the %s engine: choose one",
                 current, name);
        return WEFT_ERROR;
    }
    for (i = 0; i < nsuspend_engines; i++)
        if (strcmp(suspend_engines[i]->name, name) == 0) {
            weft_suspend_engine = suspend_engines[i];
            return WEFT_OK;
        }
    for (i = 0; i < nloop_engines; i++)
        if (strcmp(loop_engines[i]->name, name) == 0) {
            weft_loop_engine = loop_engines[i];
            return WEFT_OK;
        }
    weft_log(WEFT_LOG_ERROR, "no engine named %s is loaded", name);
    return WEFT_ERROR;
}

uint32_t
weft_engine_flags(void)
{
    if (weft_suspend_engine != NULL)
        return weft_suspend_engine->flags;
    if (weft_loop_engine != NULL)
        return weft_loop_engine->flags;
    return 0;
}

/* The plugin that registered the selected engine, or its name. */
static const char *
engine_plugin(void)
{
    const char *who = NULL;
    unsigned    i;

    for (i = 0; i < nsuspend_engines; i++)
        if (suspend_engines[i] == weft_suspend_engine)
            who = suspend_plugins[i];
    for (i = 0; i < nloop_engines; i++)
        if (loop_engines[i] == weft_loop_engine)
            who = loop_plugins[i];
    return who != NULL ? who : weft_engine_name();
}

int
weft_registry_check_pairings(void)
{
    uint32_t eflags = weft_engine_flags();
    unsigned i;

    for (i = 0; i < nlanguages; i++) {
        const weft_language_t *lang = languages[i];

        if ((lang->flags & WEFT_LANG_NO_FOREIGN_STACK) && (eflags & WEFT_ENGINE_FOREIGN_STACK)) {
            const char *lp = language_plugins[i] ? language_plugins[i] : lang->name;
            const char *hint = lang->engine_hint;

            weft_log(WEFT_LOG_ERROR, "%s cannot run on %s's foreign C stacks (language %s from plugin %s, engine %s from plugin %s): %s%s%s",
                     lang->name, weft_engine_name(), lang->name, lp, weft_engine_name(),
                     engine_plugin(), hint ? "use " : "choose another engine",
                     hint ? hint : "", hint ? " instead" : "");
            return WEFT_ERROR;
        }
    }
    return WEFT_OK;
}
