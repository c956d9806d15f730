"""Reference for Encoder.forwardHidden: BERT's post-LN layers applied to given hidden states.

Written from the BERT equations (Hugging Face BertLayer: self-attention, output dense + residual
+ LayerNorm, intermediate GELU(erf), output dense + residual + LayerNorm) in plain torch, with no
code from distill. Writes distill-models/src/test/resources/block/forward-hidden.json.

Run: /usr/bin/python3 distill-models/src/test/python/block_fixture.py
"""
import json
import math
import os

import torch

torch.manual_seed(4)
H, A, D, F, L, V, P = 8, 2, 3, 12, 2, 11, 16  # headSize 3: A*D = 6 != H, a narrow inner width
B, T = 2, 5
EPS = 1e-12


def rnd(*shape, scale=0.3):
    return (torch.randn(*shape, dtype=torch.float64) * scale)


w = {
    "embeddings.word_embeddings.weight": rnd(V, H),
    "embeddings.position_embeddings.weight": rnd(P, H),
    "embeddings.token_type_embeddings.weight": rnd(2, H),
    "embeddings.LayerNorm.weight": 1 + rnd(H, scale=0.1),
    "embeddings.LayerNorm.bias": rnd(H, scale=0.1),
}
for l in range(L):
    p = f"encoder.layer.{l}."
    w[p + "attention.self.query.weight"] = rnd(A * D, H)
    w[p + "attention.self.query.bias"] = rnd(A * D, scale=0.1)
    w[p + "attention.self.key.weight"] = rnd(A * D, H)
    w[p + "attention.self.key.bias"] = rnd(A * D, scale=0.1)
    w[p + "attention.self.value.weight"] = rnd(A * D, H)
    w[p + "attention.self.value.bias"] = rnd(A * D, scale=0.1)
    w[p + "attention.output.dense.weight"] = rnd(H, A * D)
    w[p + "attention.output.dense.bias"] = rnd(H, scale=0.1)
    w[p + "attention.output.LayerNorm.weight"] = 1 + rnd(H, scale=0.1)
    w[p + "attention.output.LayerNorm.bias"] = rnd(H, scale=0.1)
    w[p + "intermediate.dense.weight"] = rnd(F, H)
    w[p + "intermediate.dense.bias"] = rnd(F, scale=0.1)
    w[p + "output.dense.weight"] = rnd(H, F)
    w[p + "output.dense.bias"] = rnd(H, scale=0.1)
    w[p + "output.LayerNorm.weight"] = 1 + rnd(H, scale=0.1)
    w[p + "output.LayerNorm.bias"] = rnd(H, scale=0.1)


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + EPS) * g + b


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


x = torch.randn(B, T, H, dtype=torch.float64)
mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.int64)
hidden = [x]
for l in range(L):
    p = f"encoder.layer.{l}."
    lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
    q = lin(x, "attention.self.query").view(B, T, A, D).permute(0, 2, 1, 3)
    k = lin(x, "attention.self.key").view(B, T, A, D).permute(0, 2, 1, 3)
    v = lin(x, "attention.self.value").view(B, T, A, D).permute(0, 2, 1, 3)
    s = q @ k.transpose(-1, -2) / math.sqrt(D) + (1 - mask[:, None, None, :].double()) * -10000.0
    ctx = (torch.softmax(s, -1) @ v).permute(0, 2, 1, 3).reshape(B, T, A * D)
    a = layer_norm(lin(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                   w[p + "attention.output.LayerNorm.bias"])
    o = lin(gelu(lin(a, "intermediate.dense")), "output.dense")
    x = layer_norm(o + a, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    hidden.append(x)

out = {
    "config": {"hidden": H, "heads": A, "headSize": D, "ffn": F, "layers": L, "vocab": V, "positions": P},
    "weights": {n: {"shape": list(t.shape), "values": t.flatten().tolist()} for n, t in w.items()},
    "input": hidden[0].flatten().tolist(),
    "mask": mask.flatten().tolist(),
    "shape": [B, T, H],
    "hidden": [h.flatten().tolist() for h in hidden],
}
here = os.path.dirname(os.path.abspath(__file__))
dst = os.path.join(here, "..", "resources", "block", "forward-hidden.json")
with open(dst, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(dst))
