/*
 * core/stats_server.h - the master's --stats and --metrics listeners.
 */
#ifndef WEFT_CORE_STATS_SERVER_H
#define WEFT_CORE_STATS_SERVER_H

struct event_base;

/* Open --stats and --metrics (when given) and serve them on base.  WEFT_OK,
 * or WEFT_ERROR with the reason logged. */
int weft_stats_server_start(struct event_base *base);

/* In a child of the master: close the listeners and connections. */
void weft_stats_server_forked(void);

/* The master re-executes itself for a reload: count it (the count crosses
 * the exec in the environment). */
void     weft_stats_note_reload(void);
unsigned weft_stats_reloads(void);

/* When this master image started its listeners (wall clock). */
double weft_stats_started_at(void);

#endif
