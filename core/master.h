/*
 * core/master.h - the master process (--master, --processes).
 */
#ifndef WEFT_CORE_MASTER_H
#define WEFT_CORE_MASTER_H

/* Fork the workers and look after them until shutdown.  Call after the
 * listeners are open and the apps are loaded. */
int weft_master_run(void);

#endif
