/*
 * core/health.c - --health PATH: a readiness answer from the core itself,
 * for a load balancer or Kubernetes' readinessProbe.  A GET or HEAD of PATH
 * never reaches the app or the routes: 200 "ok" while the worker takes
 * work, 503 "draining" (and the connection closed) once it is stopping for
 * a shutdown or a reload, so the balancer stops sending before the worker
 * goes.  Without --health nothing is looked at.
 */
#include "config.h"

#include <string.h>

#include <weft/status.h>
#include "conf.h"
#include "conn.h"
#include "health.h"
#include "http_rules.h"
#include "request.h"
#include "worker.h"

int
weft_health_route(weft_req_t *r)
{
    const char       *path = weft_conf.health_path;
    const weft_str_t *m = &r->pub.method;
    size_t            n = strlen(path);

    if (r->full_path.len != n || memcmp(r->full_path.data, path, n) != 0)
        return WEFT_DECLINED;
    if (!((m->len == 3 && memcmp(m->data, "GET", 3) == 0)
          || (m->len == 4 && memcmp(m->data, "HEAD", 4) == 0)))
        return WEFT_DECLINED;
    return WEFT_OK;
}

static int
health_request(weft_request_t *pub)
{
    weft_req_t *r = weft_req(pub);
    int         draining = weft_worker_stopping;
    const char *line = draining ? "503 Service Unavailable" : "200 OK";
    const char *body = draining ? "draining\n" : "ok\n";

    if (draining)
        r->conn->keepalive = 0;
    weft_resp_set_status(pub, line, strlen(line));
    weft_resp_add_header(pub, "Content-Type", 12, "text/plain", 10);
    weft_resp_add_header(pub, "Cache-Control", 13, "no-store", 8);
    weft_resp_set_content_length(pub, strlen(body));
    return weft_resp_write(pub, body, strlen(body));
}

const weft_language_t weft_health_language = {
    .size = sizeof(weft_language_t),
    .name = "health",
    .modifier1 = -1,
    .request = health_request,
};
