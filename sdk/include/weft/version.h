/*
 * weft/version.h - the plugin ABI version, its rules, and its change log.
 *
 * A plugin is built against one ABI major.minor and records both in the
 * first fields of its descriptor (see weft/plugin.h).  The loader reads,
 * in this order and before anything else: the magic number, the major, the
 * minor, the descriptor's size.
 *
 * The rules
 * ---------
 *  1. A plugin loads when its major equals the core's major and its minor
 *     is not newer than the core's minor.  A plugin built for 1.0 loads in a
 *     1.3 core; a plugin built for 1.4 is refused by a 1.3 core, and one
 *     built for 2.x by any 1.x core.
 *  2. Every struct that crosses the ABI (the descriptor, weft_api_t,
 *     weft_language_t, the engine vtables, weft_request_t, weft_core_t,
 *     weft_option_t) only ever grows at its end.  A struct the plugin hands
 *     to the core starts with its own size, so the core never reads a slot
 *     an older plugin does not have.
 *  3. A minor bump adds: new slots at the end of a struct, new functions at
 *     the end of weft_api_t, new constants.  It never changes the meaning
 *     of an existing slot, constant or return value.
 *  4. Anything else is a major bump: removing or reordering a slot,
 *     changing a type or a signature, changing what a status code means.
 *     Bumping the major resets the minor to 0.
 *  5. Every bump gets a line in the change log below, in the same commit.
 *
 * Change log
 * ----------
 *  1.0  First released ABI: the plugin descriptor; weft_api_t (registration
 *       and engine selection, logging, the server's shape, request
 *       variables, body, response, the wait API, the core services for
 *       suspend and loop engines); language handlers; suspend engines; loop
 *       engines; typed options.
 *  1.1  Slots at the end of structs, nothing moved:
 *       weft_suspend_engine_t.shrink (shipped without a bump, logged here);
 *       weft_api_t.worker_count and .percent_decode (likewise);
 *       weft_api_t: engine_flags, can_suspend, set_content_length,
 *       sendfile_fd, write_ref, valid_header_name, valid_header_value,
 *       parse_status, parse_content_length, status_has_body, read_line,
 *       body_seek, open_beneath;
 *       weft_suspend_engine_t.flags, weft_loop_engine_t.flags and the
 *       WEFT_ENGINE_* constants;
 *       weft_language_t.flags, .engine_hint and WEFT_LANG_NO_FOREIGN_STACK;
 *       weft_request_t: url_scheme, server_name, server_port, script_name,
 *       and the flags WEFT_REQ_BODY_REWINDABLE, WEFT_REQ_BODY_COMPLETE;
 *       weft_plugin_t.option_size (the options table's stride).
 *  1.2  weft_api_t: hijack (a request's connection handed to its plugin,
 *       for rack.hijack) and early_hints (103 Early Hints).
 *  1.3  weft_language_t: has_threads, without_lock, with_lock (the loop
 *       waits with an interpreter lock such as Ruby's GVL released).
 *  1.4  weft_api_t: has_master and recycle_worker (a worker recycled at
 *       an app's request, for psgix.harakiri.commit).
 *  1.5  weft_api_t.reopen_log (a loop engine's SIGUSR1: the log file
 *       reopened, where the default action ended the worker).
 *  1.6  weft_language_t: thread_init, thread_exit (--threads: a language
 *       that can serve on several OS threads of a worker says so).
 */
#ifndef WEFT_VERSION_H
#define WEFT_VERSION_H

/* "WEFT" in ASCII: the first four bytes of every plugin descriptor. */
#define WEFT_PLUGIN_MAGIC 0x54464557u

#define WEFT_ABI_MAJOR 1
#define WEFT_ABI_MINOR 6

#endif /* WEFT_VERSION_H */
