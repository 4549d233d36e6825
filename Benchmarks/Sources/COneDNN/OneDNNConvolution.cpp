// x: [N,H,W,C] (nhwc); kernel: oneDNN's preferred layout (format_tag::any); y: [N,Ho,Wo,F] (nhwc).
#include "OneDNNConvolution.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

// libgomp's; oneDNN (Debian's build) runs on OpenMP.
extern "C" void omp_set_num_threads(int);

using namespace dnnl;

namespace {

void copy(const char *text, char *out, size_t capacity) {
    if (capacity == 0) return;
    std::snprintf(out, capacity, "%s", text);
}

// Fills a memory object with small values of its type, so that no pass sees zeros or subnormals.
void fill(const memory &m) {
    const memory::desc desc = m.get_desc();
    const size_t bytes = desc.get_size();
    void *data = m.get_data_handle();
    if (desc.data_type() == memory::data_type::bf16) {
        auto *values = static_cast<unsigned short *>(data);
        for (size_t i = 0; i < bytes / 2; i++) values[i] = 0x3c00 + static_cast<unsigned short>(i % 97);
    } else {
        auto *values = static_cast<float *>(data);
        for (size_t i = 0; i < bytes / 4; i++) values[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
    }
}

memory make(const memory::desc &desc, const engine &eng) {
    memory m(desc, eng);
    fill(m);
    return m;
}

}  // namespace

extern "C" double onednn_convolution_seconds(const OneDNNConvolutionShape *s, OneDNNPass pass, int bf16, int threads,
                                             int warmup, int repetitions, char *implementation, size_t capacity) {
    try {
        omp_set_num_threads(threads);
        engine eng(engine::kind::cpu, 0);
        stream str(eng);
        const auto data = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
        const auto f32 = memory::data_type::f32;
        const memory::dims source = {s->batch, s->channels, s->height, s->width};
        const memory::dims kernel = {s->filters, s->channels, s->kernelHeight, s->kernelWidth};
        const memory::dims bias = {s->filters};
        const memory::dims destination = {s->batch, s->filters, s->outputHeight, s->outputWidth};
        const memory::dims strides = {s->strideHeight, s->strideWidth};
        const memory::dims left = {s->padTop, s->padLeft}, right = {s->padBottom, s->padRight};
        const memory::desc sourceDesc(source, data, memory::format_tag::nhwc);
        const memory::desc kernelDesc(kernel, data, memory::format_tag::any);
        const memory::desc biasDesc = s->hasBias ? memory::desc(bias, f32, memory::format_tag::a) : memory::desc();
        const memory::desc destinationDesc(destination, data, memory::format_tag::nhwc);

        post_ops operations;
        if (s->relu) operations.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
        primitive_attr attributes;
        attributes.set_post_ops(operations);
        const convolution_forward::primitive_desc forward(
            convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, sourceDesc,
                                      kernelDesc, biasDesc, destinationDesc, strides, left, right),
            attributes, eng);

        primitive work;
        std::unordered_map<int, memory> arguments;
        switch (pass) {
        case OneDNNForward:
            work = convolution_forward(forward);
            arguments = {{DNNL_ARG_SRC, make(forward.src_desc(), eng)},
                         {DNNL_ARG_WEIGHTS, make(forward.weights_desc(), eng)},
                         {DNNL_ARG_DST, make(forward.dst_desc(), eng)}};
            if (s->hasBias) arguments[DNNL_ARG_BIAS] = make(forward.bias_desc(), eng);
            copy(forward.impl_info_str(), implementation, capacity);
            break;
        case OneDNNBackwardData: {
            const convolution_backward_data::primitive_desc backward(
                convolution_backward_data::desc(algorithm::convolution_direct, sourceDesc, kernelDesc, destinationDesc,
                                                strides, left, right),
                eng, forward);
            work = convolution_backward_data(backward);
            arguments = {{DNNL_ARG_DIFF_DST, make(backward.diff_dst_desc(), eng)},
                         {DNNL_ARG_WEIGHTS, make(backward.weights_desc(), eng)},
                         {DNNL_ARG_DIFF_SRC, make(backward.diff_src_desc(), eng)}};
            copy(backward.impl_info_str(), implementation, capacity);
            break;
        }
        case OneDNNBackwardWeights: {
            const memory::desc kernelGradientDesc(kernel, f32, memory::format_tag::any);
            const convolution_backward_weights::primitive_desc backward(
                convolution_backward_weights::desc(algorithm::convolution_direct, sourceDesc, kernelGradientDesc,
                                                   biasDesc, destinationDesc, strides, left, right),
                eng, forward);
            work = convolution_backward_weights(backward);
            arguments = {{DNNL_ARG_SRC, make(backward.src_desc(), eng)},
                         {DNNL_ARG_DIFF_DST, make(backward.diff_dst_desc(), eng)},
                         {DNNL_ARG_DIFF_WEIGHTS, make(backward.diff_weights_desc(), eng)}};
            if (s->hasBias) arguments[DNNL_ARG_DIFF_BIAS] = make(backward.diff_bias_desc(), eng);
            copy(backward.impl_info_str(), implementation, capacity);
            break;
        }
        default:
            copy("unknown pass", implementation, capacity);
            return -1;
        }

        for (int i = 0; i < warmup; i++) work.execute(str, arguments);
        str.wait();
        std::vector<double> times;
        for (int i = 0; i < repetitions; i++) {
            const auto start = std::chrono::steady_clock::now();
            work.execute(str, arguments);
            str.wait();
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        std::sort(times.begin(), times.end());
        const size_t middle = times.size() / 2;
        return times.size() % 2 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
    } catch (const dnnl::error &error) {
        copy(error.what(), implementation, capacity);
        return -1;
    }
}

extern "C" void onednn_version(char *version, size_t capacity) {
    const dnnl_version_t *v = dnnl_version();
    char text[32];
    std::snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    copy(text, version, capacity);
}
