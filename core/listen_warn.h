/*
 * core/listen_warn.h - the "listen queue is full" warning (listen_warn.c).
 */
#ifndef WEFT_CORE_LISTEN_WARN_H
#define WEFT_CORE_LISTEN_WARN_H

/*
 * Read the accept-queue depth of every listener (listen_queue.c) and log
 * one warning when a queue becomes full: the kernel is dropping new
 * clients.  One line per listener when it fills, then none until it has
 * drained below its limit and at least a minute has passed.  Called by the
 * master about once a second; never blocks.
 */
void weft_listen_queue_warn(double now);

#endif
