/*
 * weft/status.h - the status codes shared by the core and every plugin.
 */
#ifndef WEFT_STATUS_H
#define WEFT_STATUS_H

#define WEFT_OK         0   /* done, or ready */
#define WEFT_ERROR     -1   /* failed; the reason has been logged */
#define WEFT_AGAIN     -2   /* would block: call again once the waits you
                               registered fire (or on the next loop turn) */
#define WEFT_DONE      -4   /* finished early; nothing more will be produced */
#define WEFT_DECLINED  -5   /* not mine: let someone else handle it */
#define WEFT_TIMEOUT   -6   /* a wait ended because its timeout expired */

#endif /* WEFT_STATUS_H */
