/*
 * core/touch.h - reloads asked for by touching a file (touch.c).
 */
#ifndef WEFT_CORE_TOUCH_H
#define WEFT_CORE_TOUCH_H

#define WEFT_TOUCH_NONE    0
#define WEFT_TOUCH_RELOAD  1        /* --touch-reload: everything */
#define WEFT_TOUCH_WORKERS 2        /* --touch-workers-reload: the workers */

/* In the master, before its loop: note each file's state now.  -1 when
 * out of memory. */
int weft_touch_init(void);

/* Once a tick: what a change since the last look asks for (a reload wins
 * over a workers' reload), logging each file that changed. */
int weft_touch_check(void);

#endif
