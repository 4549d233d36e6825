# SwiftCNN: the quick start and the measuring commands. `make help` lists them.

SWIFT ?= swift
# The real MNIST files: an explicit MNIST_DIR wins, then a `shared/datasets/mnist` folder beside the
# repository (as CI has); otherwise the library downloads MNIST into its per-user cache on first use.
MNIST_DIR ?= $(wildcard $(CURDIR)/../shared/datasets/mnist)
export MNIST_DIR

# The demo and the benchmarks measure SwiftCNN's own choice of BLAS kernels; an OPENBLAS_CORETYPE left
# in the environment would override it (the library honours it), so these targets clear it.
# Run the binaries directly to force other kernels.
MEASURE := env -u OPENBLAS_CORETYPE

.PHONY: help dependencies build demo test docs clean

help:
	@echo "make demo   train the reference CNN on MNIST (5 epochs) and report its test accuracy"
	@echo "make test   run the test suite"
	@echo "make docs   build the DocC documentation"

dependencies:
	@Scripts/install-dependencies.sh

build: dependencies
	$(SWIFT) build -c release

demo: build
	$(MEASURE) .build/release/mnist-train $(ARGS)

# The tests also train on Fashion-MNIST, which Debian packages.
test:
	@WITH_FASHION_MNIST=1 Scripts/install-dependencies.sh
	$(SWIFT) test

docs: dependencies
	$(SWIFT) package generate-documentation --target SwiftCNN

clean:
	rm -rf .build
