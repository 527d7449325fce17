/*
 * core/path.h - one path containment for everything that serves files from
 * a directory: static files and the CGI plugin (api->open_beneath).
 */
#ifndef WEFT_CORE_PATH_H
#define WEFT_CORE_PATH_H

/*
 * Open path beneath the directory rootfd without leaving it, and return the
 * fd (close-on-exec always), or -1 with errno: EXDEV when the path leads
 * out of the root, ENOENT, ENOTDIR, EACCES, ELOOP...  flags as for
 * openat(2) (O_PATH to exec or fstat, O_RDONLY to read).
 *
 * Leading '/'s are ignored and "" or "/" opens the root itself.  Every
 * component stays inside: ".." may climb only as far as the root, and a
 * symlink is followed only when where it leads is inside the root too (an
 * absolute one is judged by the root's own path).  The kernel does it in
 * one openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); where it refuses
 * an absolute symlink, and on kernels without openat2, the path is opened
 * O_PATH (which has no side effects) and the object it reached is checked
 * to lie under the root (its path in /proc/self/fd) before it is reopened
 * with flags through that same fd.  There is no window: what is checked is
 * what is returned.  Check and use the fd (fstat, fexecve), never the path.
 */
int weft_open_beneath(int rootfd, const char *path, int flags);

/* Tests: 0 makes weft_open_beneath() act as on a kernel without openat2. */
void weft_path_use_openat2(int on);

#endif
