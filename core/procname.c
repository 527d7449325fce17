/*
 * core/procname.c - process names in ps/top (--procname-prefix,
 * --auto-procname): the kernel's comm name, 15 bytes at most.
 */
#include "config.h"

#include <stdio.h>
#include <sys/prctl.h>

#include "conf.h"
#include "opts.h"

void
weft_procname_set(const char *name)
{
    char full[64];

    if (weft_conf.procname_prefix == NULL && !weft_conf.auto_procname)
        return;
    snprintf(full, sizeof(full), "%s%s",
             weft_conf.procname_prefix ? weft_conf.procname_prefix : "", name);
    prctl(PR_SET_NAME, full, 0, 0, 0);
}
