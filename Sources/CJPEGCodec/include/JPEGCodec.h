#ifndef SWIFTCNN_JPEG_CODEC_H
#define SWIFTCNN_JPEG_CODEC_H

// libjpeg reports a fatal error by calling error_exit, which by default prints and calls exit(). These
// functions install an error manager that longjmps back into them instead, so that every libjpeg error
// returns here as a status with libjpeg's message, and Swift can throw it. No longjmp crosses a Swift frame.

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SWIFTCNN_JPEG_OK = 0,
    /// libjpeg refused the data or failed; the message says why.
    SWIFTCNN_JPEG_FAILED = 1,
    /// The data ends before the image does.
    SWIFTCNN_JPEG_TRUNCATED = 2,
    /// The frame header declares a width or height of zero (the dimensions are still reported).
    SWIFTCNN_JPEG_EMPTY = 3,
} swiftcnn_jpeg_status;

/// One decoding: read the header, check the dimensions, then decode.
typedef struct swiftcnn_jpeg_decoder swiftcnn_jpeg_decoder;

/// A decoder of `size` bytes at `data`, which must stay valid and unchanged until it is destroyed; NULL
/// when memory runs out.
swiftcnn_jpeg_decoder *swiftcnn_jpeg_decoder_create(const uint8_t *data, size_t size);
void swiftcnn_jpeg_decoder_destroy(swiftcnn_jpeg_decoder *decoder);

/// Reads the markers up to the first scan and reports the image's size and the channels decoding will
/// give (1 for greyscale files, 3 for colour ones), without allocating the image.
swiftcnn_jpeg_status swiftcnn_jpeg_read_header(swiftcnn_jpeg_decoder *decoder,
                                               int *width, int *height, int *channels);

/// Decodes the image into `pixels`, `width * height * channels` bytes, rows from the top, channels
/// interleaved. Call after a successful swiftcnn_jpeg_read_header.
swiftcnn_jpeg_status swiftcnn_jpeg_decode(swiftcnn_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity);

/// libjpeg's message for the last failure, or an empty string.
const char *swiftcnn_jpeg_decoder_message(const swiftcnn_jpeg_decoder *decoder);

/// Encodes 8-bit samples (`channels` 1 for grey or 3 for RGB) at `quality` 1...100 (baseline, 4:2:0
/// chroma subsampling for colour). On success `*output` holds `*output_size` bytes to release with
/// swiftcnn_jpeg_free; on failure `message` (at least 200 bytes) says why.
swiftcnn_jpeg_status swiftcnn_jpeg_encode(const uint8_t *pixels, int width, int height, int channels,
                                          int quality, uint8_t **output, size_t *output_size, char *message);

void swiftcnn_jpeg_free(uint8_t *buffer);

#endif
