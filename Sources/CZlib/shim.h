#ifndef SWIFTCNN_CZLIB_SHIM_H
#define SWIFTCNN_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 and deflateInit2 are macros (they pass the library version and struct size), which
// Swift cannot import, so these wrappers make them callable. Window bits 16 + MAX_WBITS select the
// gzip wrapper (header and CRC-32 trailer) instead of zlib's own.
static inline int swiftcnn_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}

static inline int swiftcnn_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}

#endif
