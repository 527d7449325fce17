/*
 * core/worker_recycle.c - a worker recycled at a plugin's request
 * (api->recycle_worker: PSGI's psgix.harakiri.commit), the way
 * --max-requests recycles one: say so on the scoreboard, tell the master
 * (SIGUSR2), drain and exit; the master starts a fresh worker.
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <weft/status.h>
#include "api.h"
#include "conf.h"
#include "log.h"
#include "scoreboard.h"
#include "worker.h"

int
weft_worker_has_master(void)
{
    return weft_conf.master != 0;
}

int
weft_worker_recycle(const char *why)
{
    if (!weft_conf.master || weft_scoreboard_mine < 0)
        return WEFT_DECLINED;
    if (weft_worker_stopping)
        return WEFT_OK;
    weft_log(WEFT_LOG_INFO, "worker %u recycles: %s", weft_worker_id, why ? why : "a plugin asked");
    weft_scoreboard_worker((unsigned) weft_scoreboard_mine)->recycling = 1;
    kill(getppid(), SIGUSR2);
    weft_worker_stop(1);
    return WEFT_OK;
}
