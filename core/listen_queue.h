/*
 * core/listen_queue.h - how many connections wait in a listening socket's
 * accept queue, as the kernel counts them (listen_queue.c).
 *
 * Read by the master for the stats document, the metrics, adaptive
 * spawning (cheaper) and the "listen queue is full" warning.  Never
 * blocks: both answers come from the kernel's socket tables.
 */
#ifndef WEFT_CORE_LISTEN_QUEUE_H
#define WEFT_CORE_LISTEN_QUEUE_H

/*
 * Connections waiting in the accept queue of listening socket fd: for TCP
 * from TCP_INFO, for a UNIX socket from the kernel's sock_diag netlink
 * interface.  When max is not NULL, *max gets the queue's length (the
 * backlog the kernel applied), or 0 when unknown.  -1 when the depth
 * cannot be read (not a listening socket, no sock_diag in this kernel).
 */
int weft_listen_queue(int fd, unsigned *max);

/*
 * The sum of weft_listen_queue() over every socket weft listens on
 * (weft_listeners), skipping those it cannot read; -1 when it could read
 * none of them.
 */
long weft_listen_queue_total(void);

#endif
