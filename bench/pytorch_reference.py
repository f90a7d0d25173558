#!/usr/bin/env python3
"""PyTorch twin of SharpDiffusion's default U-Net (model.layout ddpm) and training step, for side-by-side speed.

Mirrors src/SharpDiffusion/Models/{DdpmNetwork,ResnetBlock,SelfAttention,MiddleBlock,DownLevel,UpLevel,TimestepEmbedding}.cs
and Training/TrainingStep.cs: eps-objective MSE on the linear beta schedule (T = 1000), Adam (lr 1e-4, betas 0.9/0.99,
eps 1e-8), clip_grad_norm_(1.0), EMA (decay 0.995, every 10 steps). The parameter count printed here must equal the one
`ddpm bench` prints for the same --dims (docs/BENCHMARKS.md lists both).

  python3 bench/pytorch_reference.py --device cuda --dims 64,128 --precision fp32,bf16 --batch 64 [--compile] [--sample-batch 256]
  python3 bench/pytorch_reference.py --check-export runs/demo/export --out eps.npy   # eps of an exported model on probe_input
                                                                                    # (an EDM export: D(x; sigma), see check_export)

State-dict keys equal those of docs/model.md, so `ddpm export` output loads into UNet (ddpm layout) or, for the reference
layout, into pytorch_reference_unet.ReferenceUnet (and denoising-diffusion-pytorch's own Unet) with strict=True.

bf16 uses torch.autocast (PyTorch's idiom: fp32 weights, bf16 matmuls/convolutions); fp32 allows TF32 as `ddpm bench` does.
"""
import argparse
import copy
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoidal(t, dim):
    half = dim // 2
    k = torch.arange(half, dtype=torch.float32, device=t.device)
    freqs = torch.exp(k * (-math.log(10000.0) / (half - 1)))
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def group_norm(groups, channels):
    return nn.GroupNorm(groups, channels, eps=1e-5)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups, dropout):
        super().__init__()
        self.norm1 = group_norm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_proj = nn.Linear(emb, 2 * cout)
        self.norm2 = group_norm(groups, cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = None if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.time_proj(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (scale + 1) + shift
        h = self.conv2(self.dropout(F.silu(h)))
        return h + (x if self.skip is None else self.skip(x))


def attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v)
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)  # PyTorch < 2.0
    return weights @ v


class SelfAttention(nn.Module):
    def __init__(self, channels, heads, head_dim, groups):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        inner = heads * head_dim
        self.norm = group_norm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * inner, 1, bias=False)
        self.proj = nn.Conv2d(inner, channels, 1)

    def forward(self, x):
        b, _, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(b, 3, self.heads, self.head_dim, h * w).permute(1, 0, 2, 4, 3)
        out = attention(qkv[0].contiguous(), qkv[1].contiguous(), qkv[2].contiguous())
        return x + self.proj(out.permute(0, 1, 3, 2).reshape(b, self.heads * self.head_dim, h, w))


