#include "JPEGCodec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager, extended with the place to jump back to and the message of the failure.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    swiftcnn_jpeg_status status;
    char message[JMSG_LENGTH_MAX];
} trapping_error_manager;

static void trap_error(j_common_ptr info) {
    trapping_error_manager *errors = (trapping_error_manager *)info->err;
    (*info->err->format_message)(info, errors->message);
    errors->status = info->err->msg_code == JERR_EMPTY_IMAGE ? SWIFTCNN_JPEG_EMPTY : SWIFTCNN_JPEG_FAILED;
    longjmp(errors->jump, 1);
}

/// Warnings (level -1) about damaged entropy data are tolerated, as browsers do, but running out of data
/// is a truncated file: libjpeg would pad it with grey and carry on.
static void trap_message(j_common_ptr info, int level) {
    trapping_error_manager *errors = (trapping_error_manager *)info->err;
    if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) {
        (*info->err->format_message)(info, errors->message);
        errors->status = SWIFTCNN_JPEG_TRUNCATED;
        longjmp(errors->jump, 1);
    }
}

static void install(trapping_error_manager *errors) {
    jpeg_std_error(&errors->base);
    errors->base.error_exit = trap_error;
    errors->base.emit_message = trap_message;
    errors->status = SWIFTCNN_JPEG_OK;
    errors->message[0] = '\0';
}

struct swiftcnn_jpeg_decoder {
    struct jpeg_decompress_struct info;
    trapping_error_manager errors;
};

swiftcnn_jpeg_decoder *swiftcnn_jpeg_decoder_create(const uint8_t *data, size_t size) {
    swiftcnn_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    install(&decoder->errors);
    decoder->info.err = &decoder->errors.base;
    if (setjmp(decoder->errors.jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    jpeg_mem_src(&decoder->info, data, (unsigned long)size);
    return decoder;
}

void swiftcnn_jpeg_decoder_destroy(swiftcnn_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}

swiftcnn_jpeg_status swiftcnn_jpeg_read_header(swiftcnn_jpeg_decoder *decoder,
                                               int *width, int *height, int *channels) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->errors.jump)) {
        *width = (int)info->image_width;
        *height = (int)info->image_height;
        return decoder->errors.status;
    }
    jpeg_read_header(info, TRUE);
    *width = (int)info->image_width;
    *height = (int)info->image_height;
    switch (info->jpeg_color_space) {
    case JCS_GRAYSCALE:
        info->out_color_space = JCS_GRAYSCALE;
        *channels = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        snprintf(decoder->errors.message, JMSG_LENGTH_MAX, "CMYK JPEG images are not supported");
        return SWIFTCNN_JPEG_FAILED;
    default:
        info->out_color_space = JCS_RGB;
        *channels = 3;
    }
    return SWIFTCNN_JPEG_OK;
}

swiftcnn_jpeg_status swiftcnn_jpeg_decode(swiftcnn_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->errors.jump)) {
        return decoder->errors.status;
    }
    jpeg_start_decompress(info);
    size_t stride = (size_t)info->output_width * (size_t)info->output_components;
    if (stride * info->output_height > capacity) {
        snprintf(decoder->errors.message, JMSG_LENGTH_MAX, "the decoded image does not fit its buffer");
        return SWIFTCNN_JPEG_FAILED;
    }
    while (info->output_scanline < info->output_height) {
        JSAMPROW row = pixels + stride * info->output_scanline;
        jpeg_read_scanlines(info, &row, 1);
    }
    jpeg_finish_decompress(info);
    return SWIFTCNN_JPEG_OK;
}

const char *swiftcnn_jpeg_decoder_message(const swiftcnn_jpeg_decoder *decoder) {
    return decoder->errors.message;
}

swiftcnn_jpeg_status swiftcnn_jpeg_encode(const uint8_t *pixels, int width, int height, int channels,
                                          int quality, uint8_t **output, size_t *output_size, char *message) {
    struct jpeg_compress_struct info;
    trapping_error_manager errors;
    install(&errors);
    info.err = &errors.base;
    // Volatile: these change between setjmp and a possible longjmp, and the jump must see their new values.
    unsigned char *volatile buffer = NULL;
    unsigned long volatile size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        strncpy(message, errors.message, JMSG_LENGTH_MAX);
        return SWIFTCNN_JPEG_FAILED;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, (unsigned long *)&size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *output = buffer;
    *output_size = size;
    return SWIFTCNN_JPEG_OK;
}

void swiftcnn_jpeg_free(uint8_t *buffer) {
    free(buffer);
}
