#!/usr/bin/env python3
"""Samples a `ddpm export` folder in PyTorch with deterministic DDIM from a given x_T, and compares with `ddpm sample --out-array`.

  ./ddpm sample --run R --sampler ddim --eta 0 --steps 10 --spacing leading --seed 0 --n 8 --save-noise x.npy --out-array ours.npy
  OMP_NUM_THREADS=1 /usr/bin/python3 tools/export_ddim.py R/export x.npy --steps 10 --out theirs.npy --compare ours.npy

Mirrors src/SharpDiffusion/Sampling/DdimSampler.cs at eta 0 with the library's defaults for a pixel model: timesteps are
DDIM's "leading" spacing (multiples of T // steps, descending; pass --spacing leading to ddpm sample so both sides agree),
alpha-bar is the cumulative product of the export's float64 betas, the network's output (eps, x0 or v, the export's
diffusion.objective) is turned into (eps, x0) in float32, x0 is clipped to [-1, 1] and eps re-derived from it, the step
after the last timestep returns x0, and the result is clamped to [-1, 1] (PixelSpace). The network is the PyTorch twin of
the export's layout (bench/pytorch_reference.load_export, strict=True). docs/interop.md shows a run and its tolerance.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import pytorch_reference as twin  # noqa: E402


def leading(steps, T):
    stride = T // steps
    return [k * stride for k in range(steps)][::-1]


def eps_and_x0(out, x, a, objective):
    s, r = math.sqrt(a), math.sqrt(1 - a)   # sqrt(alpha-bar), sqrt(1 - alpha-bar)
    if objective == "eps":
        return out, (x - r * out) / s
    if objective == "x0":
        return (x - s * out) / r, out
    return s * out + r * x, s * x - r * out   # v = s * eps - r * x0 (Salimans & Ho 2022)


@torch.no_grad()
def ddim(net, x, alphas_cumprod, timesteps, objective):
    for i, t in enumerate(timesteps):
        a = float(alphas_cumprod[t])
        a_prev = float(alphas_cumprod[timesteps[i + 1]]) if i + 1 < len(timesteps) else 1.0
        eps, _ = eps_and_x0(net(x, torch.full((x.shape[0],), t, dtype=torch.long)), x, a, objective)
        # As SamplerSteps.PredictX0 and EpsFromX0: x0 from eps, clipped, and eps re-derived from the clipped x0.
        x0 = (x * (1 / math.sqrt(a)) - eps * math.sqrt((1 - a) / a)).clamp(-1, 1)
        if i + 1 == len(timesteps):
            return x0
        eps = (x - x0 * math.sqrt(a)) * (1 / math.sqrt(1 - a))
        x = x0 * math.sqrt(a_prev) + eps * math.sqrt(1 - a_prev)
    return x


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("export", help="folder written by ddpm export (config.json + weights)")
    p.add_argument("noise", help="x_T, float32/float64 .npy [N, C, H, W] (ddpm sample --save-noise)")
    p.add_argument("--steps", type=int, required=True, help="DDIM steps, as given to ddpm sample --steps")
    p.add_argument("--out", default="theirs.npy", help="where to write PyTorch's samples (float32 .npy)")
    p.add_argument("--compare", metavar="OURS.npy", help="ddpm sample --out-array of the same x_T: print the differences")
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest |difference| accepted by --compare (exit 1 beyond)")
    args = p.parse_args()

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    net, manifest = twin.load_export(args.export)
    with open(os.path.join(args.export, "config.json")) as f:
        betas = torch.tensor(json.load(f)["betas"], dtype=torch.float64)
    alphas_cumprod = torch.cumprod(1 - betas, dim=0)
    timesteps = leading(args.steps, len(betas))
    x = torch.from_numpy(np.load(args.noise)).float()
    samples = ddim(net, x, alphas_cumprod, timesteps, manifest["diffusion"].get("objective", "eps")).clamp(-1, 1)
    np.save(args.out, samples.numpy())
    print(f"DDIM-{args.steps} (timesteps {timesteps[0]} ... {timesteps[-1]}) of {x.shape[0]} samples -> {args.out}")
    if args.compare:
        ours = torch.from_numpy(np.load(args.compare))
        d = (ours - samples).abs()
        png_levels = (((ours + 1) * 127.5).round() != ((samples + 1) * 127.5).round()).sum().item()
        print(f"max |ours - theirs| {d.max().item():.3g}, mean {d.mean().item():.3g}; "
              f"8-bit pixels that differ: {png_levels} of {ours.numel()}")
        if d.max().item() > args.tolerance:
            sys.exit(f"difference above the tolerance {args.tolerance}")


if __name__ == "__main__":
    main()
