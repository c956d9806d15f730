#!/usr/bin/python3
"""Golden values for distill-losses, computed with PyTorch.

Run from the repository root with the system Python (numpy + torch 1.13):

    /usr/bin/python3 distill-losses/src/test/python/make_loss_fixtures.py

Writes distill-losses/src/test/resources/fixtures/losses.npz (every case's inputs, loss value and
input gradients) and cases.json (each case's loss configuration and the names of its arrays).
Both are committed; the Java tests (LossFixturesTest) only read them, CI needs no Python.

Every reference below is written independently of the Java code: it selects real / labelled
positions by boolean indexing or per-example slicing instead of multiplicative masks, and uses
PyTorch's own losses (kl_div, cross_entropy, mse_loss, l1_loss, cosine_embedding_loss) where
they exist. Inputs are stored as float32; references run in float64 on exactly those values.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")
MASK_VALUE = -10000.0
IGNORE = -100
FORM = {"KL_DIVERGENCE": "kl", "CROSS_ENTROPY": "ce"}

B, T = 3, 6
LENGTHS = [6, 4, 2]
V, C = 7, 4
N_T, H_T, A_T, D_T = 4, 8, 4, 2      # teacher: layers, width, heads, head size
M_S, H_S, A_S, D_S = 2, 6, 2, 3      # student (relations across head counts)

gen = torch.Generator().manual_seed(20240611)


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * scale).float()


MASK = torch.zeros(B, T, dtype=torch.int64)
for b, n in enumerate(LENGTHS):
    MASK[b, :n] = 1
REAL = MASK.bool()

arrays = {}
cases = []


def scores(heads):
    """Random (B, A, T, T) attention scores with MASK_VALUE added on padded keys, as the model does."""
    s = randn(B, heads, T, T, scale=2.0)
    return s + (1 - MASK).float()[:, None, None, :] * MASK_VALUE


def mlm_labels():
    lab = torch.full((B, T), IGNORE, dtype=torch.int64)
    picks = {0: [1, 3, 4], 1: [0, 2], 2: [1]}
    for b, ts in picks.items():
        for t in ts:
            lab[b, t] = int(torch.randint(0, V, (1,), generator=gen))
    return lab


def run_case(name, loss_cfg, inputs, fn, grad_keys):
    """inputs: name -> float32/int64 tensor. fn(x) -> scalar, x: float64 tensors with grad."""
    x = {}
    for k, v in inputs.items():
        if v.dtype.is_floating_point:
            x[k] = v.double().clone().requires_grad_(k in grad_keys)
        else:
            x[k] = v.clone()
    loss = fn(x)
    loss.backward()
    for k, v in inputs.items():
        arrays[f"{name}/in/{k}"] = v.numpy()
    arrays[f"{name}/loss"] = np.array(loss.item(), dtype=np.float64)
    grads = []
    for k in grad_keys:
        g = x[k].grad
        if g is None:
            g = torch.zeros_like(x[k])
        arrays[f"{name}/grad/{k}"] = g.numpy()
        grads.append(k)
    cases.append({"name": name, "loss": loss_cfg, "inputs": sorted(inputs.keys()), "grads": grads})


# ---------------------------------------------------------------- references

def soft_rows_kl(t, s, temp, form):
    """Per-row loss over the last axis of 2-D (n, K) logits, summed over rows (not averaged)."""
    p = F.softmax(t / temp, dim=-1)
    logq = F.log_softmax(s / temp, dim=-1)
    if form == "KL_DIVERGENCE":
        return F.kl_div(logq, p, reduction="sum")
    return -(p * logq).sum()


def ref_soft_tokens(x, temp, form, positions):
    t, s = x["teacher.logits"], x["student.logits"]
    if positions == "ALL":
        sel = torch.ones(B, T, dtype=torch.bool)
    elif positions == "REAL_TOKENS":
        sel = REAL
    else:
        sel = x["labels"] != IGNORE
    n = int(sel.sum())
    return soft_rows_kl(t[sel], s[sel], temp, form) / max(n, 1) * temp * temp


def ref_soft_classes(x, temp, form):
    t, s = x["teacher.logits"], x["student.logits"]
    if form == "KL_DIVERGENCE":  # PyTorch's batchmean, as DistilBERT/seed 003 use it
        return F.kl_div(F.log_softmax(s / temp, -1), F.softmax(t / temp, -1), reduction="batchmean") * temp * temp
    return soft_rows_kl(t, s, temp, form) / B * temp * temp


def ref_soft_span(x, temp, form, positions):
    t, s = x["teacher.logits"], x["student.logits"]
    total = 0.0
    for b in range(B):
        n = LENGTHS[b] if positions == "REAL_TOKENS" else T
        for c in range(2):
            total = total + soft_rows_kl(t[b, :n, c][None], s[b, :n, c][None], temp, form)
    return total / (2 * B) * temp * temp


def ref_hard(x, task):
    z, y = x["student.logits"], x["labels"]
    if task == "CLASSIFICATION":
        return F.cross_entropy(z, y, ignore_index=IGNORE)
    if task == "MASKED_LM":
        return F.cross_entropy(z.reshape(-1, V), y.reshape(-1), ignore_index=IGNORE)
    if task == "SPAN":
        return (F.cross_entropy(z[:, :, 0], y[:, 0], ignore_index=IGNORE)
                + F.cross_entropy(z[:, :, 1], y[:, 1], ignore_index=IGNORE)) / 2
    return F.mse_loss(z.reshape(-1), y.double())


def project(x, h):
    if "proj.weight" not in x:
        return h
    return F.linear(h, x["proj.weight"], x.get("proj.bias"))


def ref_vector(distance, hs, ht):
    if distance == "MSE":
        return F.mse_loss(hs, ht)
    if distance == "L1":
        return F.l1_loss(hs, ht)
    return F.cosine_embedding_loss(hs, ht, torch.ones(hs.shape[0], dtype=hs.dtype))


def ref_hidden(x, distance, pairs):
    total = 0.0
    for m, n in pairs:
        hs = project(x, x[f"student.hidden.{m}"])[REAL]
        ht = x[f"teacher.hidden.{n}"][REAL]
        total = total + ref_vector(distance, hs, ht)
    return total


def ref_pooled(x, distance):
    return ref_vector(distance, project(x, x["student.pooled"]), x["teacher.pooled"])


def ref_attention(x, mode, pairs):
    total = 0.0
    for m, n in pairs:
        ds, dt = [], []
        for b in range(B):
            L = LENGTHS[b]
            ss = x[f"student.scores.{m - 1}"][b, :, :L, :L]
            tt = x[f"teacher.scores.{n - 1}"][b, :, :L, :L]
            if mode == "PROBABILITIES":
                ss, tt = F.softmax(ss, -1), F.softmax(tt, -1)
            ds.append(ss.reshape(-1))
            dt.append(tt.reshape(-1))
        total = total + F.mse_loss(torch.cat(ds), torch.cat(dt))
    return total


def split_heads(xb, r):
    """(A, L, d) per-example head vectors -> (R, L, A*d/R) relation heads."""
    a, L, d = xb.shape
    return xb.permute(1, 0, 2).reshape(L, a * d).reshape(L, r, a * d // r).permute(1, 0, 2)


def ref_relation(x, relations, rel_heads, pairs):
    total = 0.0
    for m, n in pairs:
        for rel in relations:
            kl_sum, rows = 0.0, 0
            for b in range(B):
                L = LENGTHS[b]
                if rel == "ATTENTION":
                    ls = x[f"student.scores.{m - 1}"][b, :, :L, :L]
                    lt = x[f"teacher.scores.{n - 1}"][b, :, :L, :L]
                else:
                    key = {"QUERY_QUERY": "q", "KEY_KEY": "k", "VALUE_VALUE": "v"}[rel]
                    xs = x[f"student.{key}.{m - 1}"][b, :, :L, :]
                    xt = x[f"teacher.{key}.{n - 1}"][b, :, :L, :]
                    if rel_heads:
                        xs, xt = split_heads(xs, rel_heads), split_heads(xt, rel_heads)
                    ls = xs @ xs.transpose(-1, -2) / math.sqrt(xs.shape[-1])
                    lt = xt @ xt.transpose(-1, -2) / math.sqrt(xt.shape[-1])
                kl_sum = kl_sum + F.kl_div(F.log_softmax(ls, -1), F.softmax(lt, -1), reduction="sum")
                rows += ls.shape[0] * L
            total = total + kl_sum / rows
    return total


def ref_topk(x, temp, form, positions, truncated):
    s, ids, p = x["student.logits"], x["topk.ids"], x["topk.probs"]
    sel = REAL if positions == "REAL_TOKENS" else (x["labels"] != IGNORE if positions == "LABELLED_TOKENS"
                                                   else torch.ones(B, T, dtype=torch.bool))
    s, ids, p = s[sel], ids[sel], p[sel]  # (n, V), (n, k), (n, k)
    logq = F.log_softmax(s / temp, -1)
    logq_k = logq.gather(1, ids)
    if truncated == "RENORMALIZE":
        pt = p ** (1.0 / temp)
        pt = pt / pt.sum(-1, keepdim=True)
        rows = (torch.xlogy(pt, pt) - pt * logq_k) if form == "KL_DIVERGENCE" else -pt * logq_k
        rows = rows.sum(-1)
    else:
        q = logq.exp()
        r = (1 - p.sum(-1)).clamp(min=0)
        q_rest = 1 - q.gather(1, ids).sum(-1)          # float64: no cancellation trouble here
        if form == "KL_DIVERGENCE":
            rows = (torch.xlogy(p, p) - p * logq_k).sum(-1) + torch.xlogy(r, r) - r * torch.log(q_rest)
        else:
            rows = -(p * logq_k).sum(-1) - r * torch.log(q_rest)
    return rows.sum() / max(rows.shape[0], 1) * temp * temp


# ---------------------------------------------------------------- cases

def token_logits():
    return {"teacher.logits": randn(B, T, V, scale=2.0), "student.logits": randn(B, T, V, scale=2.0),
            "mask": MASK, "labels": mlm_labels()}


for temp, form, pos in [(1.0, "KL_DIVERGENCE", "ALL"), (2.0, "KL_DIVERGENCE", "REAL_TOKENS"),
                        (4.0, "KL_DIVERGENCE", "LABELLED_TOKENS"), (2.0, "CROSS_ENTROPY", "LABELLED_TOKENS"),
                        (1.0, "CROSS_ENTROPY", "REAL_TOKENS")]:
    name = f"soft_tokens_{FORM[form]}_T{temp:g}_{pos.lower()}"
    run_case(name, {"type": "soft_target", "layout": "TOKENS", "temperature": temp, "form": form, "positions": pos},
             token_logits(), lambda x, t=temp, f=form, p=pos: ref_soft_tokens(x, t, f, p), ["student.logits"])

for temp, form in [(1.0, "KL_DIVERGENCE"), (3.0, "KL_DIVERGENCE"), (3.0, "CROSS_ENTROPY")]:
    inputs = {"teacher.logits": randn(B, C, scale=2.0), "student.logits": randn(B, C, scale=2.0), "mask": MASK}
    run_case(f"soft_classes_{FORM[form]}_T{temp:g}",
             {"type": "soft_target", "layout": "CLASSES", "temperature": temp, "form": form, "positions": "ALL"},
             inputs, lambda x, t=temp, f=form: ref_soft_classes(x, t, f), ["student.logits"])

for temp, form, pos in [(2.0, "KL_DIVERGENCE", "REAL_TOKENS"), (1.0, "KL_DIVERGENCE", "ALL"),
                        (2.0, "CROSS_ENTROPY", "REAL_TOKENS")]:
    inputs = {"teacher.logits": randn(B, T, 2, scale=2.0), "student.logits": randn(B, T, 2, scale=2.0), "mask": MASK}
    run_case(f"soft_span_{FORM[form]}_T{temp:g}_{pos.lower()}",
             {"type": "soft_target", "layout": "SPAN", "temperature": temp, "form": form, "positions": pos},
             inputs, lambda x, t=temp, f=form, p=pos: ref_soft_span(x, t, f, p), ["student.logits"])

run_case("hard_classification", {"type": "hard_label", "task": "CLASSIFICATION"},
         {"student.logits": randn(B, C, scale=2.0), "labels": torch.tensor([2, IGNORE, 0]), "mask": MASK},
         lambda x: ref_hard(x, "CLASSIFICATION"), ["student.logits"])
run_case("hard_masked_lm", {"type": "hard_label", "task": "MASKED_LM"},
         {"student.logits": randn(B, T, V, scale=2.0), "labels": mlm_labels(), "mask": MASK},
         lambda x: ref_hard(x, "MASKED_LM"), ["student.logits"])
run_case("hard_span", {"type": "hard_label", "task": "SPAN"},
         {"student.logits": randn(B, T, 2, scale=2.0), "labels": torch.tensor([[2, 4], [1, 3], [IGNORE, 1]]),
          "mask": MASK},
         lambda x: ref_hard(x, "SPAN"), ["student.logits"])
run_case("hard_regression", {"type": "hard_label", "task": "REGRESSION"},
         {"student.logits": randn(B, 1), "labels": randn(B), "mask": MASK},
         lambda x: ref_hard(x, "REGRESSION"), ["student.logits"])


def hidden_inputs(student_width=H_S, proj=True, bias=False):
    d = {"mask": MASK}
    for i in range(N_T + 1):
        d[f"teacher.hidden.{i}"] = randn(B, T, H_T)
    for i in range(M_S + 1):
        d[f"student.hidden.{i}"] = randn(B, T, student_width)
    d["teacher.pooled"] = randn(B, H_T)
    d["student.pooled"] = randn(B, student_width)
    if proj:
        d["proj.weight"] = randn(H_T, student_width, scale=0.5)
        if bias:
            d["proj.bias"] = randn(H_T, scale=0.1)
    return d


def hidden_case(name, cfg, pairs, distance, student_width=H_S, proj=True, bias=False, pooled=False):
    inputs = hidden_inputs(student_width, proj, bias)
    grads = [k for k in inputs if k.startswith("student.") or k.startswith("proj.")]
    fn = (lambda x: ref_pooled(x, distance)) if pooled else (lambda x: ref_hidden(x, distance, pairs))
    run_case(name, dict(cfg, type="hidden", distance=distance), inputs, fn, grads)


# uniform g for M = 2, N = 4: g(1) = 2, g(2) = 4
hidden_case("hidden_mse_uniform", {"source": "LAYERS", "layers": "EVERY_LAYER", "mapping": "uniform"},
            [(1, 2), (2, 4)], "MSE")
hidden_case("hidden_mse_explicit_bias", {"source": "LAYERS", "layers": "EVERY_LAYER", "mapping": [1, 3], "bias": True},
            [(1, 1), (2, 3)], "MSE", bias=True)
hidden_case("embedding_mse", {"source": "EMBEDDINGS", "layers": "EVERY_LAYER", "mapping": "uniform"},
            [(0, 0)], "MSE")
hidden_case("hidden_mse_all_last_mapping", {"source": "EMBEDDINGS_AND_LAYERS", "layers": "EVERY_LAYER", "mapping": "last"},
            [(0, 0), (1, 3), (2, 4)], "MSE")
hidden_case("hidden_l1_last", {"source": "LAYERS", "layers": "LAST_LAYER", "mapping": "uniform"},
            [(2, 4)], "L1")
hidden_case("cosine_last_projected", {"source": "LAYERS", "layers": "LAST_LAYER", "mapping": "uniform"},
            [(2, 4)], "COSINE")
hidden_case("cosine_last_same_width", {"source": "LAYERS", "layers": "LAST_LAYER", "mapping": "uniform"},
            [(2, 4)], "COSINE", student_width=H_T, proj=False)
hidden_case("pooled_cosine", {"source": "POOLED", "layers": "EVERY_LAYER", "mapping": "uniform"},
            None, "COSINE", student_width=H_T, proj=False, pooled=True)
hidden_case("pooled_mse_projected", {"source": "POOLED", "layers": "EVERY_LAYER", "mapping": "uniform"},
            None, "MSE", pooled=True)


def attention_inputs(student_heads, teacher_heads):
    d = {"mask": MASK}
    for i in range(N_T):
        d[f"teacher.scores.{i}"] = scores(teacher_heads)
    for i in range(M_S):
        d[f"student.scores.{i}"] = scores(student_heads)
    return d


for mode, layers, mapping, pairs in [("SCORES", "EVERY_LAYER", "uniform", [(1, 2), (2, 4)]),
                                     ("PROBABILITIES", "EVERY_LAYER", "uniform", [(1, 2), (2, 4)]),
                                     ("SCORES", "LAST_LAYER", "first", [(2, 2)])]:
    inputs = attention_inputs(A_T, A_T)
    run_case(f"attention_{mode.lower()}_{layers.lower()}_{mapping}",
             {"type": "attention", "mode": mode, "layers": layers, "mapping": mapping}, inputs,
             lambda x, m=mode, p=pairs: ref_attention(x, m, p), [k for k in inputs if k.startswith("student.")])


def qkv_inputs(student_heads, student_d, with_scores):
    d = {"mask": MASK}
    for side, layers, heads, dd in [("teacher", N_T, A_T, D_T), ("student", M_S, student_heads, student_d)]:
        for i in range(layers):
            for key in ("q", "k", "v"):
                d[f"{side}.{key}.{i}"] = randn(B, heads, T, dd)
            if with_scores:
                d[f"{side}.scores.{i}"] = scores(heads)
    return d


inputs = qkv_inputs(A_T, D_S, True)   # v1: equal head counts, different head sizes
run_case("minilm_v1", {"type": "relation", "relations": ["ATTENTION", "VALUE_VALUE"], "relationHeads": 0,
                       "layers": "LAST_LAYER", "mapping": "uniform"}, inputs,
         lambda x: ref_relation(x, ["ATTENTION", "VALUE_VALUE"], 0, [(2, 4)]),
         [k for k in inputs if k.startswith("student.")])
inputs = qkv_inputs(A_S, D_S, False)  # v2: 2 student heads of 3 vs 4 teacher heads of 2
run_case("minilm_v2_r2", {"type": "relation", "relations": ["QUERY_QUERY", "KEY_KEY", "VALUE_VALUE"],
                          "relationHeads": 2, "layers": "LAST_LAYER", "mapping": "uniform"}, inputs,
         lambda x: ref_relation(x, ["QUERY_QUERY", "KEY_KEY", "VALUE_VALUE"], 2, [(2, 4)]),
         [k for k in inputs if k.startswith("student.")])
inputs = qkv_inputs(A_S, D_S, False)
run_case("minilm_v2_r1_every_layer", {"type": "relation", "relations": ["VALUE_VALUE", "QUERY_QUERY"],
                                      "relationHeads": 1, "layers": "EVERY_LAYER", "mapping": [1, 3]}, inputs,
         lambda x: ref_relation(x, ["VALUE_VALUE", "QUERY_QUERY"], 1, [(1, 1), (2, 3)]),
         [k for k in inputs if k.startswith("student.")])


def topk_inputs(k):
    tl = randn(B, T, V, scale=2.0)
    probs, ids = torch.softmax(tl.double(), -1).topk(k, dim=-1)
    probs = probs.float()
    probs[0, 1, k - 1] = 0.0                      # a zero entry must contribute nothing
    return {"student.logits": randn(B, T, V, scale=2.0), "topk.ids": ids, "topk.probs": probs,
            "mask": MASK, "labels": mlm_labels()}


for temp, form, pos, trunc in [(1.0, "KL_DIVERGENCE", "REAL_TOKENS", "RENORMALIZE"),
                               (2.0, "KL_DIVERGENCE", "LABELLED_TOKENS", "RENORMALIZE"),
                               (3.0, "CROSS_ENTROPY", "REAL_TOKENS", "RENORMALIZE"),
                               (1.0, "KL_DIVERGENCE", "REAL_TOKENS", "OTHER_BUCKET"),
                               (1.0, "CROSS_ENTROPY", "ALL", "OTHER_BUCKET")]:
    run_case(f"topk_{trunc.lower()}_{FORM[form]}_T{temp:g}_{pos.lower()}",
             {"type": "topk", "temperature": temp, "form": form, "positions": pos, "truncatedMass": trunc},
             topk_inputs(3), lambda x, t=temp, f=form, p=pos, tr=trunc: ref_topk(x, t, f, p, tr), ["student.logits"])

# DistilBERT: 5·L_ce (soft targets on masked tokens, T = 2) + 2·L_mlm + 1·L_cos (last hidden state)
inputs = dict(token_logits())
inputs.update({k: v for k, v in hidden_inputs().items() if k != "mask"})
run_case("weighted_distilbert", {"type": "weighted_distilbert", "temperature": 2.0}, inputs,
         lambda x: 5 * ref_soft_tokens(x, 2.0, "KL_DIVERGENCE", "LABELLED_TOKENS") + 2 * ref_hard(x, "MASKED_LM")
         + 1 * ref_hidden(x, "COSINE", [(2, 4)]),
         [k for k in inputs if k.startswith("student.") or k.startswith("proj.")])



def ref_similarity(x):
    """In-batch cosine-similarity matrices, compared pair by pair in plain loops (no masks)."""
    ps, pt = x["student.pooled"], x["teacher.pooled"]
    n = ps.shape[0]
    total, pairs = 0.0, 0
    for i in range(n):
        for j in range(n):
            if i != j:
                cs = F.cosine_similarity(ps[i:i + 1], ps[j:j + 1], eps=1e-12)[0]
                ct = F.cosine_similarity(pt[i:i + 1], pt[j:j + 1], eps=1e-12)[0]
                total = total + (cs - ct) ** 2
                pairs += 1
    return total / pairs


# in-batch similarity of pooled embeddings, student narrower than the teacher (no projection)
inputs = {"mask": MASK, "student.pooled": randn(5, H_S), "teacher.pooled": randn(5, H_T)}
inputs["student.pooled"][3] = inputs["student.pooled"][1]        # a duplicate sentence: similarity 1
run_case("similarity_matrix", {"type": "similarity"}, inputs, ref_similarity, ["student.pooled"])

os.makedirs(OUT, exist_ok=True)
np.savez_compressed(os.path.join(OUT, "losses.npz"), **arrays)
with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump({"generator": "distill-losses/src/test/python/make_loss_fixtures.py",
               "torch": torch.__version__, "lengths": LENGTHS, "cases": cases}, f, indent=1)
print(f"{len(cases)} cases, {len(arrays)} arrays -> {os.path.normpath(OUT)}")
