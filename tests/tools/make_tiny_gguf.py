#!/usr/bin/env python3
"""Writes a tiny but complete llama-architecture GGUF v3 model.

The model is real in the sense that llama.cpp loads it and generates tokens
with it: it has every llama hyperparameter, a SentencePiece-style ("llama")
vocabulary whose byte tokens <0x00>..<0xFF> make any prompt tokenizable, and
every tensor of the architecture, in F32, aligned to 32 bytes. The weights are
pseudo-random from --seed: the same seed gives identical bytes on any machine
and Python 3 version, a different seed different bytes. The defaults (2 layers
of width 64, 323 tokens) make a file under 0.5 MB.

    make_tiny_gguf.py --seed 1 --out tiny.gguf [--name NAME]

Standard library only; GgufWriter is importable for other test tools.
"""

import argparse
import struct
import sys
from array import array

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

# gguf_type
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
_SCALAR_FORMATS = {
    UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
    FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d",
}
GGML_TYPE_F32 = 0
LLAMA_FTYPE_ALL_F32 = 0

# llama_token_type
TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_BYTE = 1, 2, 3, 6


def _string(s):
    data = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(data)) + data


def _value(value_type, value):
    if value_type == STRING:
        return _string(value)
    if value_type == ARRAY:
        element_type, elements = value
        out = struct.pack("<IQ", element_type, len(elements))
        return out + b"".join(_value(element_type, e) for e in elements)
    return struct.pack(_SCALAR_FORMATS[value_type], value)


class GgufWriter:
    """Collects key/value pairs and tensors, then writes a GGUF file."""

    def __init__(self, alignment=ALIGNMENT, version=GGUF_VERSION):
        self.alignment = alignment
        self.version = version
        self.kv = []  # (key, type, value)
        self.tensors = []  # (name, dims innermost first, ggml type, bytes)

    def add(self, key, value_type, value):
        self.kv.append((key, value_type, value))

    def add_array(self, key, element_type, elements):
        self.add(key, ARRAY, (element_type, list(elements)))

    def add_f32_tensor(self, name, dims, values):
        count = 1
        for d in dims:
            count *= d
        data = array("f", values)
        if len(data) != count:
            raise ValueError(f"{name}: {len(data)} values for dims {dims}")
        if sys.byteorder != "little":
            data.byteswap()
        self.add_tensor(name, dims, GGML_TYPE_F32, data.tobytes())

    def add_tensor(self, name, dims, ggml_type, data):
        """A tensor of any ggml type whose encoded bytes the caller supplies."""
        self.tensors.append((name, list(dims), ggml_type, bytes(data)))

    def _pad(self, n):
        return -n % self.alignment

    def to_bytes(self):
        header = bytearray(GGUF_MAGIC)
        header += struct.pack("<IQQ", self.version, len(self.tensors), len(self.kv))
        for key, value_type, value in self.kv:
            header += _string(key) + struct.pack("<I", value_type) + _value(value_type, value)
        offset = 0
        for name, dims, ggml_type, data in self.tensors:
            header += _string(name) + struct.pack("<I", len(dims))
            header += struct.pack(f"<{len(dims)}Q", *dims)
            header += struct.pack("<IQ", ggml_type, offset)
            offset += len(data) + self._pad(len(data))
        out = bytearray(header) + bytes(self._pad(len(header)))
        for _, _, _, data in self.tensors:
            out += data + bytes(self._pad(len(data)))
        return bytes(out)


