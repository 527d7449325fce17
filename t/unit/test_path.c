/*
 * t/unit/test_path.c - weft_open_beneath(), the one path containment, with
 * openat2 and as on a kernel without it: the same answers either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "tap.h"

static char top[64], root[128];
static int  rootfd = -1;

static void
put(const char *rel, const char *text)
{
    char  p[256];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", top, rel);
    f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void
link_to(const char *target, const char *rel)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/%s", top, rel);
    CU_ASSERT_EQUAL(symlink(target, p), 0);
}

static void
make_tree(void)
{
    char p[256];

    if (rootfd >= 0)
        return;
    strcpy(top, "/tmp/weft-path-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(top));
    snprintf(root, sizeof(root), "%s/root", top);
    mkdir(root, 0755);
    snprintf(p, sizeof(p), "%s/root/sub", top);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/out", top);
    mkdir(p, 0755);
    put("root/a.txt", "inside");
    put("root/sub/b.txt", "deeper");
    put("out/secret.txt", "secret");
    link_to("a.txt", "root/rel-in");
    link_to("../out/secret.txt", "root/rel-out");
    snprintf(p, sizeof(p), "%s/root/a.txt", top);
    link_to(p, "root/abs-in");
    snprintf(p, sizeof(p), "%s/out", top);
    link_to(p, "root/dir-out");
    link_to("missing", "root/dangling");
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    CU_ASSERT_FATAL(rootfd >= 0);
}

/* What opening rel says: the first bytes read, or "-ERRNO". */
static const char *
try_open(const char *rel, int flags)
{
    static char buf[64];
    int         fd = weft_open_beneath(rootfd, rel, flags);
    ssize_t     n;

    if (fd < 0) {
        snprintf(buf, sizeof(buf), "-%s", errno == EXDEV ? "EXDEV" : errno == ENOENT
                 ? "ENOENT" : strerror(errno));
        return buf;
    }
    CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    if (flags & O_PATH) {
        struct stat st;
        CU_ASSERT_EQUAL(fstat(fd, &st), 0);
        snprintf(buf, sizeof(buf), S_ISDIR(st.st_mode) ? "dir" : "file");
    } else {
        n = read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    close(fd);
    return buf;
}

static void
check_all(void)
{
    make_tree();
    CU_ASSERT_STRING_EQUAL(try_open("a.txt", O_RDONLY), "inside");
    CU_ASSERT_STRING_EQUAL(try_open("/a.txt", O_RDONLY), "inside");
    CU_ASSERT_STRING_EQUAL(try_open("sub/../a.txt", O_RDONLY), "inside");
    CU_ASSERT_STRING_EQUAL(try_open("sub/b.txt", O_RDONLY), "deeper");
    CU_ASSERT_STRING_EQUAL(try_open("", O_PATH), "dir");
    CU_ASSERT_STRING_EQUAL(try_open("/", O_PATH | O_DIRECTORY), "dir");
    CU_ASSERT_STRING_EQUAL(try_open("a.txt", O_PATH), "file");
    CU_ASSERT_STRING_EQUAL(try_open("rel-in", O_RDONLY), "inside");
    CU_ASSERT_STRING_EQUAL(try_open("abs-in", O_RDONLY), "inside");
    CU_ASSERT_STRING_EQUAL(try_open("abs-in", O_PATH), "file");
    CU_ASSERT_STRING_EQUAL(try_open("../out/secret.txt", O_RDONLY), "-EXDEV");
    CU_ASSERT_STRING_EQUAL(try_open("sub/../../out/secret.txt", O_RDONLY), "-EXDEV");
    CU_ASSERT_STRING_EQUAL(try_open("rel-out", O_RDONLY), "-EXDEV");
    CU_ASSERT_STRING_EQUAL(try_open("rel-out", O_PATH), "-EXDEV");
    CU_ASSERT_STRING_EQUAL(try_open("dir-out/secret.txt", O_RDONLY), "-EXDEV");
    CU_ASSERT_STRING_EQUAL(try_open("dangling", O_RDONLY), "-ENOENT");
    CU_ASSERT_STRING_EQUAL(try_open("nope", O_RDONLY), "-ENOENT");
}

static void
test_with_openat2(void)
{
    weft_path_use_openat2(1);
    check_all();
}

static void
test_without_openat2(void)
{
    weft_path_use_openat2(0);
    check_all();
    weft_path_use_openat2(1);
}

int
main(void)
{
    static const weft_tap_test_t tests[] = {
        { "with openat2", test_with_openat2 },
        { "without openat2 (before Linux 5.6)", test_without_openat2 },
        { NULL, NULL }
    };
    int rc;

    weft_tap_suite("open_beneath", tests);
    rc = weft_tap_run();
    if (top[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        if (system(cmd) != 0)
            rc = 1;
    }
    return rc;
}
