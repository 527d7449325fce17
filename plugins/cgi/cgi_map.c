/*
 * plugins/cgi/cgi_map.c - from a URL path to a script, and path safety.
 *
 * The longest --cgi mount that is a prefix of the path (at a '/') wins.
 * Under a directory mount, the path's segments are walked one by one: the
 * first that names a regular file is the script, and what follows it is
 * PATH_INFO (Apache's way).  A path that ends at a directory gets its index
 * script.
 *
 * Safety: a ".." segment is refused before anything touches the file
 * system.  Every step of the walk is opened beneath the mount's root with
 * the core's containment rule (api->open_beneath, the one static files
 * use): a symlink that leads out of the root is refused, and the script is
 * known by the fd that was checked (fstat: a regular file, executable),
 * which is the one cgi_spawn() executes.  Nothing is looked up by its path
 * again, so swapping a symlink after the check changes nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE            /* O_PATH */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi.h"

static int
has_dotdot(const char *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t start = i;

        while (i < len && p[i] != '/')
            i++;
        if (i - start == 2 && p[start] == '.' && p[start + 1] == '.')
            return 1;
        i++;
    }
    return 0;
}

static const cgi_mount_t *
find_mount(const char *path, size_t len)
{
    const cgi_mount_t *best = NULL;
    unsigned           i;

    for (i = 0; i < cgi_conf.nmounts; i++) {
        const cgi_mount_t *m = &cgi_conf.mounts[i];

        if (len >= m->mount_len && memcmp(path, m->mount, m->mount_len) == 0
            && (len == m->mount_len || path[m->mount_len] == '/')
            && (best == NULL || m->mount_len > best->mount_len))
            best = m;
    }
    return best;
}

static int
ends_with(const char *s, size_t n, const char *suffix, size_t sn)
{
    return n >= sn && memcmp(s + n - sn, suffix, sn) == 0;
}

static int
refuse(cgi_refusal_t *no, int status, const char *why)
{
    no->status = status;
    no->why = why;
    return -1;
}

/* The status for a failed open beneath the root: 404 when the file is not
 * there, 403 when it leads out of the root or cannot be reached. */
static int
open_failed(cgi_refusal_t *no)
{
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
        return refuse(no, 404, "no such script");
    if (errno == EXDEV || errno == ELOOP)
        return refuse(no, 403, "a symlink leads out of the CGI directory");
    return refuse(no, 403, "the script cannot be reached");
}

