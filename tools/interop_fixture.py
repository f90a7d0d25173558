#!/usr/bin/env python3
"""Writes the PyTorch interop fixtures of tests/SharpDiffusion.Tests/Interop/Fixtures (see its README.md):

  OMP_NUM_THREADS=2 /usr/bin/python3 tools/interop_fixture.py tests/SharpDiffusion.Tests/Interop/Fixtures

1. ddp-trainer/model-1234.pt: a checkpoint laid out as denoising-diffusion-pytorch 2.x's Trainer.save writes it (a dict with
   step, model, opt, ema, scaler, version; GaussianDiffusion buffers; ema-pytorch's EMA state with online_model/ema_model),
   made from the tiny twin bench/pytorch_reference_unet.ReferenceUnet (the library itself is not installed here), plus what
   its EMA weights give in PyTorch: eps on probe_input, and deterministic DDIM samples from a stored x_T.
2. ddpm-export/: a `ddpm export` folder (config.json + model.safetensors) of the tiny ddpm-layout twin
   bench/pytorch_reference.UNet, plus its eps on probe_input.
"""
import copy
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import pytorch_reference as twin  # noqa: E402
from pytorch_reference_unet import ReferenceUnet  # noqa: E402

T = 100                 # diffusion steps of both fixtures (few, so the buffers stay small)
# Widths: every convolution input is 8, 16 or 32 channels. oneDNN in libtorch 2.10 computed float32 3x3 convolutions
# wrongly on AVX-512 (Zen 4) CPUs for batches > 1 with 20-28 or 40 input channels (fixed on main by OneDnnIsaLimit) (e.g. a dim-8 U-Net's 16 + 8 concatenations); see
# docs/interop.md. These fixtures compare against PyTorch, so they stay off those widths.
SIZE, CHANNELS = 8, 1   # 8x8 grayscale
STEP = 1234
DDIM_STEPS = 5


def sigmoid_betas(timesteps, start=-3.0, end=3.0, tau=1.0):
    """denoising-diffusion-pytorch 2.x sigmoid_beta_schedule, float64 (the formula of docs/model.md / BetaSchedules.Sigmoid)."""
    t = torch.linspace(0, timesteps, timesteps + 1, dtype=torch.float64) / timesteps
    v_start, v_end = torch.tensor(start / tau).sigmoid(), torch.tensor(end / tau).sigmoid()
    ac = (-((t * (end - start) + start) / tau).sigmoid() + v_end) / (v_end - v_start)
    ac = ac / ac[0]
    return torch.clip(1 - ac[1:] / ac[:-1], 0, 0.999)


def gaussian_diffusion_buffers(betas, objective):
    """The persistent buffers GaussianDiffusion registers (float32), without min-SNR weighting."""
    alphas = 1 - betas
    ac = torch.cumprod(alphas, dim=0)
    ac_prev = torch.cat([torch.ones(1, dtype=torch.float64), ac[:-1]])
    posterior_variance = betas * (1 - ac_prev) / (1 - ac)
    snr = ac / (1 - ac)
    loss_weight = {"pred_noise": snr / snr, "pred_x0": snr, "pred_v": snr / (snr + 1)}[objective]
    buffers = OrderedDict([
        ("betas", betas), ("alphas_cumprod", ac), ("alphas_cumprod_prev", ac_prev),
        ("sqrt_alphas_cumprod", ac.sqrt()), ("sqrt_one_minus_alphas_cumprod", (1 - ac).sqrt()),
        ("log_one_minus_alphas_cumprod", (1 - ac).log()), ("sqrt_recip_alphas_cumprod", (1 / ac).sqrt()),
        ("sqrt_recipm1_alphas_cumprod", (1 / ac - 1).sqrt()), ("posterior_variance", posterior_variance),
        ("posterior_log_variance_clipped", posterior_variance.clamp(min=1e-20).log()),
        ("posterior_mean_coef1", betas * ac_prev.sqrt() / (1 - ac)), ("posterior_mean_coef2", (1 - ac_prev) * alphas.sqrt() / (1 - ac)),
        ("loss_weight", loss_weight),
    ])
    return OrderedDict((k, v.float()) for k, v in buffers.items())


@torch.no_grad()
def ddim_v(net, x, alphas_cumprod, timesteps):
    """DDIM, eta 0, for a v-prediction network, clipping x0 to [-1, 1] and re-deriving eps (as the library's ddim_sample)."""
    for i, t in enumerate(timesteps):
        a = float(alphas_cumprod[t])
        a_prev = float(alphas_cumprod[timesteps[i + 1]]) if i + 1 < len(timesteps) else 1.0
        v = net(x, torch.full((x.shape[0],), t, dtype=torch.long))
        x0 = (math.sqrt(a) * x - math.sqrt(1 - a) * v).clamp(-1, 1)
        eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
        x = x0 if a_prev == 1.0 else math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
    return x


