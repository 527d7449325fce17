/*
 * core/api.h - the one weft_api_t the core hands to every plugin.
 */
#ifndef WEFT_CORE_API_H
#define WEFT_CORE_API_H

#include <weft/api.h>

extern const weft_api_t weft_core_api;

/* The worker's number (0 in the master, 1.. in workers). */
extern unsigned weft_worker_id;

#endif
