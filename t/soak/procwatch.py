"""What the soak reads from /proc while weft runs: which worker holds each
client connection (so a lost request is put on the worker that had it),
each worker's resident memory, and fd counts."""
import os
import threading
import time


def children(pid):
    """The pids whose parent is pid."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(name))
    return sorted(out)


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def fds(pid):
    """{fd: what it points to} of pid, for a report of what leaked."""
    out = {}
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for n in names:
        try:
            out[int(n)] = os.readlink("/proc/%d/fd/%s" % (pid, n))
        except OSError:
            pass
    return out


def rss_kib(pid):
    try:
        with open("/proc/%d/statm" % pid) as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, IndexError, ValueError):
        return None


def tcp_peers(port):
    """{socket inode: client port} of the connections to local port `port`."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            p = line.split()
            if len(p) < 10:
                continue
            local, remote, inode = p[1], p[2], p[9]
            if int(local.rsplit(":", 1)[1], 16) != port:
                continue
            rport = int(remote.rsplit(":", 1)[1], 16)
            if rport:
                out[inode] = rport
    return out


class Watcher(threading.Thread):
    """Every `every` seconds: which of the master's children holds each
    connection to `port` (client port -> [[first seen, last seen, pid]]), and every
    `rss_every` seconds each child's RSS (pid -> [(time, KiB)])."""

    def __init__(self, master_pid, port, every=0.1, rss_every=0.5):
        threading.Thread.__init__(self, daemon=True)
        self.master_pid = master_pid
        self.port = port
        self.every = every
        self.rss_every = rss_every
        self.owner = {}                 # client port -> [[first seen, last seen, pid]]
        self.rss = {}                   # pid -> [(t, KiB)]
        self.stopping = threading.Event()

    def run(self):
        last_rss = 0.0
        while not self.stopping.is_set():
            t = time.time()
            pids = children(self.master_pid)
            peers = tcp_peers(self.port)
            for pid in pids:
                for target in fds(pid).values():
                    if target.startswith("socket:["):
                        rport = peers.get(target[8:-1])
                        if rport:
                            seen = self.owner.setdefault(rport, [])
                            if seen and seen[-1][2] == pid and t - seen[-1][1] < 1:
                                seen[-1][1] = t
                            else:
                                seen.append([t, t, pid])
            if t - last_rss >= self.rss_every:
                last_rss = t
                for pid in pids:
                    kib = rss_kib(pid)
                    if kib:
                        self.rss.setdefault(pid, []).append((t, kib))
            self.stopping.wait(self.every)

    def stop(self):
        self.stopping.set()
        self.join(5)

    def owner_of(self, port, opened, until):
        """The worker that held client port `port` between opened and until."""
        for first, last, pid in self.owner.get(port, ()):
            if first <= until + 0.2 and last >= opened - 0.05:
                return pid
        return None
