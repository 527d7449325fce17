/*
 * weft/weft.h - everything a weft plugin needs, in one include.
 *
 * The SDK is self-contained: it includes only the C library's headers and
 * its own, and defines nothing that depends on how weft was configured.
 */
#ifndef WEFT_WEFT_H
#define WEFT_WEFT_H

#include <weft/version.h>
#include <weft/status.h>
#include <weft/option.h>
#include <weft/request.h>
#include <weft/language.h>
#include <weft/engine.h>
#include <weft/api.h>
#include <weft/plugin.h>

#endif /* WEFT_WEFT_H */
