#!/usr/bin/python3
"""Known answers for the metrics that must match the standard Python tools.

1. Inception Score as torch-fidelity defines it (metric_isc.py, isc_features_to_metric): the rows are permuted with
   numpy.random.RandomState(2020).permutation(N), cast to float64, softmax over the classes, 10 consecutive splits of
   the permuted rows (rows [i*N//10, (i+1)*N//10)), per split exp(mean_x KL(p(y|x) || mean p(y))), then the mean and
   numpy's population std of the split scores. The logits are a small classifier head on fixed "pool" features:
   unbiased = pool @ W.T (torch-fidelity's and torchmetrics' default, 'logits_unbiased'), biased = unbiased + b.
   Written from that definition here (not imported: torch-fidelity is not packaged by Debian).
2. pytorch-fid statistics files: numpy.savez and numpy.savez_compressed of mu [D] and sigma [D, D] (float64), as
   pytorch-fid's save_fid_stats writes them and as the published TTUR statistics are laid out.
3. Image files of the formats pytorch-fid lists (IMAGE_EXTENSIONS) that SkiaSharp does not decode: TIFF (raw, LZW,
   deflate, grayscale, RGBA) written by Pillow, and Netpbm P2/P3/P5/P6 (binary ones by Pillow, plain ASCII ones by
   hand); image_<name>.npy holds what pytorch-fid gets from each, np.asarray(Image.open(f).convert("RGB")), as float32.

Usage (Debian 12: apt-get install python3-torch; numpy comes with it):
    OMP_NUM_THREADS=2 /usr/bin/python3 tools/standard_metrics_fixture.py tests/SharpDiffusion.Tests/Evaluation/Fixtures
"""
import json
import os
import sys

from PIL import Image

import numpy as np
import torch

N, D, K = 53, 16, 12  # 53 rows: the 10 splits have 5 or 6 rows, so the split boundaries matter
SHUFFLE_SEED = 2020
SPLITS = 10


def classifier_head():
    i = np.arange(N, dtype=np.float64)[:, None]
    j = np.arange(D, dtype=np.float64)[None, :]
    pool = np.abs(np.sin(0.37 * i + 1.3 * j) * 2.0 + np.cos(0.11 * i * j))  # ReLU-like features, >= 0
    k = np.arange(K, dtype=np.float64)[:, None]
    weight = np.cos(0.7 * k + 0.23 * j + 0.05 * k * j) * 1.5
    bias = np.linspace(-3.0, 4.0, K)  # large against the logits' spread, so the two variants differ clearly
    return pool, weight, bias


def inception_score(logits, shuffle):
    n = logits.shape[0]
    if shuffle:
        logits = logits[np.random.RandomState(SHUFFLE_SEED).permutation(n), :]
    x = torch.from_numpy(logits).double()
    p = x.softmax(dim=1)
    log_p = x.log_softmax(dim=1)
    scores = []
    for s in range(SPLITS):
        rows = slice(s * n // SPLITS, (s + 1) * n // SPLITS)
        marginal = p[rows].mean(dim=0, keepdim=True)
        kl = (p[rows] * (log_p[rows] - marginal.log())).sum(dim=1).mean()
        scores.append(kl.exp().item())
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores))}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    pool, weight, bias = classifier_head()
    pool_t, weight_t, bias_t = (torch.from_numpy(a) for a in (pool, weight, bias))
    unbiased = pool_t.mm(weight_t.T).numpy()
    biased = (pool_t.mm(weight_t.T) + bias_t.unsqueeze(0)).numpy()
    np.save(os.path.join(out, "is_pool.npy"), pool)
    np.save(os.path.join(out, "is_fc_weight.npy"), weight)
    np.save(os.path.join(out, "is_fc_bias.npy"), bias)
    # Permutations as float64 (the .npy reader takes floats only); 1000 rows exercise the rejection sampling more.
    np.save(os.path.join(out, "is_permutation_53.npy"), np.random.RandomState(SHUFFLE_SEED).permutation(N).astype(np.float64))
    np.save(os.path.join(out, "is_permutation_1000.npy"), np.random.RandomState(SHUFFLE_SEED).permutation(1000).astype(np.float64))
    expected = {
        "numpy": np.__version__,
        "torch": torch.__version__,
        "unbiased": inception_score(unbiased, shuffle=True),
        "biased": inception_score(biased, shuffle=True),
        "unbiased_consecutive": inception_score(unbiased, shuffle=False),
    }
    with open(os.path.join(out, "is_expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")

    # pytorch-fid statistics: mu[i] = 0.5 i - 1, sigma = A A^T + I with A[i, j] = sin(i + 2 j) (exact in the file).
    d = 5
    mu = np.arange(d, dtype=np.float64) * 0.5 - 1.0
    a = np.sin(np.arange(d)[:, None] + 2.0 * np.arange(d)[None, :])
    sigma = a @ a.T + np.eye(d)
    np.savez(os.path.join(out, "fid_stats_savez.npz"), mu=mu, sigma=sigma)
    np.savez_compressed(os.path.join(out, "fid_stats_compressed.npz"), mu=mu, sigma=sigma)
    np.save(os.path.join(out, "fid_stats_sigma.npy"), sigma)  # the same sigma alone, to compare values exactly
    np.savez(os.path.join(out, "fid_stats_no_sigma.npz"), mu=mu, cov=sigma)
    np.savez(os.path.join(out, "fid_stats_mismatched.npz"), mu=mu, sigma=sigma[:4, :4])
    write_images(out)
    print(json.dumps(expected, indent=2))


def write_images(out):
    h, w = 4, 5
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([(40 * x + 7 * y) % 256, (60 * y + 3 * x + 11) % 256, (17 * x * y + 200) % 256], -1).astype(np.uint8)
    rgba = np.concatenate([rgb, ((x * 60 + y * 5) % 256).astype(np.uint8)[..., None]], -1)
    gray = rgb[..., 0]
    files = {
        "raw.tif": (Image.fromarray(rgb), {}),
        "lzw.tif": (Image.fromarray(rgb), {"compression": "tiff_lzw"}),
        "deflate.tiff": (Image.fromarray(rgb), {"compression": "tiff_adobe_deflate"}),
        "gray.tif": (Image.fromarray(gray), {}),
        "rgba.tif": (Image.fromarray(rgba, "RGBA"), {}),
        "binary.ppm": (Image.fromarray(rgb), {}),
        "binary.pgm": (Image.fromarray(gray), {}),
    }
    for name, (image, options) in files.items():
        image.save(os.path.join(out, "image_" + name), **options)
    # Plain (ASCII) Netpbm with a comment and a maxval of 15: Pillow reads these but does not write them.
    small = (rgb // 17).astype(int)
    with open(os.path.join(out, "image_plain.ppm"), "w") as f:
        f.write(f"P3\n# written by standard_metrics_fixture.py\n{w} {h}\n15\n")
        f.write("\n".join(" ".join(str(v) for v in row.reshape(-1)) for row in small) + "\n")
    with open(os.path.join(out, "image_plain.pgm"), "w") as f:
        f.write(f"P2 {w} {h} 255\n" + "\n".join(" ".join(str(v) for v in row) for row in gray) + "\n")
    for name in list(files) + ["plain.ppm", "plain.pgm"]:
        pixels = np.asarray(Image.open(os.path.join(out, "image_" + name)).convert("RGB")).astype(np.float32)
        np.save(os.path.join(out, "image_" + name.replace(".", "_") + ".npy"), pixels)


if __name__ == "__main__":
    main()
