/*
 * core/server.h - from parsed options to a serving process.
 */
#ifndef WEFT_CORE_SERVER_H
#define WEFT_CORE_SERVER_H

/* Set up languages and sockets, then serve until stopped.  WEFT_OK on a
 * clean stop, WEFT_ERROR (after logging why) otherwise. */
int weft_server_main(void);

/* In a worker process: start the languages, serve until stopped, let them
 * go.  WEFT_OK on a clean stop. */
int weft_server_worker(unsigned id);

#endif
