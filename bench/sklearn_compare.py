#!/usr/bin/env python3
"""pudle against scikit-learn's MiniBatchDictionaryLearning on image patches, side by side
(docs/sklearn-comparison.md).

One seeded sample of 8 x 8 grayscale patches of CBSD432 (values in [0, 1], each patch's mean
removed, all divided by one global factor: the root mean square of the training values) is written
as .npy; `submit/pudle train` (input.format npy, with g_dec and with g_ae-ls) and
MiniBatchDictionaryLearning learn 100 atoms from exactly that array. Every dictionary is then
evaluated by the same Python code:

  * held-out BSD68 patches (a seeded sample, prepared with the training factor): the relative
    representation error sum ||x - D z||^2 / sum ||x||^2 with OMP at 2 and 5 non-zeros and with
    the lasso (LARS) at the training alpha = lambda;
  * denoising: the first --images BSD68 images plus Gaussian noise (sigma = 25/255, seeded per image), every 8 x 8
    patch (stride 1), mean removed, OMP coded until ||x - D z||^2 <= m (1.15 sigma)^2 (the
    K-SVD denoising rule), rebuilt by averaging the overlapping patches; PSNR of the result clipped
    to [0, 1], averaged over the images.

sklearn's alpha weighs alpha ||z||_1 against 1/2 ||x - D z||^2 (its lars coder divides alpha by
the patch size for LassoLars' 1/(2 m) scaling), the same objective as pudle's lambda on the same
data, so alpha = lambda.

Usage (through submit/sklearn-compare, which picks a python3 with numpy, scikit-learn and PIL):
  submit/sklearn-compare [--out runs/sklearn-compare] [--overwrite] [--epochs 5] [--pudle-epochs 8]
                         [--batch 512] [--pudle-batch 256] [--lambda 1.0] [--pudle-lambda dec=0.9]
                         [--pudle-lambda ae-ls=2] [--images 8] [--reconstruct] ...

Needs numpy, scipy, scikit-learn and PIL (Debian: apt-get install python3-sklearn python3-pil).
"""
import argparse
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

PATCH = 8
M = PATCH * PATCH
ATOMS = 100
SIGMA = 25.0 / 255.0
OMP_C = 1.15  # K-SVD denoising's gain on the noise level (Elad and Aharon 2006)
PUDLE_BATCH = 256  # pudle's batch size, tuned on the validation patches (docs/sklearn-comparison.md)


# ---------------------------------------------------------------- data

def gray(path):
    """An image as gray values in [0, 1]: luminance 0.299 R + 0.587 G + 0.114 B, as pudle reads it."""
    import numpy as np
    from PIL import Image
    with Image.open(path) as im:
        if im.mode in ("L", "I;16", "I"):
            a = np.asarray(im, dtype=np.float64)
            return a / (65535.0 if im.mode != "L" and a.max() > 255 else 255.0)
        a = np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0
    return a @ np.array([0.299, 0.587, 0.114])


def images(folder):
    found = sorted(p for p in glob.glob(os.path.join(folder, "*"))
                   if p.lower().endswith((".png", ".jpg", ".jpeg", ".pgm")))
    if not found:
        print("sklearn-compare: no PNG, JPEG or PGM images in %s (give the BSD folders with --train-images "
              "and --test-images)" % folder, file=sys.stderr)
        sys.exit(2)
    return found


def sample_patches(files, count, rng):
    """count patches drawn uniformly over all patch positions of all files (with replacement of
    positions, each file's share drawn by its number of positions), each patch's mean removed."""
    import numpy as np
    imgs = [gray(f) for f in files]
    sizes = np.array([(a.shape[0] - PATCH + 1) * (a.shape[1] - PATCH + 1) for a in imgs], dtype=np.float64)
    per = rng.multinomial(count, sizes / sizes.sum())
    out = []
    for a, c in zip(imgs, per):
        ys = rng.integers(0, a.shape[0] - PATCH + 1, size=c)
        xs = rng.integers(0, a.shape[1] - PATCH + 1, size=c)
        for y, x in zip(ys, xs):
            out.append(a[y:y + PATCH, x:x + PATCH].reshape(-1))
    x = np.array(out)
    x = x[rng.permutation(len(x))]
    return x - x.mean(axis=1, keepdims=True)


