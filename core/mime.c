/*
 * core/mime.c - extension to Content-Type, an open-addressing hash table
 * filled from /etc/mime.types (Debian's media-types package).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

#define SLOTS 4096                      /* a power of two, > 2x the entries */

typedef struct {
    char *ext;
    char *type;
} mime_slot_t;

static mime_slot_t table[SLOTS];

static unsigned
hash(const char *s)
{
    unsigned h = 2166136261u;

    for (; *s; s++) {
        h ^= (unsigned char) tolower((unsigned char) *s);
        h *= 16777619u;
    }
    return h;
}

static void
add(const char *ext, const char *type)
{
    unsigned h = hash(ext) & (SLOTS - 1), n;

    for (n = 0; n < SLOTS; n++, h = (h + 1) & (SLOTS - 1)) {
        if (table[h].ext == NULL) {
            table[h].ext = strdup(ext);
            table[h].type = strdup(type);
            return;
        }
        if (strcasecmp(table[h].ext, ext) == 0)
            return;                     /* the first mention wins */
    }
}

void
weft_mime_load(const char *path)
{
    static const char *const builtin[][2] = {
        { "html", "text/html" }, { "htm", "text/html" }, { "css", "text/css" },
        { "js", "text/javascript" }, { "json", "application/json" },
        { "txt", "text/plain" }, { "xml", "application/xml" }, { "svg", "image/svg+xml" },
        { "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
        { "gif", "image/gif" }, { "webp", "image/webp" }, { "ico", "image/vnd.microsoft.icon" },
        { "woff", "font/woff" }, { "woff2", "font/woff2" }, { "pdf", "application/pdf" },
        { "wasm", "application/wasm" }, { "mp4", "video/mp4" },
    };
    char   line[1024];
    FILE  *f = fopen(path, "r");
    size_t i;

    if (f != NULL) {
        while (fgets(line, sizeof(line), f) != NULL) {
            char *save = NULL, *type, *ext;

            if (line[0] == '#')
                continue;
            type = strtok_r(line, " \t\r\n", &save);
            if (type == NULL || strchr(type, '/') == NULL)
                continue;
            while ((ext = strtok_r(NULL, " \t\r\n", &save)) != NULL)
                add(ext, type);
        }
        fclose(f);
    }
    for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        add(builtin[i][0], builtin[i][1]);
}

const char *
weft_mime_type(const char *filename)
{
    const char *dot = strrchr(filename, '.'), *slash = strrchr(filename, '/');
    unsigned    h, n;

    if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0')
        return "application/octet-stream";
    h = hash(dot + 1) & (SLOTS - 1);
    for (n = 0; n < SLOTS && table[h].ext != NULL; n++, h = (h + 1) & (SLOTS - 1))
        if (strcasecmp(table[h].ext, dot + 1) == 0)
            return table[h].type;
    return "application/octet-stream";
}
