#ifndef SWIFTCNN_CCAIRO_SHIM_H
#define SWIFTCNN_CCAIRO_SHIM_H

#include <cairo.h>

#endif
