/*
 * core/listen_warn.c - warn once when a listen queue fills up.
 *
 * A full accept queue means the kernel drops new connections (their SYNs
 * go unanswered, the clients retry and time out) while every worker is
 * busy or at --max-conns.  Nothing else tells the operator: the served
 * clients see nothing wrong.  So the master looks at each queue's depth
 * once a second and says so, once per episode, as uWSGI's "listen queue
 * full" line does.
 */
#include "config.h"

#include <stdlib.h>

#include "listen.h"
#include "listen_queue.h"
#include "listen_warn.h"
#include "log.h"

#define WARN_AGAIN_SECONDS 60.0

typedef struct {
    int    full;          /* full at the last look */
    double warned;        /* when the last line was written */
} queue_state_t;

static queue_state_t *states;     /* one per listener, kept for the process */

void
weft_listen_queue_warn(double now)
{
    unsigned i;

    if (states == NULL && weft_nlisteners > 0) {
        states = calloc(weft_nlisteners, sizeof(*states));
        if (states == NULL)
            return;
        for (i = 0; i < weft_nlisteners; i++)
            states[i].warned = -WARN_AGAIN_SECONDS;
    }
    for (i = 0; i < weft_nlisteners; i++) {
        unsigned max = 0;
        int      depth = weft_listen_queue(weft_listeners[i].fd, &max);

        if (depth < 0 || max == 0)
            continue;
        if ((unsigned) depth < max) {
            states[i].full = 0;
            continue;
        }
        if (!states[i].full && now - states[i].warned >= WARN_AGAIN_SECONDS) {
            weft_log(WEFT_LOG_WARN, "listen queue of %s is full (%d/%u): the kernel drops new "
                     "clients; raise --listen, add --processes or --async", weft_listeners[i].name,
                     depth, max);
            states[i].warned = now;
        }
        states[i].full = 1;
    }
}