class UNet(nn.Module):
    def __init__(self, dim=64, dim_mults=(1, 2, 4, 8), res_blocks=2, attention_resolutions=(16,), heads=4, head_dim=32,
                 groups=8, dropout=0.0, channels=3, image_size=64):
        super().__init__()
        self.dim = dim
        emb = 4 * dim
        self.init_conv = nn.Conv2d(channels, dim, 3, padding=1)
        self.time_mlp = nn.Sequential(nn.Linear(dim, emb), nn.SiLU(), nn.Linear(emb, emb))
        skips, current = [dim], dim
        self.downs = nn.ModuleList()
        for level, mult in enumerate(dim_mults):
            width, attend = dim * mult, (image_size >> level) in attention_resolutions
            blocks, attns = nn.ModuleList(), nn.ModuleList()
            for _ in range(res_blocks):
                blocks.append(ResnetBlock(current, width, emb, groups, dropout))
                if attend:
                    attns.append(SelfAttention(width, heads, head_dim, groups))
                current = width
                skips.append(current)
            down = None
            if level < len(dim_mults) - 1:
                down = nn.Conv2d(current, current, 3, stride=2, padding=1)
                skips.append(current)
            self.downs.append(nn.ModuleDict({"blocks": blocks, "attns": attns, **({"downsample": down} if down else {})}))
        self.mid = nn.ModuleDict({"block1": ResnetBlock(current, current, emb, groups, dropout),
                                  "attn": SelfAttention(current, heads, head_dim, groups),
                                  "block2": ResnetBlock(current, current, emb, groups, dropout)})
        self.ups = nn.ModuleList()
        for level in reversed(range(len(dim_mults))):
            width, attend = dim * dim_mults[level], (image_size >> level) in attention_resolutions
            blocks, attns = nn.ModuleList(), nn.ModuleList()
            for _ in range(res_blocks + 1):
                blocks.append(ResnetBlock(current + skips.pop(), width, emb, groups, dropout))
                if attend:
                    attns.append(SelfAttention(width, heads, head_dim, groups))
                current = width
            up = nn.Conv2d(current, current, 3, padding=1) if level > 0 else None
            self.ups.append(nn.ModuleDict({"blocks": blocks, "attns": attns, **({"upsample": up} if up else {})}))
        self.final_norm = group_norm(groups, current)
        self.final_conv = nn.Conv2d(current, channels, 3, padding=1)

    def forward(self, x, t):
        emb = self.time_mlp(sinusoidal(t, self.dim).to(x.dtype))
        h = self.init_conv(x)
        skips = [h]
        for level in self.downs:
            for i, block in enumerate(level["blocks"]):
                h = block(h, emb)
                if len(level["attns"]):
                    h = level["attns"][i](h)
                skips.append(h)
            if "downsample" in level:
                h = level["downsample"](h)
                skips.append(h)
        h = self.mid["block2"](self.mid["attn"](self.mid["block1"](h, emb)), emb)
        for level in self.ups:
            for i, block in enumerate(level["blocks"]):
                h = block(torch.cat([h, skips.pop()], dim=1), emb)
                if len(level["attns"]):
                    h = level["attns"][i](h)
            if "upsample" in level:
                h = level["upsample"](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.final_conv(F.silu(self.final_norm(h)))


def probe_input(batch, channels, size, timesteps):
    """The fixed input of the export checks (tests/.../Interop/ExportTwinTests.cs computes the same):
    x[b, c, h, w] = sin(0.37 * (1 + 7b + 5c + 3h + w)), t_b = b * (T - 1) // (batch - 1)."""
    b, c, h, w = torch.meshgrid(*(torch.arange(n, dtype=torch.float64) for n in (batch, channels, size, size)), indexing="ij")
    x = torch.sin(0.37 * (1 + 7 * b + 5 * c + 3 * h + w)).float()
    t = torch.tensor([i * (timesteps - 1) // max(batch - 1, 1) for i in range(batch)], dtype=torch.long)
    return x, t


SAFETENSORS_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    """A safetensors file (8-byte little-endian header length, JSON header, raw little-endian data), without the package."""
    import json
    import struct
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data, out = raw[8 + length:], {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=SAFETENSORS_DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    import json
    import struct
    names = {v: k for k, v in SAFETENSORS_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        blob = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def load_export(folder):
    """The network of a `ddpm export` folder (config.json + weights), loaded with strict=True."""
    import json
    import os
    with open(os.path.join(folder, "config.json")) as f:
        manifest = json.load(f)
    m, size = manifest["model"], manifest["image_size"]
    if m.get("class_conditional"):
        raise SystemExit("the twins are unconditional; export an unconditional run")
    if m["layout"] == "reference":
        from pytorch_reference_unet import ReferenceUnet
        net = ReferenceUnet(m["dim"], tuple(m["dim_mults"]), manifest["channels"], m["res_blocks"], m["heads"], m["head_dim"],
                            [(size >> i) in m["attention_resolutions"] for i in range(len(m["dim_mults"]))])
    else:
        net = UNet(m["dim"], tuple(m["dim_mults"]), m["res_blocks"], tuple(m["attention_resolutions"]), m["heads"], m["head_dim"],
                   m["groups"], 0.0, manifest["channels"], size)
    path = os.path.join(folder, manifest["weights_file"])
    state = read_safetensors(path) if path.endswith(".safetensors") else torch.load(path, map_location="cpu")
    net.load_state_dict(state, strict=True)
    return net.eval(), manifest


# EDM's preconditioning (Karras et al. 2022, Table 1) as an EDM export's config.json states it; check_export implements
# exactly these formulas and refuses a manifest that states others.
EDM_PRECONDITIONING = {
    "kind": "edm",
    "x": "x = x0 + sigma * n, n ~ N(0, I), x0 in input_range",
    "denoiser": "D(x; sigma) = c_skip * x + c_out * F(c_in * x, c_noise)",
    "c_skip": "sigma_data^2 / (sigma^2 + sigma_data^2)",
    "c_out": "sigma * sigma_data / sqrt(sigma^2 + sigma_data^2)",
    "c_in": "1 / sqrt(sigma^2 + sigma_data^2)",
    "c_noise": "ln(sigma) / 4",
    "network_time_input": "c_noise",
}


def edm_probe_sigmas(batch, sigma_min, sigma_max):
    """The noise levels of the EDM export check: log-uniform from sigma_min to sigma_max, sigma_b = sigma_min *
    (sigma_max / sigma_min) ** (b / (batch - 1)), float64 (batch 3 with the defaults: 0.002, 0.4, 80)."""
    return torch.tensor([sigma_min * (sigma_max / sigma_min) ** (b / max(batch - 1, 1)) for b in range(batch)], dtype=torch.float64)


def edm_denoise(net, x, sigma, sigma_data):
    """D(x; sigma) = c_skip * x + c_out * F(c_in * x, c_noise) for x = x0 + sigma * n [B, C, H, W] and sigma [B] (Karras et al.
    2022, eq. 7 and Table 1): coefficients in float64, the network in float32."""
    total = sigma ** 2 + sigma_data ** 2
    c_skip, c_out, c_in = sigma_data ** 2 / total, sigma * sigma_data / total.sqrt(), 1 / total.sqrt()
    c_noise = sigma.log() / 4
    per = lambda c: c[:, None, None, None]
    output = net((per(c_in) * x.double()).float(), c_noise.float()).double()
    return (per(c_skip) * x.double() + per(c_out) * output).float()


def check_export(folder, out, batch=3):
    """DDPM export: eps on probe_input. EDM export: D(x; sigma) with x the probe pattern read as x_sigma and sigma from
    edm_probe_sigmas(batch, diffusion.edm.sigma_min, diffusion.edm.sigma_max), by the manifest's stated preconditioning."""
    import numpy as np
    net, manifest = load_export(folder)
    diffusion = manifest["diffusion"]
    if diffusion.get("formulation", "ddpm") == "edm":
        stated = manifest.get("preconditioning") or {}
        differing = sorted(k for k in EDM_PRECONDITIONING if stated.get(k) != EDM_PRECONDITIONING[k])
        if differing:
            raise SystemExit(f"{folder}/config.json states a preconditioning this twin does not implement (keys {', '.join(differing)})")
        x, _ = probe_input(batch, manifest["channels"], manifest["image_size"], 2)
        sigma = edm_probe_sigmas(batch, diffusion["edm"]["sigma_min"], diffusion["edm"]["sigma_max"])
        with torch.no_grad():
            np.save(out, edm_denoise(net, x, sigma, stated["sigma_data"]).numpy())
        print(f"D of {folder} (edm, sigma_data {stated['sigma_data']}) at sigma {sigma.tolist()} on probe_input({batch}) written to {out}")
        return
    x, t = probe_input(batch, manifest["channels"], manifest["image_size"], diffusion["timesteps"])
    with torch.no_grad():
        np.save(out, net(x, t).numpy())
    print(f"eps of {folder} ({manifest['model']['layout']} layout) on probe_input({batch}) written to {out}")


def linear_alphas_cumprod(timesteps=1000, beta_start=1e-4, beta_end=0.02):
    betas = torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64)
    return torch.cumprod(1 - betas, dim=0).float()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_training(dim, batch, precision, device, warmup, repeats, compile_model, image_size=64):
    torch.manual_seed(0)
    model = UNet(dim=dim, image_size=image_size).to(device)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    ema = copy.deepcopy(model).requires_grad_(False)
    net = torch.compile(model) if compile_model else model
    fused = device.type == "cuda"
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.99), eps=1e-8, **({"fused": True} if fused and compile_model else {}))
    ab = linear_alphas_cumprod().to(device)
    x0 = torch.rand(batch, 3, image_size, image_size, device=device) * 2 - 1
    use_bf16 = precision == "bf16"
    ema_params, model_params = list(ema.parameters()), list(model.parameters())
    times = []
    for step in range(1, warmup + repeats + 1):
        sync(device)
        start = time.perf_counter()
        t = torch.randint(0, ab.numel(), (batch,), device=device)
        noise = torch.randn_like(x0)
        a = ab[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            pred = net(xt, t)
        loss = F.mse_loss(pred.float(), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 10 == 0:
            with torch.no_grad():
                torch._foreach_lerp_(ema_params, model_params, 1 - 0.995) if hasattr(torch, "_foreach_lerp_") else \
                    [e.lerp_(p, 1 - 0.995) for e, p in zip(ema_params, model_params)]
        sync(device)
        if step > warmup:
            times.append((time.perf_counter() - start) * 1000)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else float("nan")
    return params, statistics.median(times), min(times), peak


@torch.no_grad()
def time_sampling(dim, batch, precision, device, steps=50, image_size=64, compile_model=False):
    """DDIM (eta 0, leading spacing) with the eps model: images/s for one batch, after one warm-up batch."""
    torch.manual_seed(0)
    model = UNet(dim=dim, image_size=image_size).to(device).eval()
    net = torch.compile(model) if compile_model else model
    ab = linear_alphas_cumprod().to(device)
    ts = list(range(0, 1000, 1000 // steps))[::-1]
    use_bf16 = precision == "bf16"

    def run():
        x = torch.randn(batch, 3, image_size, image_size, device=device)
        for i, t in enumerate(ts):
            a_t = ab[t]
            a_prev = ab[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0, device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                eps = net(x, torch.full((batch,), t, device=device, dtype=torch.long)).float()
            x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
            x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        return x

    run()
    sync(device)
    start = time.perf_counter()
    run()
    sync(device)
    seconds = time.perf_counter() - start
    return batch / seconds, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dims", default="64")
    p.add_argument("--precision", default="fp32", help="comma-separated: fp32, bf16")
    p.add_argument("--batch", type=int, default=None, help="default: 64 on CUDA, 8 on the CPU")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--compile", action="store_true", help="also time torch.compile (skipped if this PyTorch has none)")
    p.add_argument("--sample-batch", type=int, default=0, help="also time DDIM-50 sampling at this batch size")
    p.add_argument("--params-only", action="store_true", help="print parameter counts and exit")
    p.add_argument("--check-export", metavar="DIR", help="load a `ddpm export` folder and write its eps (EDM: D(x; sigma)) on probe_input to --out")
    p.add_argument("--out", default="eps.npy", help="output .npy of --check-export")
    args = p.parse_args()
    if args.check_export:
        check_export(args.check_export, args.out)
        return
    device = torch.device(args.device)
    dims = [int(d) for d in args.dims.split(",")]
    if args.params_only:
        for dim in dims:
            print(f"dim {dim}: {sum(q.numel() for q in UNet(dim=dim).parameters()):,} parameters")
        return
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    batch = args.batch or (64 if device.type == "cuda" else 8)
    modes = ["eager"] + (["compile"] if args.compile and hasattr(torch, "compile") else [])
    if args.compile and not hasattr(torch, "compile"):
        print(f"torch.compile not available in PyTorch {torch.__version__}: eager only")
    print(f"PyTorch {torch.__version__}, device {device}" + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else "")
          + f", batch {batch}, 64x64, warm-up {args.warmup}, median of {args.repeats}")
    print("| side | dim | parameters | precision | mode | ms/step (median) | ms/step (min) | images/s | peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dim in dims:
        for precision in args.precision.split(","):
            for mode in modes:
                params, median, best, peak = time_training(dim, batch, precision, device, args.warmup, args.repeats, mode == "compile")
                print(f"| pytorch | {dim} | {params:,} | {precision} | {mode} | {median:.1f} | {best:.1f} | {batch * 1000 / median:.1f} | {peak:.0f} |", flush=True)
    if args.sample_batch:
        print("| side | dim | precision | mode | DDIM-50 batch | images/s | s/batch |")
        print("|---|---|---|---|---|---|---|")
        for dim in dims:
            for precision in args.precision.split(","):
                for mode in modes:
                    ips, seconds = time_sampling(dim, args.sample_batch, precision, device, compile_model=mode == "compile")
                    print(f"| pytorch | {dim} | {precision} | {mode} | {args.sample_batch} | {ips:.1f} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
