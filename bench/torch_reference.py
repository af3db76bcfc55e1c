#!/usr/bin/env python3
"""pudle against a PyTorch autograd reference, side by side (docs/performance.md#against-pytorch).

The same .npy samples and initial dictionary go to `submit/pudle train` and to a plain PyTorch
implementation of Algorithm 2 (unfolded ISTA, autograd through every layer, torch.optim.Adam,
unit-norm columns after each update), as a PyTorch user would write it. Both run in float64 on the
same cores; the script prints each run's wall time and peak memory (whole process), the ratio of the
medians, and the largest difference between the two learned dictionaries.

Cases (docs/performance.md):
  b1     m = 50, p = 100, k = 5, n = 1e4, T = 200, g_ae-ls, full batch, 5 updates (epochs),
         D0 = normalize(D_tilde + 0.55/log(m) B)
  m1000  m = 1000, p = 1500, k = 20, n = 2000, T = 100, g_ae-ls, one full-batch update,
         D0 = normalize(D_tilde + 1/log(m) B)

Usage (through submit/ref-bench, which picks a python3 with torch):
  submit/ref-bench [--case b1|m1000|all] [--repeats 3] [--threads 2] [--work DIR] [--dense]

--dense also runs pudle with kernel.layers = dense (every layer by GEMM), so that one run shows
both ways of pudle beside PyTorch.

Needs numpy and torch (Debian: apt-get install python3-torch python3-numpy).
"""
import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time

CASES = {
    "b1": dict(m=50, p=100, k=5, n=10000, T=200, updates=5, tau="0.55/log(m)", seed=1),
    "m1000": dict(m=1000, p=1500, k=20, n=2000, T=100, updates=1, tau="1/log(m)", seed=1),
}
LAMBDA = 0.2
ALPHA = 0.2
LR = 1e-3
EPS = 1e-8


def tau_of(case):
    c = CASES[case]
    scale = float(c["tau"].split("/")[0])
    return scale / math.log(c["m"])


def generate(case, out):
    """The paper's generative model (docs/math.md#synthetic-data) in numpy: X (n x m) and D0 (m x p)."""
    import numpy as np
    c = CASES[case]
    m, p, k, n = c["m"], c["p"], c["k"], c["n"]
    rng = np.random.default_rng(c["seed"])
    d_tilde = rng.standard_normal((m, p))
    d_tilde /= np.linalg.norm(d_tilde, axis=0)
    z = np.zeros((p, n))
    for i in range(n):
        support = rng.choice(p, size=k, replace=False)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        z[support, i] = sign * rng.uniform(1.0, 2.0, size=k)
    x = d_tilde @ z
    d0 = d_tilde + tau_of(case) * rng.standard_normal((m, p)) / math.sqrt(m)
    d0 /= np.linalg.norm(d0, axis=0)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "X.npy"), np.ascontiguousarray(x.T))
    np.save(os.path.join(out, "D0.npy"), d0)


def torch_train(case, data, out, threads):
    """Algorithm 2 with PyTorch autograd: z_{t+1} = S(z_t - alpha D^T (D z_t - x)), loss
    mean_i 1/2 ||x_i - D z_T^i||^2, Adam, unit columns. S is torch's softshrink, one autograd node
    per layer (sign(v) * relu(|v| - level) gives the same values but keeps about twice the
    tensors for the backward pass: 11.9 against 6.4 GB at b1)."""
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    c = CASES[case]
    x = torch.from_numpy(np.load(os.path.join(data, "X.npy")).T.copy())
    d = torch.from_numpy(np.load(os.path.join(data, "D0.npy")).copy()).requires_grad_(True)
    opt = torch.optim.Adam([d], lr=LR, eps=EPS)
    n = x.shape[1]
    level = ALPHA * LAMBDA
    for _ in range(c["updates"]):
        opt.zero_grad()
        z = torch.zeros(d.shape[1], n, dtype=torch.float64)
        for _t in range(c["T"]):
            v = z - ALPHA * (d.t() @ (d @ z - x))
            z = torch.nn.functional.softshrink(v, level)
        loss = 0.5 * ((x - d @ z) ** 2).sum() / n
        loss.backward()
        opt.step()
        with torch.no_grad():
            d /= torch.linalg.norm(d, dim=0)
    np.save(out, d.detach().numpy())


def pudle_config(case, data, out, layers="auto"):
    c = CASES[case]
    return "\n".join([
        "input = " + os.path.join(data, "X.npy"),
        "init = " + os.path.join(data, "D0.npy"),
        "reference = none",
        "m = %d" % c["m"], "p = %d" % c["p"], "T = %d" % c["T"],
        "lambda = %g" % LAMBDA, "alpha = %g" % ALPHA, "threshold = soft", "gradient = ae-ls",
        "updates = %d" % c["updates"], "batch.size = 0",
        "adam.lr = %g" % LR, "adam.eps = %g" % EPS, "normalize = normalize",
        "kernels = cpu", "kernel.layers = " + layers, "checkpoint.every = 0", "progress.seconds = 600",
        "output = " + out, ""])


