/*
 * core/shell.h - starting a shell command from the master (attached
 * daemons, cron jobs, exec: hooks).
 */
#ifndef WEFT_CORE_SHELL_H
#define WEFT_CORE_SHELL_H

#include <sys/types.h>

#define WEFT_SHELL_GROUP      0x01  /* its own process group (signal -pid) */
#define WEFT_SHELL_DIE_WITH   0x02  /* SIGTERM when the master dies */
#define WEFT_SHELL_SESSION    0x04  /* a new session, detached (daemonize) */

/*
 * Fork /bin/sh -c cmd with every signal unblocked and at its default,
 * stdin on /dev/null, stdout and stderr on the log, in dir when not NULL.
 * Returns the child's pid, or -1 (logged) when fork failed.
 */
pid_t weft_shell_start(const char *cmd, const char *dir, int flags);

/* Run cmd to its end; returns its wait status, or -1 when it could not
 * be started. */
int weft_shell_run(const char *cmd);

/* "exited with status N" / "was killed by SIGX" into buf. */
void weft_shell_describe(char *buf, size_t len, int status);

#endif
