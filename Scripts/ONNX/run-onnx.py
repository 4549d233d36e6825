#!/usr/bin/env python3
"""Checks an ONNX file with the ONNX checker and runs it in ONNX Runtime, for SwiftCNN's export tests.

    python run-onnx.py MODEL.onnx INPUTS.f32 N,H,W,C OUTPUTS.f32

INPUTS.f32 holds little-endian float32 samples in SwiftCNN's layout (images [N, H, W, C], channels-last);
images are moved to [N, C, H, W], as the exported graph takes them. The model's first output is written to
OUTPUTS.f32 (float32, little-endian). Prints the model's metadata as JSON: producer, IR version, opsets,
the input and output shapes, the operators used.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    model_path, inputs_path, shape, outputs_path = sys.argv[1:5]
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    inputs = np.fromfile(inputs_path, dtype="<f4").reshape([int(size) for size in shape.split(",")])
    if inputs.ndim == 4:
        inputs = inputs.transpose(0, 3, 1, 2)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(inputs, dtype=np.float32)})[0]
    outputs.astype("<f4").tofile(outputs_path)

    def dimensions(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    print(json.dumps({
        "producer_name": model.producer_name, "producer_version": model.producer_version,
        "ir_version": model.ir_version, "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "input": dimensions(model.graph.input[0]), "output": dimensions(model.graph.output[0]),
        "output_shape": list(outputs.shape), "operators": sorted({node.op_type for node in model.graph.node}),
    }))


if __name__ == "__main__":
    main()
