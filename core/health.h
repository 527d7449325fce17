/*
 * core/health.h - --health PATH, answered by the core (health.c).
 */
#ifndef WEFT_CORE_HEALTH_H
#define WEFT_CORE_HEALTH_H

#include <weft/language.h>

struct weft_req_s;

/* WEFT_OK when r is a GET or HEAD of --health's path (then serve it with
 * weft_health_language), WEFT_DECLINED otherwise.  Call it only when
 * weft_conf.health_path is set. */
int weft_health_route(struct weft_req_s *r);

extern const weft_language_t weft_health_language;

#endif
