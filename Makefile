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

# mnist-serve is a package of its own (Examples/mnist-serve), so that library users never build Hummingbird.
SERVE_DIR := Examples/mnist-serve
MODEL ?= mnist-model.safetensors

.PHONY: help dependencies build demo test docs check-layering clean bench bench-ci bench-epoch bench-peers bench-gemm bench-conv bench-onednn bench-peaks \
	fuzz fuzz-build serve serve-build test-browser bench-serve

help:
	@echo "make demo   train the reference CNN on MNIST (5 epochs) and report its test accuracy"
	@echo "make test   run the test suite"
	@echo "make docs   build the DocC documentation (warnings are errors)"
	@echo "make check-layering   check that no folder of the library depends on one above it"
	@echo "make serve   serve the model (trained first if $(MODEL) is missing) with a page to draw digits on"
	@echo "make test-browser   draw ten digits on the page in headless Chromium and check the predictions"
	@echo "make bench-serve   requests/s and latency of POST /predict with wrk, on 1 and 2 server threads"
	@echo "make bench   run the benchmark suites (Benchmarks/README.md); bench-ci runs them briefly"
	@echo "make bench-epoch   time training epochs of the reference CNN on MNIST, on 1 and 2 threads"
	@echo "make bench-peers   the same job in Keras, PyTorch and ONNX Runtime, with ratios, and the time-to-99% race"
	@echo "make bench-gemm   Tensor.matmul against cblas_sgemm called from C"
	@echo "make bench-conv   each convolution of the benchmark networks against SGEMM, on 1 and 2 threads"
	@echo "make bench-onednn   the same convolutions in oneDNN (FP32 and BF16), installing libdnnl-dev"
	@echo "make bench-peaks   the FP32 FMA and BF16 dot-product rates this CPU's instructions reach"
	@echo "make fuzz   run each libFuzzer harness in Fuzz/ for FUZZ_SECONDS seconds (default 300)"

dependencies:
	@Scripts/install-dependencies.sh

build: dependencies
	$(SWIFT) build -c release

demo: build
	$(MEASURE) .build/release/mnist-train $(ARGS)

# Optimised, as users run the library: unoptimised, the real-MNIST training test alone takes minutes.
# -enable-testing keeps @testable imports working, so internal kernels are checked against their
# references. The tests also read Fashion-MNIST, which Debian packages.
# Then mnist-serve's HTTP tests, which start the real server; built without -enable-testing (they import
# nothing @testable), so that serve-build reuses the same build instead of compiling it all again.
# The ONNX tests check exports with onnx's checker and ONNX Runtime and export PyTorch networks, in a
# pinned virtual env (Scripts/ONNX/setup-venv.sh, installed once) whose python they are given.
# The tests run on a `swift build` of the package, and the other checking targets (test-browser, fuzz)
# build the mnist-train they need with the same command and flags, so that after `make test` they
# compile nothing of the root package again.
TEST_BUILD := -c release -Xswiftc -enable-testing
test:
	@WITH_FASHION_MNIST=1 WITH_ONNX=1 Scripts/install-dependencies.sh
	@Scripts/ONNX/setup-venv.sh > /dev/null
	$(SWIFT) build $(TEST_BUILD) --build-tests
	SWIFTCNN_ONNX_PYTHON="$(CURDIR)/Scripts/ONNX/.venv/bin/python" $(SWIFT) test $(TEST_BUILD) --skip-build
	$(SWIFT) test -c release --disable-testable-imports --package-path $(SERVE_DIR)

# `make serve ARGS="--port 0 --host 0.0.0.0"` passes options on (mnist-serve --help lists them).
serve: build serve-build
	@[ -f "$(MODEL)" ] || $(MEASURE) .build/release/mnist-train --save "$(MODEL)"
	$(SERVE_DIR)/.build/release/mnist-serve --model "$(MODEL)" $(ARGS)

serve-build: dependencies
	$(SWIFT) build -c release --package-path $(SERVE_DIR)

test-browser: serve-build
	$(SWIFT) build $(TEST_BUILD) --product mnist-train
	MNIST_TRAIN="$(CURDIR)/.build/release/mnist-train" $(SERVE_DIR)/Scripts/browser-test.sh $(ARGS)

bench-serve: serve-build
	$(MEASURE) $(SERVE_DIR)/Scripts/load-test.sh $(ARGS)

# Warnings are errors: a missing parameter doc or a broken symbol link fails the build (CI runs this).
docs: dependencies
	$(SWIFT) package generate-documentation --target SwiftCNN --target SwiftCNNVision --target SwiftCNNDistributed \
		--warnings-as-errors

# Fails when a folder of Sources/SwiftCNN names a type of a folder above it (Documentation/Architecture.md).
check-layering:
	python3 Scripts/check-layering.py

