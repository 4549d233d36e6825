#ifndef SWIFTCNN_BENCHMARKS_CMALLOC_H
#define SWIFTCNN_BENCHMARKS_CMALLOC_H

#include <malloc.h>

#endif
