/*
 * core/registry.h - the languages and engines plugins have registered, and
 * the engine this weft uses.
 */
#ifndef WEFT_CORE_REGISTRY_H
#define WEFT_CORE_REGISTRY_H

#include <weft/language.h>
#include <stdint.h>

#include <weft/engine.h>

/*
 * Registration copies the plugin's struct into a zero-filled one of the
 * core's size, so slots an older plugin does not have read as NULL.
 */
int weft_register_language(const weft_language_t *lang);
int weft_register_suspend_engine(const weft_suspend_engine_t *engine);
int weft_register_loop_engine(const weft_loop_engine_t *engine);
int weft_select_engine(const char *name);

/* The language that serves modifier1, or NULL.  When only one language is
 * registered it serves every modifier1. */
const weft_language_t *weft_language_for(int modifier1);

unsigned               weft_language_count(void);
const weft_language_t *weft_language_at(unsigned i);

/* The selected engine (at most one of the two is set). */
extern const weft_suspend_engine_t *weft_suspend_engine;
extern const weft_loop_engine_t    *weft_loop_engine;

const char *weft_engine_name(void);

/* api->engine_flags(): the selected engine's WEFT_ENGINE_* flags (a 1.0
 * engine gets the defaults weft/engine.h states), or 0 without one. */
uint32_t weft_engine_flags(void);

/* The plugin whose init() is running (NULL after it), so that what it
 * registers can be named after it in messages.  From the plugin loader. */
void weft_registry_set_plugin(const char *plugin);

/*
 * At start-up, after the options and before any fork: WEFT_ERROR, with one
 * ERROR line naming both plugins and the language's engine_hint, when a
 * loaded language cannot live with the selected engine (a language that
 * declares WEFT_LANG_NO_FOREIGN_STACK and an engine that runs handlers on
 * foreign C stacks).
 */
int weft_registry_check_pairings(void);

#endif
