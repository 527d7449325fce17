/*
 * core/loop_serve.h - the core services a loop engine drives (see
 * weft_loop_engine_t in weft/engine.h and the loop-engine part of
 * weft_api_t).
 */
#ifndef WEFT_CORE_LOOP_SERVE_H
#define WEFT_CORE_LOOP_SERVE_H

/* api->serve_connection: serve fd to its end on the calling coroutine. */
void     weft_loop_serve_connection(int fd, unsigned listener);

/* api->accept, api->listener_count, api->listener_fd */
int      weft_loop_accept(unsigned listener);
unsigned weft_loop_listener_count(void);
int      weft_loop_listener_fd(unsigned i);

/* A core became free: let the longest-waiting coroutine try for it. */
void     weft_loop_core_freed(void);

#endif