def timed(cmd, env):
    """Runs cmd in a child of a fresh python, so that its peak RSS is the run's alone."""
    probe = ("import resource, subprocess, sys, time; t = time.time(); "
             "r = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(r, time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", probe] + cmd, env=env, capture_output=True, text=True)
    parts = res.stdout.split()
    if res.returncode != 0 or len(parts) != 3 or parts[0] != "0":
        sys.exit("run failed: %s\n%s%s" % (" ".join(cmd), res.stdout, res.stderr))
    return float(parts[1]), int(parts[2]) / 1024.0


def median(v):
    s = sorted(v)
    return s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])


def compare(args):
    import numpy as np
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pudle = os.path.join(root, "submit", "pudle")
    cases = list(CASES) if args.case == "all" else [args.case]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(args.threads),
               PUDLE_DRIVER_MEMORY=args.driver_memory)
    print("machine: %d cores, load average %s; torch threads %d; pudle local[*] with one BLAS thread per task"
          % (os.cpu_count(), " ".join("%.2f" % l for l in os.getloadavg()), args.threads))
    # not timed: a first call builds the jars when the sources are newer and makes the class archive
    # once per build (submit/pudle), which would otherwise land in the first timed pudle run
    prep = subprocess.run([pudle, "--version"], env=env, capture_output=True, text=True)
    if prep.returncode != 0:
        sys.exit("ref-bench: submit/pudle --version failed:\n" + prep.stdout + prep.stderr)
    summary = []
    for case in cases:
        work = os.path.join(args.work, case)
        data = os.path.join(work, "data")
        if not os.path.exists(os.path.join(data, "D0.npy")):
            generate(case, data)
        sides = ["pudle"] + (["pudle-dense"] if args.dense else []) + ["torch"]
        times = {s: [] for s in sides}
        mem = {s: [] for s in sides}
        diff = None
        for r in range(args.repeats):
            # alternate the order so that no side always runs first
            order = sides if r % 2 == 0 else sides[::-1]
            for side in order:
                if side.startswith("pudle"):
                    layers = "dense" if side == "pudle-dense" else "auto"
                    out = os.path.join(work, "run-" + side)
                    shutil.rmtree(out, ignore_errors=True)
                    conf = os.path.join(work, side + ".properties")
                    with open(conf, "w") as f:
                        f.write(pudle_config(case, data, out, layers))
                    cmd = [pudle, "train", conf]
                else:
                    cmd = [sys.executable, os.path.abspath(__file__), "torch-train", "--case", case, "--data", data,
                           "--out", os.path.join(work, "torch-D.npy"), "--threads", str(args.threads)]
                sec, mib = timed(cmd, env)
                times[side].append(sec)
                mem[side].append(mib)
                print("%-6s run %d  %-11s %8.2f s  peak %7.0f MiB  (load %.2f)"
                      % (case, r + 1, side, sec, mib, os.getloadavg()[0]), flush=True)
            dt = np.load(os.path.join(work, "torch-D.npy"))
            for side in sides[:-1]:
                dp = np.load(os.path.join(work, "run-" + side, "dictionary.npy"))
                diff = max(diff or 0.0, float(np.max(np.abs(dp - dt))))
        ratio = median(times["pudle"]) / median(times["torch"])
        line = ("%-6s pudle %.2f s, PyTorch %.2f s (medians of %d): ratio %.3f; peak memory %.0f MiB vs %.0f MiB; "
                "max |D_pudle - D_torch| = %.2e (each pudle run)" % (case, median(times["pudle"]), median(times["torch"]), args.repeats,
                                                    ratio, max(mem["pudle"]), max(mem["torch"]), diff))
        summary.append(line)
        if args.dense:
            summary.append("%-6s pudle with kernel.layers = dense %.2f s: ratio %.3f to PyTorch; the layers on the "
                           "supports take %.3f of its time" % (case, median(times["pudle-dense"]),
                                                               median(times["pudle-dense"]) / median(times["torch"]),
                                                               median(times["pudle"]) / median(times["pudle-dense"])))
        if diff > 1e-10:
            summary.append("%-6s the dictionaries differ by more than 1e-10" % case)
    print()
    for line in summary:
        print(line)
    return 1 if any("differ" in s for s in summary) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("compare", help="run both side by side (the default)")
    c.add_argument("--case", choices=list(CASES) + ["all"], default="all")
    c.add_argument("--repeats", type=int, default=3)
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--work", default="runs/ref-bench")
    c.add_argument("--driver-memory", default="4g")
    c.add_argument("--dense", action="store_true", help="also run pudle with kernel.layers = dense")
    t = sub.add_parser("torch-train", help="the PyTorch side alone")
    t.add_argument("--case", choices=list(CASES), required=True)
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--threads", type=int, default=2)
    g = sub.add_parser("generate", help="write X.npy and D0.npy")
    g.add_argument("--case", choices=list(CASES), required=True)
    g.add_argument("--out", required=True)
    argv = sys.argv[1:]
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["compare"] + argv
    args = ap.parse_args(argv)
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        sys.exit("torch_reference.py needs numpy and torch (%s). On Debian: apt-get install python3-torch "
                 "python3-numpy, then run it with /usr/bin/python3." % e)
    if args.cmd == "torch-train":
        torch_train(args.case, args.data, args.out, args.threads)
        return 0
    if args.cmd == "generate":
        generate(args.case, args.out)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