def trainer_fixture(folder):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    raw = ReferenceUnet(8, (1, 1), CHANNELS, 2, 2, 4, (False, True)).eval()
    ema = copy.deepcopy(raw)
    with torch.no_grad():
        for p in ema.parameters():   # the averaged weights differ from the trained ones, so the test sees which were used
            p.add_(0.05 * torch.randn_like(p))
    betas = sigmoid_betas(T)
    buffers = gaussian_diffusion_buffers(betas, "pred_v")

    model_state = OrderedDict([("model." + k, v) for k, v in raw.state_dict().items()] + list(buffers.items()))
    ema_state = OrderedDict([("initted", torch.tensor(True)), ("step", torch.tensor(STEP))])
    ema_state.update(("online_model." + k, v) for k, v in model_state.items())   # the same tensors: stored once
    ema_state.update(("ema_model.model." + k, v) for k, v in ema.state_dict().items())
    ema_state.update(("ema_model." + k, v.clone()) for k, v in buffers.items())
    n_params = len(list(raw.parameters()))
    # Adam's moments are not imported; an empty state keeps the fixture small (param_groups as Adam writes them).
    opt = {"state": {}, "param_groups": [{"lr": 8e-5, "betas": (0.9, 0.99), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                                          "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
                                          "fused": None, "params": list(range(n_params))}]}
    checkpoint = {"step": STEP, "model": model_state, "opt": opt, "ema": ema_state, "scaler": None, "version": "2.2.5"}
    torch.save(checkpoint, os.path.join(folder, f"model-{STEP}.pt"))

    x, t = twin.probe_input(3, CHANNELS, SIZE, T)
    with torch.no_grad():
        np.save(os.path.join(folder, "ema_output_probe.npy"), ema(x, t).numpy())
    generator = torch.Generator().manual_seed(1)
    x_t = torch.randn(2, CHANNELS, SIZE, SIZE, generator=generator)
    timesteps = list(range(0, T, T // DDIM_STEPS))[::-1]   # "leading" spacing: 80, 60, 40, 20, 0
    ac = torch.cumprod(1 - betas, dim=0)
    np.save(os.path.join(folder, "x_T.npy"), x_t.numpy())
    np.save(os.path.join(folder, "ddim5_samples.npy"), ddim_v(ema, x_t, ac, timesteps).numpy())
    print(f"{folder}: {sum(p.numel() for p in raw.parameters()):,} parameters, DDIM timesteps {timesteps}")


def ddpm_export_fixture(folder):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    net = twin.UNet(dim=8, dim_mults=(1, 1), res_blocks=1, attention_resolutions=(4,), heads=2, head_dim=4, groups=4,
                    channels=CHANNELS, image_size=SIZE).eval()
    with torch.no_grad():   # GroupNorm starts at 1/0; move it off so the test sees the affine parameters used
        for name, p in net.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    twin.write_safetensors(os.path.join(folder, "model.safetensors"), net.state_dict())
    betas = torch.linspace(1e-3 * 1000 / T / 10, 0.2, T, dtype=torch.float64)
    manifest = {
        "format": "sharpdiffusion-export", "format_version": 1, "weights_file": "model.safetensors", "weights": "ema", "step": 0,
        "channels": CHANNELS, "image_size": SIZE, "class_names": [], "input_range": [-1, 1],
        "model": {"layout": "ddpm", "dim": 8, "dim_mults": [1, 1], "res_blocks": 1, "attention_resolutions": [4], "heads": 2,
                  "head_dim": 4, "groups": 4, "dropout": 0, "class_conditional": False, "num_classes": 0, "class_dropout": 0.1},
        "diffusion": {"timesteps": T, "schedule": "linear", "beta_start": float(betas[0]), "beta_end": 0.2, "objective": "eps", "min_snr_gamma": 0},
        "betas": betas.tolist(), "denoising_diffusion_pytorch_unet": None,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    x, t = twin.probe_input(3, CHANNELS, SIZE, T)
    with torch.no_grad():
        np.save(os.path.join(folder, "..", "ddpm_export_eps_probe.npy"), net(x, t).numpy())
    print(f"{folder}: {sum(p.numel() for p in net.parameters()):,} parameters")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/SharpDiffusion.Tests/Interop/Fixtures"
    trainer_fixture(os.path.join(out, "ddp-trainer"))
    ddpm_export_fixture(os.path.join(out, "ddpm-export"))


if __name__ == "__main__":
    main()
