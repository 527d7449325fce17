/*
 * core/metrics.h - the Prometheus metrics (text exposition format 0.0.4),
 * made in the master from the scoreboard.
 */
#ifndef WEFT_CORE_METRICS_H
#define WEFT_CORE_METRICS_H

#include "buf.h"

/* Append the metrics to out.  WEFT_OK, or WEFT_ERROR when out of memory. */
int weft_metrics_text(weft_buf_t *out);

#endif
