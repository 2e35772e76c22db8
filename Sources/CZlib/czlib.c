#include "CZlib.h"
#include <zlib.h>
#include <string.h>

size_t czlib_gzip(const void *input, size_t length, void *output, size_t capacity, int level) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    // windowBits 15 + 16 selects the gzip wrapper.
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)length;
    stream.next_out = (Bytef *)output;
    stream.avail_out = (uInt)capacity;
    int status = deflate(&stream, Z_FINISH);
    size_t produced = stream.total_out;
    deflateEnd(&stream);
    return status == Z_STREAM_END ? produced : 0;
}

size_t czlib_gzip_bound(size_t length) {
    // deflateBound for the zlib wrapper plus the larger gzip header and trailer.
    return compressBound((uLong)length) + 32;
}
