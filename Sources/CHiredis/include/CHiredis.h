#ifndef CHIREDIS_H
#define CHIREDIS_H

// hiredis's blocking client, for the Redis pub/sub refresh trigger.
#include <hiredis/hiredis.h>
#include <sys/time.h>

/// Connects with a connect timeout in milliseconds; NULL only when out of memory (check ->err otherwise).
static inline redisContext *chiredis_connect(const char *host, int port, long timeout_ms) {
    struct timeval timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisConnectWithTimeout(host, port, timeout);
}

/// Sets the read/write timeout in milliseconds; a blocking read then returns REDIS_ERR with REDIS_ERR_IO / EAGAIN.
static inline int chiredis_set_timeout(redisContext *context, long timeout_ms) {
    struct timeval timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisSetTimeout(context, timeout);
}

static inline int chiredis_error(const redisContext *context) { return context->err; }
static inline int chiredis_fd(const redisContext *context) { return context->fd; }
static inline const char *chiredis_error_text(const redisContext *context) { return context->errstr; }
/// Bytes read from the server and not yet parsed into replies (a reply still arriving grows this).
static inline size_t chiredis_buffered_bytes(const redisContext *context) {
    return context->reader ? context->reader->len - context->reader->pos : 0;
}

#endif
