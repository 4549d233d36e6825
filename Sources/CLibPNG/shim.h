#ifndef SWIFTCNN_CLIBPNG_SHIM_H
#define SWIFTCNN_CLIBPNG_SHIM_H

#include <png.h>

// The PNG_FORMAT_* names are macros built from other macros with `|`, which Swift does not import;
// these constants give the Swift side the formats the codec asks libpng's simplified API for.
static const png_uint_32 swiftcnn_png_format_gray = PNG_FORMAT_GRAY;
static const png_uint_32 swiftcnn_png_format_gray_alpha = PNG_FORMAT_GA;
static const png_uint_32 swiftcnn_png_format_rgb = PNG_FORMAT_RGB;
static const png_uint_32 swiftcnn_png_format_rgba = PNG_FORMAT_RGBA;

#endif