def prepare(args, data):
    """train.npy, val.npy (held out of the training sample, for tuning), test.npy (BSD68) and scale."""
    import numpy as np
    rng = np.random.default_rng(args.seed)
    x = sample_patches(images(args.train_images), args.train + args.val, rng)
    scale = float(np.sqrt(np.mean(x[:args.train] ** 2)))
    x /= scale
    os.makedirs(data, exist_ok=True)
    np.save(os.path.join(data, "train.npy"), np.ascontiguousarray(x[:args.train]))
    np.save(os.path.join(data, "val.npy"), np.ascontiguousarray(x[args.train:]))
    t = sample_patches(images(args.test_images), args.test, np.random.default_rng(args.seed + 1000))
    np.save(os.path.join(data, "test.npy"), t / scale)
    with open(os.path.join(data, "scale.json"), "w") as f:
        json.dump({"scale": scale, "seed": args.seed, "train": args.train, "val": args.val, "test": args.test,
                   "train_images": args.train_images, "test_images": args.test_images}, f)


# ---------------------------------------------------------------- training

def sklearn_train(a):
    """One MiniBatchDictionaryLearning fit in its own process; writes the m x p dictionary."""
    import numpy as np
    from sklearn.decomposition import MiniBatchDictionaryLearning
    x = np.load(a.data)
    kw = dict(n_components=ATOMS, alpha=a.alpha, random_state=a.seed)
    if not a.defaults:
        # the same samples visited as pudle: max_iter epochs of batches, no early stop
        kw.update(batch_size=a.batch, max_iter=a.epochs, tol=0.0, max_no_improvement=None)
    t = time.time()
    est = MiniBatchDictionaryLearning(**kw).fit(x)
    with open(a.out + ".json", "w") as f:
        json.dump({"fit_seconds": time.time() - t, "n_steps": int(est.n_steps_),
                   "batch_size": int(est._batch_size), "samples_visited": int(est.n_steps_ * est._batch_size),
                   "params": {k: str(v) for k, v in kw.items()}}, f)
    np.save(a.out, np.ascontiguousarray(est.components_.T))


def timed(cmd, env, log):
    """Runs cmd in a child of a fresh python so that the peak RSS is the run's alone (whole process
    tree); returns wall seconds and peak MiB."""
    probe = ("import resource, subprocess, sys, time; t = time.time(); "
             "f = open(sys.argv[1], 'w'); r = subprocess.call(sys.argv[2:], stdout=f, stderr=subprocess.STDOUT); "
             "print(r, time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", probe, log] + cmd, env=env, capture_output=True, text=True)
    parts = res.stdout.split()
    if res.returncode != 0 or len(parts) != 3 or parts[0] != "0":
        with open(log) as f:
            tail = f.read()[-3000:]
        sys.exit("run failed: %s\n%s%s%s" % (" ".join(cmd), res.stdout, res.stderr, tail))
    return float(parts[1]), int(parts[2]) / 1024.0


def pudle_loop_seconds(out):
    """The in-loop seconds of a pudle run: metrics.csv's elapsed_seconds at the last update."""
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    return float(rows[-1]["elapsed_seconds"])


def pudle_lambda(out):
    with open(os.path.join(out, "run.properties")) as f:
        for line in f:
            mm = re.match(r"\s*lambda\s*=\s*(\S+)", line)
            if mm:
                val = mm.group(1)
    return float(val)


# ---------------------------------------------------------------- evaluation (one code path)

def unit(d):
    import numpy as np
    n = np.linalg.norm(d, axis=0)
    n[n == 0] = 1.0
    return d / n


def rep_errors(d, x, alpha, lasso_count):
    """Relative representation errors sum ||x - D z||^2 / sum ||x||^2 of OMP-2, OMP-5 and the lasso."""
    import numpy as np
    from sklearn.linear_model import orthogonal_mp_gram
    from sklearn.decomposition import sparse_encode
    d = unit(d)
    gram = d.T @ d
    xy = d.T @ x.T
    total = float(np.sum(x ** 2))
    res = {}
    for k in (2, 5):
        z = orthogonal_mp_gram(gram, xy, n_nonzero_coefs=k)
        res["omp%d" % k] = float(np.sum((x.T - d @ z) ** 2)) / total
    xl = x[:lasso_count]
    z = sparse_encode(xl, d.T, algorithm="lasso_lars", alpha=alpha)
    res["lasso"] = float(np.sum((xl - z @ d.T) ** 2)) / float(np.sum(xl ** 2))
    res["lasso_nnz"] = float(np.count_nonzero(z)) / len(xl)
    return res