class SplitMix64:
    """A tiny PRNG defined by its arithmetic, so streams never change."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def uniform(self, count, scale):
        """`count` floats in [-scale, scale)."""
        step = 2.0 * scale / (1 << 53)
        return [(self.next_u64() >> 11) * step - scale for _ in range(count)]


# A few ordinary pieces after the byte tokens, so the vocabulary is not only bytes.
_PIECES = (
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + ["\u2581" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    + ["\u2581the", "\u2581and", "\u2581of", "\u2581to", "\u2581in", "\u2581is", "\u2581it",
       "\u2581model", "\u2581moss", "\u2581hello", "\u2581world", "."]
)


def vocabulary():
    tokens = ["<unk>", "<s>", "</s>"]
    types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [TOKEN_BYTE] * 256
    tokens += _PIECES
    types += [TOKEN_NORMAL] * len(_PIECES)
    # SentencePiece scores: specials and bytes 0, longer pieces preferred.
    scores = [0.0] * (3 + 256) + [-float(i) / 10.0 for i in range(len(_PIECES))]
    return tokens, scores, types


def tiny_llama(seed, name, n_embd=64, n_layer=2, n_head=4, n_head_kv=2, n_ff=128, n_ctx=256):
    tokens, scores, types = vocabulary()
    n_vocab = len(tokens)
    head_dim = n_embd // n_head
    n_embd_kv = head_dim * n_head_kv

    w = GgufWriter()
    w.add("general.architecture", STRING, "llama")
    w.add("general.name", STRING, name)
    w.add("general.file_type", UINT32, LLAMA_FTYPE_ALL_F32)
    w.add("general.alignment", UINT32, ALIGNMENT)
    w.add("llama.vocab_size", UINT32, n_vocab)
    w.add("llama.context_length", UINT32, n_ctx)
    w.add("llama.embedding_length", UINT32, n_embd)
    w.add("llama.block_count", UINT32, n_layer)
    w.add("llama.feed_forward_length", UINT32, n_ff)
    w.add("llama.attention.head_count", UINT32, n_head)
    w.add("llama.attention.head_count_kv", UINT32, n_head_kv)
    w.add("llama.attention.layer_norm_rms_epsilon", FLOAT32, 1e-5)
    w.add("llama.rope.dimension_count", UINT32, head_dim)
    w.add("llama.rope.freq_base", FLOAT32, 10000.0)
    w.add("tokenizer.ggml.model", STRING, "llama")
    w.add_array("tokenizer.ggml.tokens", STRING, tokens)
    w.add_array("tokenizer.ggml.scores", FLOAT32, scores)
    w.add_array("tokenizer.ggml.token_type", INT32, types)
    w.add("tokenizer.ggml.unknown_token_id", UINT32, 0)
    w.add("tokenizer.ggml.bos_token_id", UINT32, 1)
    w.add("tokenizer.ggml.eos_token_id", UINT32, 2)
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", BOOL, False)

    rng = SplitMix64(seed)

    def matrix(tensor_name, n_in, n_out):
        # ggml dims are innermost first: a [n_out x n_in] matrix is {n_in, n_out}.
        w.add_f32_tensor(tensor_name, [n_in, n_out], rng.uniform(n_in * n_out, n_in ** -0.5))

    def norm(tensor_name):
        w.add_f32_tensor(tensor_name, [n_embd], [1.0] * n_embd)

    matrix("token_embd.weight", n_embd, n_vocab)
    for i in range(n_layer):
        norm(f"blk.{i}.attn_norm.weight")
        matrix(f"blk.{i}.attn_q.weight", n_embd, n_embd)
        matrix(f"blk.{i}.attn_k.weight", n_embd, n_embd_kv)
        matrix(f"blk.{i}.attn_v.weight", n_embd, n_embd_kv)
        matrix(f"blk.{i}.attn_output.weight", n_embd, n_embd)
        norm(f"blk.{i}.ffn_norm.weight")
        matrix(f"blk.{i}.ffn_gate.weight", n_embd, n_ff)
        matrix(f"blk.{i}.ffn_up.weight", n_embd, n_ff)
        matrix(f"blk.{i}.ffn_down.weight", n_ff, n_embd)
    norm("output_norm.weight")
    matrix("output.weight", n_embd, n_vocab)
    return w.to_bytes()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True, help="weights seed (any integer)")
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--name", help="general.name (default tiny-llama-seed<N>)")
    args = parser.parse_args(argv)
    data = tiny_llama(args.seed, args.name or f"tiny-llama-seed{args.seed}")
    with open(args.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
