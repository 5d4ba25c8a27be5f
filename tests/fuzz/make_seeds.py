#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: small valid inputs that reach the
parsers' happy paths (GGUF and safetensors files, HTTP requests, aws-chunked
bodies, SigV4 headers and queries, S3 configuration documents, policies,
Range and conditional headers), for libFuzzer to mutate.

    make_seeds.py OUTDIR      -> OUTDIR/<fuzzer name>/*
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


def http_request_seeds():
    # The first byte is the size of each simulated read (1 + byte % 64).
    sized = (b"PUT /models/llama/model.gguf HTTP/1.1\r\nHost: localhost\r\n"
             b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
             b"GET /models?list-type=2&prefix=a HTTP/1.1\r\nHost: x\r\n\r\n")
    chunked = (b"PUT /b/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n"
               b"5;ext=1\r\nhello\r\n0\r\nTrailer-A: v\r\n\r\n"
               b"HEAD /b HTTP/1.1\r\nConnection: close\r\n\r\n")
    return {"sized.req": b"\x07" + sized, "chunked.req": b"\x3f" + chunked,
            "http10.req": b"\x00GET / HTTP/1.0\r\n\r\n"}


def aws_chunked_seeds():
    # Byte 0: slice size; byte 1: bit 0 signed chunks, bit 1 trailers announced.
    sig = b"chunk-signature=" + b"a" * 64
    signed = b"5;" + sig + b"\r\nhello\r\n0;" + sig + b"\r\n\r\n"
    unsigned_trailer = (b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:sOO8/Q==\r\n"
                        b"x-amz-trailer-signature:" + b"b" * 64 + b"\r\n\r\n")
    return {"signed.body": b"\x10\x01" + signed,
            "unsigned.body": b"\x03\x00" + b"3\r\nabc\r\n0\r\n\r\n",
            "trailer.body": b"\x40\x02" + unsigned_trailer,
            "signed_trailer.body": b"\x7f\x03" + signed[:-2] + unsigned_trailer[14:]}


def sigv4_seeds():
    # Authorization, path, query, headers (CR-separated), payload hash.
    auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "f" * 64)
    headers = "Host:examplebucket.s3.amazonaws.com\rx-amz-date:20130524T000000Z\r" \
              "x-amz-content-sha256:UNSIGNED-PAYLOAD"
    presigned = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1"
                 "%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                 "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "a" * 64)
    return {"header.txt": "\n".join([auth, "/test%20file.txt", "acl&versionId=1", headers,
                                      "UNSIGNED-PAYLOAD"]).encode(),
            "presigned.txt": "\n".join(["", "/b/k", presigned, "Host:x",
                                         "UNSIGNED-PAYLOAD"]).encode()}


def s3_configuration_seeds():
    ns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    lifecycle = ("<LifecycleConfiguration" + ns + "><Rule><ID>r1</ID><Filter><Prefix>logs/"
                 "</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days>"
                 "</Expiration><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays>"
                 "<NewerNoncurrentVersions>2</NewerNoncurrentVersions>"
                 "</NoncurrentVersionExpiration><AbortIncompleteMultipartUpload>"
                 "<DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
                 "</Rule><Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration>"
                 "<Date>2030-01-01T00:00:00Z</Date></Expiration></Rule><Rule><Filter/>"
                 "<Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true"
                 "</ExpiredObjectDeleteMarker></Expiration></Rule></LifecycleConfiguration>")
    versioning = ("<VersioningConfiguration" + ns + "><Status>Enabled</Status>"
                  "<MfaDelete>Disabled</MfaDelete></VersioningConfiguration>")
    return {"lifecycle.xml": lifecycle.encode(), "versioning.xml": versioning.encode()}


def policy_seeds():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/*"],
         "Condition": {"StringLike": {"s3:prefix": ["llama-*", "m?st"]}}},
        {"Effect": "Deny", "Action": "s3:Put*", "Resource": "*",
         "Condition": {"StringEquals": {"s3:prefix": ""}}},
        {"Effect": "Allow", "Action": "moss:*", "Resource": "arn:aws:s3:::*"}]}
    return {"policy.json": json.dumps(policy).encode()}


def range_conditional_seeds():
    # Object size, Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.
    return {"range.txt": b"1000\nbytes=0-99\n\n\n\n",
            "suffix.txt": b"0\nbytes=-5\n*\n\"abc\", W/\"def\"\n"
                          b"Sat, 01 Jan 2000 00:00:00 GMT\nSun, 06 Nov 1994 08:49:37 GMT"}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for kind, seeds in (("gguf", gguf_seeds()), ("safetensors", safetensors_seeds()),
                        ("http_request", http_request_seeds()),
                        ("aws_chunked", aws_chunked_seeds()), ("sigv4", sigv4_seeds()),
                        ("s3_configuration", s3_configuration_seeds()),
                        ("policy", policy_seeds()),
                        ("range_conditional", range_conditional_seeds())):
        directory = os.path.join(sys.argv[1], kind)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