def denoise_psnr(d, files, scale, seed, stride):
    """Mean PSNR (dB) of the OMP denoising of the files with noise SIGMA, and the noisy images' PSNR."""
    import numpy as np
    from sklearn.feature_extraction.image import extract_patches_2d, reconstruct_from_patches_2d
    from sklearn.linear_model import orthogonal_mp_gram
    d = unit(d)
    gram = d.T @ d
    tol = M * (OMP_C * SIGMA / scale) ** 2
    out, noisy_psnr = [], []
    for i, f in enumerate(files):
        clean = gray(f)
        noisy = clean + SIGMA * np.random.default_rng(seed + i).standard_normal(clean.shape)
        p = extract_patches_2d(noisy, (PATCH, PATCH))
        if stride > 1:  # keep the grid every stride pixels; reconstruct only averages stride-1 layouts
            raise SystemExit("only stride 1 is supported")
        x = p.reshape(len(p), -1)
        mean = x.mean(axis=1, keepdims=True)
        x = (x - mean) / scale
        z = orthogonal_mp_gram(gram, d.T @ x.T, tol=tol, norms_squared=np.sum(x ** 2, axis=1))
        rebuilt = (d @ z).T * scale + mean
        img = np.clip(reconstruct_from_patches_2d(rebuilt.reshape(p.shape), clean.shape), 0.0, 1.0)
        out.append(psnr(img, clean))
        noisy_psnr.append(psnr(noisy, clean))
    return float(np.mean(out)), float(np.mean(noisy_psnr)), out


def psnr(a, ref):
    import numpy as np
    return 10.0 * np.log10(1.0 / np.mean((a - ref) ** 2))


def evaluate(a):
    """Evaluates one dictionary in its own process (so that a run's memory is not the evaluation's)."""
    import warnings
    import numpy as np
    # flat patches (zero after mean removal) make OMP stop early with a warning on every dictionary
    warnings.filterwarnings("ignore", message="Orthogonal matching pursuit ended prematurely")
    d = np.load(a.dictionary)
    with open(os.path.join(a.data, "scale.json")) as f:
        info = json.load(f)
    x = np.load(os.path.join(a.data, a.set + ".npy"))
    res = rep_errors(d, x, a.alpha, a.lasso_count)
    if a.images > 0:
        files = images(info["test_images"])[:a.images]
        res["psnr"], res["noisy_psnr"], res["psnr_each"] = denoise_psnr(d, files, info["scale"], a.noise_seed, 1)
    with open(a.out, "w") as f:
        json.dump(res, f)


# ---------------------------------------------------------------- the comparison