# The benchmarks are a package of their own in Benchmarks/ (see Benchmarks/README.md).
BENCH_EPOCH_ARGS ?= --epochs 1 --threads 1 --threads 2

bench: dependencies
	cd Benchmarks && $(MEASURE) $(SWIFT) package benchmark $(ARGS)

# A few iterations of each benchmark: keeps them building and running in CI. Then the Model suite in
# full, failing when a warmed-up training step or predict call allocates (p90 of the allocation count
# above the zero in Benchmarks/Thresholds), and a short run of instruction-peaks.
bench-ci: dependencies
	cd Benchmarks && BENCHMARK_SHORT=1 $(MEASURE) $(SWIFT) package benchmark --no-progress $(ARGS)
	cd Benchmarks && $(MEASURE) $(SWIFT) package benchmark thresholds check --target Model --no-progress
	$(SWIFT) build -c release --package-path Benchmarks --product instruction-peaks
	Benchmarks/.build/release/instruction-peaks --iterations 100000 --repetitions 1

bench-epoch: dependencies
	$(SWIFT) build -c release --package-path Benchmarks --product epoch-benchmark
	$(MEASURE) Benchmarks/.build/release/epoch-benchmark $(BENCH_EPOCH_ARGS)

bench-peers: dependencies
	$(MEASURE) Benchmarks/Scripts/bench-peers.sh

bench-gemm: dependencies
	Benchmarks/Scripts/gemm-vs-c.sh

# Every distinct convolution of the benchmark networks, forward and backward, against SGEMM on a 1024³
# product and on its own im2col products; `BENCH_CONV_ARGS="--results conv.jsonl"` keeps the records.
BENCH_CONV_ARGS ?=

bench-conv: dependencies
	$(SWIFT) build -c release --package-path Benchmarks --product conv-efficiency
	$(MEASURE) Benchmarks/.build/release/conv-efficiency $(BENCH_CONV_ARGS)

# The same convolutions in SwiftCNN and in Debian's oneDNN (FP32 and BF16), one table per thread count.
# OpenMP's threads sleep when idle, so that they do not spin beside SwiftCNN's.
bench-onednn: dependencies
	@WITH_ONEDNN=1 Scripts/install-dependencies.sh
	$(SWIFT) build -c release --package-path Benchmarks --product onednn-comparison
	OMP_WAIT_POLICY=passive $(MEASURE) Benchmarks/.build/release/onednn-comparison

bench-peaks: dependencies
	$(SWIFT) build -c release --package-path Benchmarks --product instruction-peaks
	$(MEASURE) Benchmarks/.build/release/instruction-peaks

# The libFuzzer harnesses (Fuzz/README.md), built with the fuzzer and address sanitizers. Each runs for
# FUZZ_SECONDS on a corpus seeded by Fuzz/Scripts/make-seeds.py (the model seeds are files mnist-train
# saves, so it is built first); any crash, sanitizer report, timeout or out-of-memory fails the target, leaving the input
# that caused it in Fuzz/.results/<harness>/. Leak detection is off: the Swift runtime's caches read as leaks.
FUZZ_SECONDS ?= 300
FUZZ_HARNESSES := fuzz-model fuzz-idx fuzz-image fuzz-architecture fuzz-onnx
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing \
	-Xcc -fsanitize=fuzzer-no-link,address

fuzz-build:
	@WITH_FUZZING=1 Scripts/install-dependencies.sh
	$(SWIFT) build $(TEST_BUILD) --product mnist-train
	$(SWIFT) build -c release --package-path Fuzz $(FUZZ_FLAGS)

fuzz: fuzz-build
	rm -rf Fuzz/.corpus && python3 Fuzz/Scripts/make-seeds.py Fuzz/.corpus .build/release/mnist-train
	@for harness in $(FUZZ_HARNESSES); do \
		corpus=Fuzz/.corpus/$${harness#fuzz-}; results=Fuzz/.results/$$harness; \
		mkdir -p $$results/new && echo "== $$harness: $(FUZZ_SECONDS) s" && \
		Fuzz/.build/release/$$harness $$results/new $$corpus -max_total_time=$(FUZZ_SECONDS) \
			-max_len=4194304 -timeout=30 -rss_limit_mb=3072 -detect_leaks=0 -print_final_stats=1 \
			-artifact_prefix=$$results/ > $$results/log 2>&1; status=$$?; \
		grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|SUMMARY" $$results/log; \
		[ $$status -eq 0 ] || { echo "$$harness failed (exit $$status); see $$results/log" >&2; exit 1; }; \
	done

clean:
	rm -rf .build $(SERVE_DIR)/.build
