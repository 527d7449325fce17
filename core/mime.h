/*
 * core/mime.h - Content-Type by file extension, from /etc/mime.types.
 */
#ifndef WEFT_CORE_MIME_H
#define WEFT_CORE_MIME_H

/* Load the table (once, before fork); a missing file leaves a small
 * built-in table. */
void weft_mime_load(const char *path);

/* The type for a file name ("application/octet-stream" when unknown). */
const char *weft_mime_type(const char *filename);

#endif
