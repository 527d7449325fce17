/*
 * core/stats_doc.h - the stats document (JSON, uWSGI's keys where they mean
 * the same), made in the master from the scoreboard.
 */
#ifndef WEFT_CORE_STATS_DOC_H
#define WEFT_CORE_STATS_DOC_H

/* The document, NUL-terminated, for free(); NULL when out of memory. */
char *weft_stats_json(void);

#endif
