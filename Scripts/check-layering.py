#!/usr/bin/env python3
"""Fails when a file of Sources/SwiftCNN names a type declared in a folder it may not depend on.

The house of layers (Documentation/Architecture.md), lowest first: BLAS → Tensor → Kernels →
Layers, Losses, Optimizers → Model → Persistence (model files, checkpoints, weight import) → ONNX
(export and import of ONNX graphs, which converts weights with Persistence's PyTorch layouts).
FileFormats (safetensors, atomic writes) and Data (IDX, gzip, MNIST, datasets) stand beside the
stack: they use BLAS and Tensor only (Data also reads and writes files through FileFormats), and the
levels above may use them. A folder may use its own
types and those of the folders listed for it below; extensions written in a higher folder are that
folder's business. Comments and string literals are ignored.

Usage: Scripts/check-layering.py [SOURCES_DIR]   (default: Sources/SwiftCNN beside this script)
"""
import re
import sys
from pathlib import Path

LOWER = {
    "BLAS": set(),
    "Tensor": {"BLAS"},
    "Kernels": {"BLAS", "Tensor"},
    "FileFormats": {"BLAS", "Tensor"},
    "Data": {"BLAS", "Tensor", "FileFormats"},
    "Layers": {"BLAS", "Tensor", "Kernels", "Losses", "Optimizers"},
    "Losses": {"BLAS", "Tensor", "Kernels", "Layers", "Optimizers"},
    "Optimizers": {"BLAS", "Tensor", "Kernels", "Layers", "Losses"},
    "Model": {"BLAS", "Tensor", "Kernels", "Layers", "Losses", "Optimizers", "Data"},
    "Persistence": {"BLAS", "Tensor", "Kernels", "Layers", "Losses", "Optimizers", "Data", "Model", "FileFormats"},
    "ONNX": {"BLAS", "Tensor", "Kernels", "Layers", "Losses", "Optimizers", "Data", "Model", "FileFormats", "Persistence"},
}

DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|private|fileprivate|open|final|indirect)\s+)*"
    r"(?:class|struct|enum|protocol|typealias|actor)\s+([A-Z]\w*)", re.M)
IDENTIFIER = re.compile(r"\b[A-Z]\w*\b")


def strip(source):
    """The source without comments and string literals (multi-line strings included)."""
    source = re.sub(r'"""[\s\S]*?"""', '""', source)
    source = re.sub(r"/\*[\s\S]*?\*/", " ", source)
    source = re.sub(r"//[^\n]*", "", source)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', source)


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "Sources" / "SwiftCNN"
    files = sorted(root.rglob("*.swift"))
    unknown = sorted({f.relative_to(root).parts[0] for f in files} - LOWER.keys())
    if unknown:
        print(f"check-layering: folders without a level: {', '.join(unknown)} (add them to LOWER)")
        return 1
    sources = {f: strip(f.read_text()) for f in files}
    home = {}
    for path, text in sources.items():
        for name in DECLARATION.findall(text):
            home.setdefault(name, path.relative_to(root).parts[0])
    problems = []
    for path, text in sources.items():
        folder = path.relative_to(root).parts[0]
        allowed = LOWER[folder] | {folder}
        for number, line in enumerate(text.splitlines(), 1):
            for name in IDENTIFIER.findall(line):
                owner = home.get(name)
                if owner and owner not in allowed:
                    problems.append(f"{path.relative_to(root)}:{number}: {folder}/ names {name}, declared in {owner}/")
    for problem in problems:
        print(problem)
    print(f"check-layering: {len(files)} files, {len(problems)} upward dependencies")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
