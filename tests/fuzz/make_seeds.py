#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: small valid GGUF and safetensors files
that reach every branch of the parsers' happy paths, for libFuzzer to mutate.

    make_seeds.py OUTDIR      -> OUTDIR/gguf/*, OUTDIR/safetensors/*
"""

import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import make_tiny_gguf as g  # noqa: E402


def gguf_seeds():
    seeds = {"empty_v3.gguf": g.GgufWriter().to_bytes(),
             "empty_v2.gguf": g.GgufWriter(version=2).to_bytes()}

    w = g.GgufWriter()
    w.add("general.architecture", g.STRING, "llama")
    w.add("general.name", g.STRING, "seed")
    w.add("general.file_type", g.UINT32, 17)
    w.add("llama.context_length", g.UINT32, 64)
    w.add("llama.block_count", g.UINT32, 1)
    w.add("llama.embedding_length", g.UINT32, 4)
    w.add("llama.attention.layer_norm_rms_epsilon", g.FLOAT32, 1e-5)
    w.add("tokenizer.ggml.model", g.STRING, "llama")
    w.add_array("tokenizer.ggml.tokens", g.STRING, ["<unk>", "<s>", "</s>", "a"])
    w.add_array("tokenizer.ggml.scores", g.FLOAT32, [0.0, 0.0, 0.0, -1.0])
    w.add_f32_tensor("token_embd.weight", [4, 4], [0.5] * 16)
    w.add_f32_tensor("output_norm.weight", [4], [1.0] * 4)
    w.add_tensor("blk.0.attn_q.weight", [32, 1], 2, bytes(18))  # Q4_0
    seeds["llama_header.gguf"] = w.to_bytes()

    w = g.GgufWriter(alignment=64, version=2)
    w.add("general.alignment", g.UINT32, 64)
    for value_type, value in [(g.UINT8, 1), (g.INT8, -1), (g.UINT16, 2), (g.INT16, -2),
                              (g.UINT32, 3), (g.INT32, -3), (g.FLOAT32, 0.5), (g.BOOL, True),
                              (g.STRING, "s"), (g.UINT64, 4), (g.INT64, -4), (g.FLOAT64, 0.25)]:
        w.add(f"scalar.{value_type}", value_type, value)
        w.add_array(f"array.{value_type}", value_type, [value, value])
    w.add_array("array.nested", g.ARRAY, [(g.UINT8, [1, 2]), (g.STRING, ["x"])])
    w.add_tensor("unknown_type", [2], 99, b"")
    w.add_f32_tensor("scalar", [], [1.0])
    seeds["every_type_v2.gguf"] = w.to_bytes()
    return seeds


def safetensors_file(header, data_bytes):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + bytes(data_bytes)


def safetensors_seeds():
    return {
        "two_tensors.safetensors": safetensors_file({
            "__metadata__": {"format": "pt"},
            "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
            "b": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]},
        }, 32),
        "odd_dtypes.safetensors": safetensors_file({
            "f4": {"dtype": "F4", "shape": [4], "data_offsets": [0, 2], "extra": [1, {"x": None}]},
            "scalar": {"dtype": "I64", "shape": [], "data_offsets": [2, 10]},
            "empty": {"dtype": "F8_E4M3", "shape": [0], "data_offsets": [10, 10]},
        }, 10),
        "metadata_only.safetensors": safetensors_file({"__metadata__": {"a": "b", "c": "d"}}, 0),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for kind, seeds in (("gguf", gguf_seeds()), ("safetensors", safetensors_seeds())):
        directory = os.path.join(sys.argv[1], kind)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
