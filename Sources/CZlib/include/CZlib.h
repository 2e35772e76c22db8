#ifndef CZLIB_H
#define CZLIB_H
#include <stddef.h>
#include <stdint.h>

/// Compresses `length` bytes at `input` into gzip framing (RFC 1952) at `output`, which holds `capacity` bytes.
/// Returns the compressed size, or 0 when `output` is too small or zlib fails. `czlib_gzip_bound` gives a capacity
/// that always suffices.
size_t czlib_gzip(const void *input, size_t length, void *output, size_t capacity, int level);

/// A capacity for `czlib_gzip`'s output that is always enough for `length` input bytes.
size_t czlib_gzip_bound(size_t length);

#endif
