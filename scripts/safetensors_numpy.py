#!/usr/bin/python3
"""An independent safetensors reader/writer, written from the published format with numpy only
(deliberately not the `safetensors` package), used as the reference the Java reader and writer
are tested against.

Format (https://github.com/huggingface/safetensors, README "Format"):
  8 bytes   N: unsigned little-endian 64-bit header length
  N bytes   UTF-8 JSON object, first byte '{', may be padded at the end with spaces (0x20):
            {"__metadata__": {str: str}, NAME: {"dtype": D, "shape": [..], "data_offsets": [B, E]}}
  rest      byte buffer; [B, E) relative to its start; little-endian, row-major; fully indexed.

Usage:
  /usr/bin/python3 scripts/safetensors_numpy.py write-fixture OUT_DIR
      writes OUT_DIR/reference.safetensors and OUT_DIR/reference.json (the expected values)
  /usr/bin/python3 scripts/safetensors_numpy.py summary FILE
      prints {"__metadata__": {...}, NAME: {"dtype", "shape", "values" (flattened)}} as JSON

Call /usr/bin/python3 explicitly: it is the interpreter with numpy on the build machines.
"""

import json
import os
import struct
import sys

import numpy as np

# safetensors dtype name -> numpy dtype of the stored little-endian elements.
# BF16 has no numpy type: it is kept as its raw uint16 bit pattern and widened by hand.
DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("u1"),
}


def bf16_bits_from_f32(values):
    """float32 -> bfloat16 bit patterns, rounding to nearest, ties to even (finite inputs)."""
    bits = np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    lsb = (bits >> 16) & 1
    rounded = (bits + 0x7FFF + lsb) >> 16
    return rounded.astype("<u2")


def f32_from_bf16_bits(bits):
    """bfloat16 bit patterns -> float32: the 16 bits are the top half of a float32."""
    return (np.asarray(bits, dtype="<u2").astype("<u4") << 16).view("<f4")


def write(path, tensors, metadata=None):
    """tensors: list of (name, dtype_name, ndarray of the stored element type).

    The header lists tensors sorted by name while the data follows the list's order, so a
    reader that assumes header order == data order fails on it.
    """
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, dtype_name, array in tensors:
        stored = np.asarray(array, dtype=DTYPES[dtype_name])  # (ascontiguousarray would make 0-d 1-d)
        raw = stored.tobytes(order="C")
        header[name] = {
            "dtype": dtype_name,
            "shape": [int(d) for d in stored.shape],
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    blob = text.encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for raw in chunks:
            f.write(raw)


def read(path):
    """Returns (metadata dict, {name: (dtype_name, shape, ndarray)}), checking the format rules."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end ({len(data)} bytes)")
    raw_header = data[8:8 + n]
    if raw_header[:1] != b"{":
        raise ValueError(f"{path}: header does not start with '{{'")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path}: duplicate keys in header object {keys}")
        return dict(pairs)

    header = json.loads(raw_header.decode("utf-8").rstrip(" "), object_pairs_hook=no_duplicates)
    buffer = data[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    for k, v in metadata.items():
        if not isinstance(v, str):
            raise ValueError(f"{path}: metadata value of {k!r} is not a string")
    out = {}
    spans = []
    for name, info in header.items():
        dtype_name = info["dtype"]
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
        dt = DTYPES[dtype_name]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not 0 <= begin <= end <= len(buffer) or end - begin != count * dt.itemsize:
            raise ValueError(f"{path}: tensor {name!r} has bad data_offsets {[begin, end]}")
        array = np.frombuffer(buffer[begin:end], dtype=dt).reshape(shape)
        out[name] = (dtype_name, shape, array)
        spans.append((begin, end, name))
    cursor = 0
    for begin, end, name in sorted(spans):
        if begin != cursor:
            raise ValueError(f"{path}: tensor {name!r} starts at {begin}, expected {cursor}")
        cursor = end
    if cursor != len(buffer):
        raise ValueError(f"{path}: {len(buffer) - cursor} trailing bytes belong to no tensor")
    return metadata, out


def values_of(dtype_name, array):
    """Flattened Python values: floats for float types (BF16 widened), ints, bools."""
    flat = np.asarray(array).reshape(-1)
    if dtype_name == "BF16":
        return [float(v) for v in f32_from_bf16_bits(flat)]
    if dtype_name in ("F64", "F32", "F16"):
        return [float(v) for v in flat.astype(np.float64)]
    if dtype_name == "BOOL":
        if np.any(flat > 1):
            raise ValueError("BOOL tensor holds a byte other than 0 or 1")
        return [bool(v) for v in flat]
    return [int(v) for v in flat]


def summary(path):
    metadata, tensors = read(path)
    result = {"__metadata__": metadata}
    for name, (dtype_name, shape, array) in tensors.items():
        result[name] = {"dtype": dtype_name, "shape": shape, "values": values_of(dtype_name, array)}
    return result


def write_fixture(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    f32 = np.array([[-1.5, 0.0, 1.0, 3.1415927],
                    [1e-30, -3.0e38, 0.1, 2.0 ** -20],
                    [7.0, -8.25, 123456.79, -0.0]], dtype=np.float32)
    # 0.1 and 1/3 round in fp16; 65504 is the largest finite fp16; 6e-08 is subnormal.
    f16 = np.array([1.0, -2.5, 0.1, 65504.0, 6e-08, 1.0 / 3.0], dtype=np.float16)
    # bf16 made by bit manipulation: 3.1415927 and 1e-3 round, -65536.5 rounds to -65536.
    bf16_source = np.array([[1.0, -2.0, 3.1415927], [1e-3, -65536.5, 0.33333334]], dtype=np.float32)
    bf16 = bf16_bits_from_f32(bf16_source)
    i64 = np.array([[0, -1], [2 ** 53 + 1, -(2 ** 62) + 3]], dtype=np.int64)
    scalar = np.array(42.5, dtype=np.float32)
    empty = np.zeros((0, 3), dtype=np.float32)
    tensors = [
        ("encoder.layer.0.weight", "F32", f32),
        ("half", "F16", f16),
        ("bf16", "BF16", bf16),
        ("ids", "I64", i64),
        ("scalar", "F32", scalar),
        ("empty", "F32", empty),
    ]
    metadata = {"format": "pt", "producer": "scripts/safetensors_numpy.py"}
    write(os.path.join(out_dir, "reference.safetensors"), tensors, metadata)

    # Expected values, computed from the source arrays rather than by reading the file back.
    expected = {"__metadata__": metadata}
    for name, dtype_name, array in tensors:
        expected[name] = {"dtype": dtype_name, "shape": [int(d) for d in np.shape(array)],
                          "values": values_of(dtype_name, array)}
    # Spot checks of the bit manipulation against hand-derived values.
    bf = expected["bf16"]["values"]
    assert bf[0] == 1.0 and bf[1] == -2.0 and bf[4] == -65536.0, bf
    assert bf[2] == 3.140625, bf  # 0x4049: 1.5703125 * 2
    assert expected["half"]["values"][2] == 0.0999755859375  # 0x2E66
    with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def main(argv):
    if len(argv) == 3 and argv[1] == "write-fixture":
        write_fixture(argv[2])
    elif len(argv) == 3 and argv[1] == "summary":
        json.dump(summary(argv[2]), sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