/* Open rel beneath m's root (O_PATH) and fstat it: the fd, or -1. */
static int
open_stat(const cgi_mount_t *m, const char *rel, struct stat *st)
{
    int fd = cgi_api->open_beneath(m->root_fd, rel, O_PATH);

    if (fd >= 0 && fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* The checks on the script itself: extension, helper, executable bit. */
static int
check_script(const char *base, size_t blen, const struct stat *st,
             const cgi_helper_t **helper, cgi_refusal_t *no)
{
    size_t i;

    if (cgi_conf.allowed_ext.n > 0) {
        for (i = 0; i < cgi_conf.allowed_ext.n; i++) {
            const char *e = cgi_conf.allowed_ext.v[i];
            if (ends_with(base, blen, e, strlen(e)))
                break;
        }
        if (i == cgi_conf.allowed_ext.n)
            return refuse(no, 403, "the extension is not allowed (--cgi-allowed-ext)");
    }
    *helper = NULL;
    for (i = 0; i < cgi_conf.nhelpers; i++) {
        const cgi_helper_t *h = &cgi_conf.helpers[i];
        if (ends_with(base, blen, h->ext, h->ext_len)) {
            *helper = h;
            return 0;
        }
    }
    if ((st->st_mode & 0111) == 0)
        return refuse(no, 403, "the script is not executable");
    return 0;
}

/*
 * Walk rest (the path below the mount) in fs, which holds the mount's path
 * and has room for rest and an index name; each step is opened beneath the
 * root by its part of fs below the mount (fs + rel_off).  On success *fd is
 * the script, opened and checked, and *script_end is where its segment ends
 * in rest (rest_len: the path named a directory and `index` says which
 * index script serves it).
 */
static int
walk(const cgi_mount_t *m, char *fs, size_t *fs_len, size_t rel_off, const char *rest,
     size_t rest_len, size_t *script_end, const char **index, struct stat *st, int *fd,
     cgi_refusal_t *no)
{
    size_t pos = 0, n = *fs_len, i;

    *index = NULL;
    while (pos < rest_len) {
        size_t start = pos + 1, end = start;

        while (end < rest_len && rest[end] != '/')
            end++;
        pos = end;
        if (end == start)
            continue;                               /* "//" or the final '/' */
        fs[n++] = '/';
        memcpy(fs + n, rest + start, end - start);
        n += end - start;
        fs[n] = '\0';
        if ((*fd = open_stat(m, fs + rel_off, st)) < 0)
            return open_failed(no);
        if (S_ISREG(st->st_mode)) {
            *fs_len = n;
            *script_end = end;
            return 0;
        }
        close(*fd);
        *fd = -1;
        if (!S_ISDIR(st->st_mode))
            return refuse(no, 403, "not a regular file");
    }

    /* A directory. */
    if (rest_len == 0 || rest[rest_len - 1] != '/')
        return refuse(no, 301, "a directory: redirecting to its URL with a '/'");
    for (i = 0; i < cgi_conf.index.n; i++) {
        const char *name = cgi_conf.index.v[i];
        size_t      nl = strlen(name);

        fs[n] = '/';
        memcpy(fs + n + 1, name, nl + 1);
        *fd = open_stat(m, fs + rel_off, st);
        if (*fd < 0 && errno == EXDEV)
            return open_failed(no);
        if (*fd >= 0 && S_ISREG(st->st_mode)) {
            *fs_len = n + 1 + nl;
            *script_end = rest_len;
            *index = name;
            return 0;
        }
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
    fs[n] = '\0';
    return refuse(no, 403, cgi_conf.index.n ? "a directory without an index script"
                                            : "a directory, and no --cgi-index is set");
}

/*
 * The script's O_PATH fd made readable: the same file, reopened through its
 * own fd (not its name), because an interpreter may read fd 3 itself (perl
 * does, when it is told to run /dev/fd/3).  A script we may not read (a
 * binary with mode 711) keeps its O_PATH fd, which is enough to exec it.
 */
static int
readable(int fd)
{
    char link[64];
    int  rfd;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    rfd = open(link, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (rfd < 0)
        return fd;
    close(fd);
    return rfd;
}

void
cgi_script_free(cgi_script_t *s)
{
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    free(s);
}

cgi_script_t *
cgi_map(const char *path, size_t len, const char *prefix, size_t prefix_len,
        cgi_refusal_t *no)
{
    const cgi_mount_t  *m;
    const cgi_helper_t *helper;
    const char         *rest, *index = NULL;
    char               *base;
    size_t              rest_len, fs_len, script_end = 0, max_index = 0, i, dir_len, sn_len,
                        pi_len, blen;
    char               *fs, *p;
    struct stat         st;
    int                 fd = -1, dir_fd = -1;
    cgi_script_t       *s;

    if (len == 0 || path[0] != '/' || memchr(path, '\0', len) != NULL) {
        refuse(no, 404, "not a path");
        return NULL;
    }
    if (has_dotdot(path, len)) {
        refuse(no, 403, "a '..' segment in the path");
        return NULL;
    }
    m = find_mount(path, len);
    if (m == NULL) {
        refuse(no, 404, "no --cgi mount serves this path");
        return NULL;
    }
    rest = path + m->mount_len;
    rest_len = len - m->mount_len;

    for (i = 0; i < cgi_conf.index.n; i++)
        if (strlen(cgi_conf.index.v[i]) > max_index)
            max_index = strlen(cgi_conf.index.v[i]);
    fs = malloc(m->path_len + rest_len + max_index + 2);
    if (fs == NULL) {
        refuse(no, 500, "out of memory");
        return NULL;
    }
    memcpy(fs, m->path, m->path_len + 1);
    fs_len = m->path_len;

    if (m->is_file) {
        if ((fd = open_stat(m, m->file_base, &st)) < 0) {
            open_failed(no);
            goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
            refuse(no, 403, "not a regular file");
            goto fail;
        }
        script_end = 0;
    } else if (walk(m, fs, &fs_len, m->path_len + 1, rest, rest_len, &script_end, &index, &st,
                    &fd, no) != 0) {
        goto fail;
    }
    base = strrchr(fs, '/') + 1;
    blen = strlen(base);
    if (check_script(base, blen, &st, &helper, no) != 0)
        goto fail;

    fd = readable(fd);

    /* Its directory, the script's cwd: beneath the root as well. */
    if (m->is_file || base - 1 <= fs + m->path_len) {
        dir_fd = cgi_api->open_beneath(m->root_fd, "", O_PATH | O_DIRECTORY);
    } else {
        base[-1] = '\0';
        dir_fd = cgi_api->open_beneath(m->root_fd, fs + m->path_len + 1, O_PATH | O_DIRECTORY);
        base[-1] = '/';
    }
    if (dir_fd < 0) {
        open_failed(no);
        goto fail;
    }

    /* One block: the struct, then filename, dir, SCRIPT_NAME, PATH_INFO. */
    dir_len = (size_t) (base - fs - 1);
    sn_len = prefix_len + m->mount_len + script_end + (index ? strlen(index) : 0);
    pi_len = index ? 0 : rest_len - script_end;
    s = malloc(sizeof(*s) + fs_len + 1 + (dir_len ? dir_len : 1) + 1 + sn_len + 1 + pi_len + 1);
    if (s == NULL) {
        refuse(no, 500, "out of memory");
        goto fail;
    }
    p = (char *) (s + 1);
    s->mount = m;
    s->helper = helper;
    s->filename = p;
    memcpy(p, fs, fs_len + 1);
    s->base = p + (base - fs);
    p += fs_len + 1;
    s->dir = p;
    if (dir_len == 0)
        *p++ = '/';
    memcpy(p, fs, dir_len);
    p += dir_len;
    *p++ = '\0';
    s->script_name = p;
    memcpy(p, prefix, prefix_len);
    memcpy(p + prefix_len, path, m->mount_len + script_end);
    p += prefix_len + m->mount_len + script_end;
    if (index) {
        memcpy(p, index, strlen(index));
        p += strlen(index);
    }
    *p++ = '\0';
    s->path_info = p;
    memcpy(p, rest + script_end, pi_len);
    p[pi_len] = '\0';
    s->nph = blen > 4 && memcmp(base, "nph-", 4) == 0;
    s->fd = fd;
    s->dir_fd = dir_fd;
    free(fs);
    return s;

fail:
    if (fd >= 0)
        close(fd);
    if (dir_fd >= 0)
        close(dir_fd);
    free(fs);
    return NULL;
}
