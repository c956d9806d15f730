#!/usr/bin/env python3
"""Golden values for dev.distill.core.optim, computed by PyTorch.

Writes distill-core/src/test/resources/optim/optim_fixtures.json with

* runs: torch.optim.AdamW with two parameter groups (decay / no decay, split by the classic
  Hugging Face rule ``any(nd in name for nd in ["bias", "LayerNorm.weight"])``), driven by a
  LambdaLR schedule (linear or cosine warm-up, written from transformers/optimization.py), with
  or without torch.nn.utils.clip_grad_norm_, for 10 steps on fixed tensors and fixed per-step
  gradients. Per step: the learning rate used, the raw gradients, the total norm, the clipped
  gradients and the parameters after the update.
* schedules: the learning rates LambdaLR gives for steps 0..total for several configurations.
* accumulation: one AdamW step on a full-batch MSE loss of a tiny linear model.

Run with the Debian interpreter (torch 1.13):  /usr/bin/python3 make_optim_fixtures.py
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "optim", "optim_fixtures.json")

PARAMS = [
    ("embeddings.word_embeddings.weight", (5, 3)),
    ("encoder.layer.0.attention.self.query.weight", (3, 3)),
    ("encoder.layer.0.attention.self.query.bias", (3,)),
    ("encoder.layer.0.attention.output.LayerNorm.weight", (3,)),
    ("encoder.layer.0.attention.output.LayerNorm.bias", (3,)),
]
NO_DECAY = ["bias", "LayerNorm.weight"]  # the list in Hugging Face's run_glue.py / Trainer of old


# Hugging Face transformers/optimization.py, get_linear_schedule_with_warmup.lr_lambda
def linear_lambda(warmup, total):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


# Hugging Face transformers/optimization.py, get_cosine_schedule_with_warmup.lr_lambda
def cosine_lambda(warmup, total, cycles=0.5):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))
    return f


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run(name, seed, hyper, schedule, max_norm, scales):
    g = torch.Generator().manual_seed(seed)
    params = {n: torch.nn.Parameter(torch.randn(s, generator=g)) for n, s in PARAMS}
    decay = {n: not any(nd in n for nd in NO_DECAY) for n, _ in PARAMS}
    groups = [
        {"params": [params[n] for n, _ in PARAMS if decay[n]], "weight_decay": hyper["weight_decay"]},
        {"params": [params[n] for n, _ in PARAMS if not decay[n]], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=hyper["lr"], betas=(hyper["beta1"], hyper["beta2"]),
                            eps=hyper["eps"])
    kind, warmup, total = schedule
    lam = linear_lambda(warmup, total) if kind == "linear" else cosine_lambda(warmup, total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    record = {
        "name": name,
        "hyper": dict(hyper, max_norm=max_norm, schedule=kind, warmup=warmup, total=total),
        "params": [{"name": n, "shape": list(s), "decay": decay[n], "init": flat(params[n])}
                   for n, s in PARAMS],
        "steps": [],
    }
    for t, scale in enumerate(scales):
        lr = opt.param_groups[0]["lr"]
        grads = {n: torch.randn(s, generator=g) * scale for n, s in PARAMS}
        for n, _ in PARAMS:
            params[n].grad = grads[n].clone()
        step = {"lr": lr, "grads": {n: flat(grads[n]) for n, _ in PARAMS}}
        if max_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_([params[n] for n, _ in PARAMS], max_norm)
            step["norm"] = float(norm)
            step["clipped"] = {n: flat(params[n].grad) for n, _ in PARAMS}
        opt.step()
        sched.step()
        step["after"] = {n: flat(params[n]) for n, _ in PARAMS}
        record["steps"].append(step)
    return record


def schedule_values(kind, peak, warmup, total, cycles=0.5):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=peak)
    lam = linear_lambda(warmup, total) if kind == "linear" else cosine_lambda(warmup, total, cycles)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    values = []
    for _ in range(total + 1):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return {"kind": kind, "peak": peak, "warmup": warmup, "total": total, "cycles": cycles,
            "values": values}


def accumulation():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(4, 3, generator=g)
    y = torch.randn(4, 2, generator=g)
    w = torch.nn.Parameter(torch.randn(3, 2, generator=g))
    b = torch.nn.Parameter(torch.randn(2, generator=g))
    init_w, init_b = flat(w), flat(b)
    opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
                            lr=0.05, betas=(0.9, 0.999), eps=1e-8)
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    grad_w, grad_b = flat(w.grad), flat(b.grad)
    opt.step()
    return {"x": flat(x), "y": flat(y), "w": init_w, "b": init_b, "lr": 0.05, "weight_decay": 0.1,
            "grad_w": grad_w, "grad_b": grad_b, "after_w": flat(w), "after_b": flat(b)}


def main():
    torch.set_default_dtype(torch.float32)
    fixtures = {
        "torch_version": torch.__version__,
        "runs": [
            run("linear_clip", 1,
                {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
                ("linear", 3, 10), 1.0,
                [0.05, 0.5, 0.1, 0.3, 0.02, 1.0, 0.08, 2.0, 0.15, 0.04]),
            run("cosine_noclip", 2,
                {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
                ("cosine", 2, 10), None,
                [1.0, 0.5, 2.0, 0.1, 1.0, 0.3, 3.0, 0.05, 1.0, 0.7]),
            # Large eps, lr and decay with small gradients: where eps goes (after the bias
            # correction of sqrt(v)) and decay-before-update move parameters by ~1e-3 here.
            run("large_eps_and_decay", 3,
                {"lr": 0.1, "beta1": 0.9, "beta2": 0.9, "eps": 1e-2, "weight_decay": 0.5},
                ("linear", 0, 10), 0.05,
                [0.01, 0.02, 0.005, 0.01, 0.03, 0.01, 0.002, 0.01, 0.02, 0.01]),
        ],
        "schedules": [
            schedule_values("linear", 0.01, 3, 10),
            schedule_values("linear", 5e-4, 0, 7),
            schedule_values("linear", 0.001, 5, 5),
            schedule_values("cosine", 0.01, 3, 10),
            schedule_values("cosine", 3e-4, 0, 8),
            schedule_values("cosine", 0.002, 2, 9, 0.25),
            schedule_values("cosine", 0.001, 4, 4),
        ],
        "accumulation": accumulation(),
    }
    with open(OUT, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
        f.write("\n")
    clipped = [s["norm"] > 1.0 for s in fixtures["runs"][0]["steps"]]
    print("wrote", os.path.normpath(OUT), "- steps that clip:", clipped)


if __name__ == "__main__":
    main()
