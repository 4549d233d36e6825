#ifndef SWIFTCNN_CLIBJPEG_SHIM_H
#define SWIFTCNN_CLIBJPEG_SHIM_H

// jpeglib.h uses FILE and size_t without including the headers that declare them.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>

#endif
