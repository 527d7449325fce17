/*
 * core/static.h - static files, served by the core itself.
 */
#ifndef WEFT_CORE_STATIC_H
#define WEFT_CORE_STATIC_H

#include <weft/language.h>

#include "request.h"

/* Resolve --static-map and --check-static (before fork).  WEFT_ERROR when
 * a directory does not exist. */
int weft_static_setup(void);

int weft_static_enabled(void);

/* For a GET or HEAD: WEFT_OK when the core serves r itself (r->pub.ctx set
 * for weft_static_language), WEFT_DECLINED to pass it to the app. */
int weft_static_route(weft_req_t *r);

/* The "language" that serves what weft_static_route() took. */
extern const weft_language_t weft_static_language;

#endif
