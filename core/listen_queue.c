/*
 * core/listen_queue.c - accept-queue depth of listening sockets.
 *
 * TCP: getsockopt(TCP_INFO) on a listening socket reports the queue's
 * current length in tcpi_unacked and its limit in tcpi_sacked.
 * UNIX: the socket's inode is asked of NETLINK_SOCK_DIAG with
 * UDIAG_SHOW_RQLEN, whose answer holds the same two numbers for a
 * listening socket (rqueue: waiting, wqueue: limit).
 */
#include "listen_queue.h"
#include "listen.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static int
tcp_queue(int fd, unsigned *max)
{
    struct tcp_info ti;
    socklen_t       len = sizeof ti;

    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return -1;
    if (ti.tcpi_state != TCP_LISTEN)
        return -1;
    if (max)
        *max = ti.tcpi_sacked;
    return (int) ti.tcpi_unacked;
}

/* Find UNIX_DIAG_RQLEN in one unix_diag answer of len bytes. */
static int
parse_unix_answer(const struct nlmsghdr *nh, size_t len, unsigned ino, unsigned *max)
{
    for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
        if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
            return -1;
        if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
            continue;
        const struct unix_diag_msg *m = NLMSG_DATA(nh);
        if (nh->nlmsg_len < NLMSG_LENGTH(sizeof *m) || m->udiag_ino != ino)
            continue;
        int             alen = (int) (nh->nlmsg_len - NLMSG_LENGTH(sizeof *m));
        struct rtattr  *a = (struct rtattr *) (m + 1);
        for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
            if (a->rta_type != UNIX_DIAG_RQLEN || RTA_PAYLOAD(a) < sizeof(struct unix_diag_rqlen))
                continue;
            const struct unix_diag_rqlen *q = RTA_DATA(a);
            if (max)
                *max = q->udiag_wqueue;
            return (int) q->udiag_rqueue;
        }
    }
    return -1;
}

static int
unix_queue(int fd, unsigned *max)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;

    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct timeval tv = { 0, 200000 };   /* the kernel answers at once; never hang the master */
    (void) setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    struct {
        struct nlmsghdr     nh;
        struct unix_diag_req req;
    } q;
    memset(&q, 0, sizeof q);
    q.nh.nlmsg_len = sizeof q;
    q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    q.nh.nlmsg_flags = NLM_F_REQUEST;
    q.req.sdiag_family = AF_UNIX;
    q.req.udiag_states = 1u << 10;       /* TCP_LISTEN, as unix_diag counts states */
    q.req.udiag_ino = (unsigned) st.st_ino;
    q.req.udiag_show = UDIAG_SHOW_RQLEN;
    q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = ~0u;   /* no cookie: look up by inode */

    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    int                depth = -1;
    if (sendto(nl, &q, sizeof q, 0, (struct sockaddr *) &kernel, sizeof kernel) == (ssize_t) sizeof q) {
        union {
            char            buf[4096];
            struct nlmsghdr align;
        } ans;
        ssize_t n = recv(nl, ans.buf, sizeof ans.buf, 0);
        if (n > 0)
            depth = parse_unix_answer(&ans.align, (size_t) n, (unsigned) st.st_ino, max);
    }
    close(nl);
    return depth;
}

int
weft_listen_queue(int fd, unsigned *max)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof ss;

    if (max)
        *max = 0;
    if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0)
        return -1;
    switch (ss.ss_family) {
    case AF_INET:
    case AF_INET6:
        return tcp_queue(fd, max);
    case AF_UNIX:
        return unix_queue(fd, max);
    default:
        return -1;
    }
}

long
weft_listen_queue_total(void)
{
    long total = -1;
    for (unsigned i = 0; i < weft_nlisteners; i++) {
        int d = weft_listen_queue(weft_listeners[i].fd, NULL);
        if (d >= 0)
            total = (total < 0 ? 0 : total) + d;
    }
    return total;
}