def compare(args):
    import numpy as np
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    pudle = os.path.join(root, "submit", "pudle")
    out = args.out
    images(args.train_images), images(args.test_images)  # both folders checked before anything is written
    if os.path.exists(out) and os.listdir(out):
        if not args.overwrite:
            print("sklearn-compare: %s exists; give --overwrite to replace it or another --out" % out, file=sys.stderr)
            sys.exit(2)
        shutil.rmtree(out)
    os.makedirs(out)
    data = os.path.join(out, "data")
    print("preparing the patches ...", flush=True)
    prepare(args, data)
    with open(os.path.join(data, "scale.json")) as f:
        scale = json.load(f)["scale"]
    train = os.path.join(data, "train.npy")
    env = dict(os.environ, PUDLE_DRIVER_MEMORY=args.driver_memory)
    per_epoch = -(-args.train // args.batch)
    updates = args.epochs * per_epoch
    print("machine: %d cores, load average %s; %d training patches (global scale %.4f), %d validation, %d test; "
          "sklearn %d epochs of batches of %d (%d updates)" % (os.cpu_count(), " ".join("%.2f" % v for v in os.getloadavg()),
                                                       args.train, scale, args.val, args.test, args.epochs,
                                                       args.batch, updates), flush=True)
    runs = []
    pudle_batch = args.pudle_batch or args.batch
    pudle_per_epoch = -(-args.train // pudle_batch)
    for ep in [int(e) for e in args.pudle_epochs.split(",")] if args.pudle_epochs else [args.epochs]:
        for g in args.gradients.split(","):
            lam = args.pudle_lambda.get(g, args.lam)
            extra = args.pudle_set.get(g, [])
            name = "pudle g_%s %dep" % (g, ep)
            rdir = os.path.join(out, "pudle-%s-%dep" % (g, ep))
            keys = ["input=" + train, "input.format=npy", "p=%d" % ATOMS, "gradient=" + g, "lambda=%r" % lam,
                    "batch.size=%d" % pudle_batch, "updates=%d" % (ep * pudle_per_epoch), "seed=%d" % args.seed,
                    "metrics.every=%d" % pudle_per_epoch, "progress.seconds=30", "output=" + rdir] + extra
            cmd = [pudle, "train"] + [s for k in keys for s in ("--set", k)]
            runs.append(dict(name=name, kind="pudle", dir=rdir, cmd=cmd, lam=lam,
                             passes="%d epochs (%d x %d)" % (ep, ep * pudle_per_epoch, pudle_batch),
                             settings=" ".join([keys[4]] + extra)))
    skl = [sys.executable, os.path.abspath(__file__), "sklearn-train", "--data", train, "--alpha", repr(args.lam),
           "--seed", str(args.seed)]
    runs.append(dict(name="sklearn MBDL", kind="sklearn", dir=os.path.join(out, "sklearn"), lam=args.lam,
                     cmd=skl + ["--batch", str(args.batch), "--epochs", str(args.epochs),
                                "--out", os.path.join(out, "sklearn-D.npy")],
                     passes="%d epochs (%d x %d)" % (args.epochs, per_epoch * args.epochs, args.batch),
                     settings="alpha=%g max_iter=%d tol=0 max_no_improvement=None"
                              % (args.lam, args.epochs)))
    if args.sklearn_defaults:
        runs.append(dict(name="sklearn defaults", kind="sklearn", dir=os.path.join(out, "sklearn-defaults"),
                         lam=args.lam, cmd=skl + ["--defaults", "--out", os.path.join(out, "sklearn-defaults-D.npy")],
                         passes="1000 x 3 (0.06 epoch)", settings="alpha=%g, every other setting its default"
                                                                   % args.lam))
    for rep in range(args.repeats):
        order = runs if rep % 2 == 0 else runs[::-1]
        for r in order:
            if r["kind"] == "pudle":
                shutil.rmtree(r["dir"], ignore_errors=True)
            log = os.path.join(out, "%s-%d.log" % (r["name"].replace(" ", "-"), rep + 1))
            sec, mib = timed(r["cmd"], env, log)
            r.setdefault("wall", []).append(sec)
            r.setdefault("mem", []).append(mib)
            if r["kind"] == "pudle":
                r.setdefault("loop", []).append(pudle_loop_seconds(r["dir"]))
                r["D"] = os.path.join(r["dir"], "dictionary.npy")
            else:
                r["D"] = r["cmd"][-1]
                with open(r["D"] + ".json") as f:
                    r["info"] = json.load(f)
            print("run %d  %-17s %8.1f s  peak %6.0f MiB%s  (load %.2f)"
                  % (rep + 1, r["name"], sec, mib,
                     "  loop %.1f s" % r["loop"][-1] if r["kind"] == "pudle" else "", os.getloadavg()[0]), flush=True)
    print("evaluating (the same code for every dictionary) ...", flush=True)
    def evaluate_one(r):
        ev = os.path.join(out, r["name"].replace(" ", "-") + "-eval.json")
        cmd = [sys.executable, os.path.abspath(__file__), "evaluate", "--dictionary", r["D"], "--data", data,
               "--alpha", repr(args.lam), "--images", str(args.images), "--noise-seed", str(args.seed),
               "--lasso-count", str(args.lasso_count), "--out", ev]
        t = time.time()
        subprocess.run(cmd, check=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
        with open(ev) as f:
            r["eval"] = json.load(f)
        print("  %-17s evaluated in %.0f s" % (r["name"], time.time() - t), flush=True)

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(args.eval_jobs) as pool:
        list(pool.map(evaluate_one, runs))
    if args.reconstruct:
        last = [r for r in runs if r["kind"] == "pudle"][-len(args.gradients.split(",")):]
        for r in last:
            if r["kind"] == "pudle":
                r["reconstruct"] = pudle_reconstruct(pudle, r, args, scale, env)
    return report(args, runs, out)


def pudle_reconstruct(pudle, r, args, scale, env):
    """pudle's own reconstruct --model on the first --images BSD68 images with noise 25/255: its
    unfolded encoder, its patches (stride 1) and averaging. The run learned from the .npy patches, so
    its model says nothing of images; a copy of the model gets the transform this script applied
    (gray 8x8 patches, each patch's mean removed, divided by the global factor). Returns the mean
    PSNR of the rebuilt images and the lambda used."""
    model = r["dir"] + "-image-model"
    shutil.rmtree(model, ignore_errors=True)
    shutil.copytree(os.path.join(r["dir"], "model"), model)
    with open(os.path.join(model, "pudle.properties")) as f:
        props = [ln for ln in f if not ln.startswith(("input.normalize", "input.scale"))]
    props += ["input.format = image\n", "image.patch = 8x8\n", "image.stride = 1x1\n", "image.color = gray\n",
              "input.normalize = center\n", "input.scale = global\n", "input.scale.factors = %r\n" % scale]
    with open(os.path.join(model, "pudle.properties"), "w") as f:
        f.writelines(props)
    crc = os.path.join(model, ".pudle.properties.crc")  # Hadoop's local checksum of the original file
    if os.path.exists(crc):
        os.remove(crc)
    imgs = os.path.join(r["dir"] + "-images")
    os.makedirs(imgs, exist_ok=True)
    for f in images(args.test_images)[:args.reconstruct_images]:
        dst = os.path.join(imgs, os.path.basename(f))
        if not os.path.exists(dst):
            os.symlink(os.path.abspath(f), dst)
    rd = r["dir"] + "-reconstruct"
    lam = args.reconstruct_lambda * r["lam"]
    cmd = [pudle, "reconstruct", "--set", "model=" + model, "--set", "input=" + imgs, "--set", "noise.sigma=25/255",
           "--set", "noise.seed=%d" % args.seed, "--set", "lambda=%r" % lam, "--set", "output=" + rd, "--overwrite"]
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    with open(os.path.join(rd, "psnr.csv")) as f:
        rows = list(csv.DictReader(f))
    return {"psnr": sum(float(x["psnr_output"]) for x in rows) / len(rows), "lambda": lam, "images": len(rows),
            "seconds": time.time() - t}


def median(v):
    s = sorted(v)
    return s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])


def report(args, runs, out):
    ref = next(r for r in runs if r["name"] == "sklearn MBDL")
    head = ["method", "settings", "passes", "train wall s", "pudle loop s", "peak MB", "rep err OMP-2", "OMP-5",
            "lasso", "lasso nnz", "denoise PSNR dB", "ratio to sklearn (OMP-2, OMP-5, lasso, wall)", "dPSNR dB"]
    rows = []
    for r in runs:
        e, re_ = r["eval"], ref["eval"]
        rows.append([r["name"], r["settings"], r["passes"], " / ".join("%.1f" % w for w in r["wall"]),
                     " / ".join("%.1f" % w for w in r.get("loop", [])) or "-",
                     "%.0f" % max(r["mem"]), "%.5f" % e["omp2"], "%.5f" % e["omp5"], "%.5f" % e["lasso"],
                     "%.2f" % e["lasso_nnz"], "%.3f" % e["psnr"] if "psnr" in e else "-",
                     "%.4f %.4f %.4f %.3f" % (e["omp2"] / re_["omp2"], e["omp5"] / re_["omp5"],
                                               e["lasso"] / re_["lasso"], median(r["wall"]) / median(ref["wall"])),
                     "%+.3f" % (e["psnr"] - re_["psnr"]) if "psnr" in e else "-"])
    with open(os.path.join(out, "table.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    noisy = ref["eval"].get("noisy_psnr")
    if noisy is not None:
        print("\nnoisy images: %.3f dB (mean over the first %d BSD68 images, sigma = 25/255)" % (noisy, args.images))
    for r in runs:
        if "reconstruct" in r:
            rc = r["reconstruct"]
            n = rc["images"]
            print("pudle reconstruct --model (%s's dictionary, its unfolded encoder at lambda = %g): %.3f dB over the "
                  "first %d images (%.0f s); the OMP pipeline above on the same %d images: %.3f dB"
                  % (r["name"], rc["lambda"], rc["psnr"], n, rc["seconds"], n, sum(r["eval"]["psnr_each"][:n]) / n))
    print("table: " + os.path.join(out, "table.csv"))
    return 0


def parse_sets(values):
    res = {}
    for v in values or []:
        g, _, kv = v.partition(":")
        res.setdefault(g, []).append(kv)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("compare", help="the whole comparison (the default)")
    c.add_argument("--out", default="runs/sklearn-compare")
    c.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    c.add_argument("--train-images", default="data/bsd/CBSD432", help="training images (CBSD432, wherever your copy is)")
    c.add_argument("--test-images", default="data/bsd/BSD68", help="test images (BSD68)")
    c.add_argument("--train", type=int, default=51200, help="training patches")
    c.add_argument("--val", type=int, default=10000, help="validation patches held out of the training sample")
    c.add_argument("--test", type=int, default=20000, help="held-out BSD68 patches")
    c.add_argument("--lasso-count", type=int, default=5000, help="of the test patches, coded by the lasso")
    c.add_argument("--eval-jobs", type=int, default=2, help="dictionaries evaluated at once (one thread each)")
    c.add_argument("--images", type=int, default=8, help="BSD68 images denoised (the first N by name; 0 = none)")
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--epochs", type=int, default=5)
    c.add_argument("--batch", type=int, default=512, help="scikit-learn's batch size (and pudle's unless --pudle-batch)")
    c.add_argument("--pudle-batch", type=int, default=PUDLE_BATCH,
                   help="pudle's batch size (default %d, tuned on the validation patches; 0: --batch)" % PUDLE_BATCH)
    c.add_argument("--pudle-epochs", default="8",
                   help="pudle's epochs, comma-separated for several runs of each gradient (default 8; empty: --epochs)")
    c.add_argument("--lambda", dest="lam", type=float, default=1.0,
                   help="sklearn's alpha, and pudle's lambda unless --pudle-lambda sets one for a gradient")
    c.add_argument("--pudle-lambda", action="append", metavar="GRAD=VALUE",
                   help="pudle's lambda for one gradient (default: dec=0.9 and ae-ls=2, tuned on the validation "
                        "patches; giving one replaces both)")
    c.add_argument("--pudle-set", action="append", metavar="GRAD:KEY=VALUE",
                   help="an extra pudle train key for one gradient, e.g. ae-ls:threshold=hard (default: for both "
                        "gradients adam.lr=2e-2 adam.lr.schedule=cosine adam.lr.min=0, and T=400 for dec, tuned on "
                        "the validation patches; giving one replaces them all)")
    c.add_argument("--gradients", default="dec,ae-ls")
    c.add_argument("--no-sklearn-defaults", dest="sklearn_defaults", action="store_false",
                   help="skip the run of MiniBatchDictionaryLearning with its own defaults")
    c.add_argument("--repeats", type=int, default=1, help="training runs of each method, alternating order")
    c.add_argument("--reconstruct", action="store_true",
                   help="also run pudle reconstruct --model on BSD68 with the pudle runs of the last --pudle-epochs")
    c.add_argument("--reconstruct-images", type=int, default=4, help="the first N BSD68 images for --reconstruct")
    c.add_argument("--reconstruct-lambda", type=float, default=1.0,
                   help="reconstruct's lambda as a multiple of the training lambda")
    c.add_argument("--driver-memory", default="4g")
    s = sub.add_parser("sklearn-train", help="one MiniBatchDictionaryLearning fit")
    s.add_argument("--data", required=True)
    s.add_argument("--alpha", type=float, required=True)
    s.add_argument("--batch", type=int, default=512)
    s.add_argument("--epochs", type=int, default=5)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--defaults", action="store_true", help="sklearn's own defaults but alpha")
    s.add_argument("--out", required=True)
    e = sub.add_parser("evaluate", help="evaluate one dictionary")
    e.add_argument("--dictionary", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--set", default="test", choices=["test", "val"])
    e.add_argument("--alpha", type=float, required=True)
    e.add_argument("--images", type=int, default=12)
    e.add_argument("--noise-seed", type=int, default=1)
    e.add_argument("--lasso-count", type=int, default=5000)
    e.add_argument("--out", required=True)
    argv = sys.argv[1:]
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["compare"] + argv
    args = ap.parse_args(argv)
    try:
        import numpy  # noqa: F401
        import sklearn  # noqa: F401
        import PIL  # noqa: F401
    except ImportError as ex:
        sys.exit("sklearn_compare.py needs numpy, scikit-learn and PIL (%s). On Debian: apt-get install "
                 "python3-sklearn python3-pil, then run it with /usr/bin/python3." % ex)
    if args.cmd == "sklearn-train":
        sklearn_train(args)
        return 0
    if args.cmd == "evaluate":
        evaluate(args)
        return 0
    if args.pudle_lambda is None:
        args.pudle_lambda = ["dec=0.9", "ae-ls=2"]
    args.pudle_lambda = {k: float(v) for k, _, v in (x.partition("=") for x in args.pudle_lambda)}
    if args.pudle_set is None:
        args.pudle_set = ["%s:%s" % (g, kv) for g in ("dec", "ae-ls")
                          for kv in ("adam.lr=2e-2", "adam.lr.schedule=cosine", "adam.lr.min=0")] + ["dec:T=400"]
    args.pudle_set = parse_sets(args.pudle_set)
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
