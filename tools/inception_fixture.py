#!/usr/bin/python3
"""Reference outputs for the TorchSharp port of pytorch-fid's InceptionV3 and for the TorchScript extractor.

Builds the FID Inception (pytorch-fid's design: torchvision's Inception3 with 1008 classes, no aux head, and the FID
variants of blocks A/C/E) in PyTorch, fills every tensor of its state dict with weights from a fixed formula (see
formula_tensor; the C# test regenerates the same numbers), runs a fixed input through pytorch-fid's input handling
and records the pool3 features and logits. Also writes two tiny TorchScript feature networks and their outputs, and a
small state dict in PyTorch's pre-1.6 (legacy, non-zip) format for the legacy reader.

Usage (Debian 12: apt-get install python3-torch python3-torchvision):
    /usr/bin/python3 tools/inception_fixture.py tests/SharpDiffusion.Tests/Evaluation/Fixtures [--write-pth FILE] [--write-legacy-pth FILE]
--write-pth also saves the full formula-weight state dict (~95 MB, pytorch-fid key layout) for benchmarks;
--write-legacy-pth FILE saves it in the legacy (pre-1.6) format, like pytorch-fid's release asset.
"""
import json
import math
from collections import OrderedDict
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import inception as tv

MASK = (1 << 64) - 1


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def uniform_pm1(key, n):
    """n values in [-1, 1): one SplitMix64 finalisation of (fnv1a64(key) xor i * 0xD1B54A32D192ED03), top 53 bits."""
    i = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(key)) ^ (i * np.uint64(0xD1B54A32D192ED03))
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    return 2.0 * u - 1.0


def formula_tensor(key, shape):
    """Deterministic weights: He-scaled uniform for convolutions, near-identity batch norm (computed in float64)."""
    n = int(np.prod(shape)) if len(shape) > 0 else 1
    if key.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=torch.int64)
    v = uniform_pm1(key, n)
    if key.endswith("bn.weight") or key.endswith("bn.running_var"):
        v = 1.0 + 0.1 * v
    elif key.endswith(".bias") or key.endswith("running_mean"):
        v = 0.1 * v
    elif key.endswith(".weight"):
        fan_in = int(np.prod(shape[1:]))
        gain = 6.0 if key.endswith("conv.weight") else 3.0  # uniform std 1/sqrt(3): He (2/fan_in) for ReLU convs, 1/fan_in for fc
        v = v * math.sqrt(gain / fan_in)
    else:
        raise ValueError(key)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


class FIDInceptionA(tv.InceptionA):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        d3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, d3, bp], 1)


class FIDInceptionC(tv.InceptionC):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d7 = self.branch7x7dbl_1(x)
        d7 = self.branch7x7dbl_5(self.branch7x7dbl_4(self.branch7x7dbl_3(self.branch7x7dbl_2(d7))))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, d7, bp], 1)


class FIDInceptionE(tv.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d3 = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d3 = torch.cat([self.branch3x3dbl_3a(d3), self.branch3x3dbl_3b(d3)], 1)
        if self.max_pool:
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([b1, b3, d3, self.branch_pool(pooled)], 1)


def fid_inception_v3():
    net = tv.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    net.Mixed_5b = FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = FIDInceptionE(1280, max_pool=False)
    net.Mixed_7c = FIDInceptionE(2048, max_pool=True)
    return net.eval()


def pool3_and_logits(net, images_uint8):
    """pytorch-fid's InceptionV3 input handling and blocks, plus the 1008-way fc on pool3."""
    x = images_uint8.to(torch.float32) / 255.0
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = 2 * x - 1
    for name in ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"]:
        x = getattr(net, name)(x)
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, kernel_size=3, stride=2)
    for name in ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
                 "Mixed_7a", "Mixed_7b", "Mixed_7c"]:
        x = getattr(net, name)(x)
    pool3 = F.adaptive_avg_pool2d(x, 1).flatten(1)
    return pool3, net.fc(pool3)


def fixture_images():
    """Two 3×32×48 uint8 images: v = (97 n + 31 c + 13 y + 7 x + (x·y mod 11)) mod 256."""
    n, c, y, x = np.meshgrid(np.arange(2), np.arange(3), np.arange(32), np.arange(48), indexing="ij")
    return torch.from_numpy(((97 * n + 31 * c + 13 * y + 7 * x + (x * y) % 11) % 256).astype(np.uint8))


class TinyFeatures(nn.Module):
    """Float RGB 0–255 in; resize to 32, conv, ReLU, global average pool; features (and logits)."""

    def __init__(self, with_logits: bool):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2)
        self.fc = nn.Linear(8, 5)
        self.with_logits = with_logits

    def features(self, x):
        x = F.interpolate(x / 255.0, size=(32, 32), mode="bilinear", align_corners=False)
        return F.adaptive_avg_pool2d(torch.relu(self.conv(2 * x - 1)), 1).flatten(1)

    def forward(self, x):
        return self.features(x)


class TinyFeaturesLogits(TinyFeatures):
    def forward(self, x):
        f = self.features(x)
        return f, self.fc(f)


def fill(module):
    with torch.no_grad():
        for key, t in module.state_dict().items():
            t.copy_(formula_tensor(key, tuple(t.shape)))


def legacy_fixture_state():
    """A small state dict for the legacy-format reader, every value exact in binary: a plain tensor, three tensors on
    one storage (the whole 3×4 matrix, its row 1 at storage offset 4, and a transposed slice with strides (1, 4) at
    offset 1), a float64 tensor, a 0-d int64 num_batches_tracked and an empty tensor; `_metadata` as a state_dict has."""
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1.25
    state = OrderedDict()
    state["plain.weight"] = torch.tensor([[1.5, -2.25, 3.0], [0.125, 4.0, -0.5]])
    state["shared.full"] = base
    state["shared.row"] = base[1]
    state["shared.columns"] = base.t()[1:3]
    state["double.values"] = torch.tensor([0.1, -2.0, 1e300], dtype=torch.float64)
    state["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    state["empty.bias"] = torch.zeros(0)
    state._metadata = OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    return state


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    net = fid_inception_v3()
    fill(net)
    images = fixture_images()
    with torch.no_grad():
        pool3, logits = pool3_and_logits(net, images)
    np.save(os.path.join(out, "inception_input.npy"), images.numpy().astype(np.float32))
    np.save(os.path.join(out, "inception_pool3.npy"), pool3.numpy())
    np.save(os.path.join(out, "inception_logits.npy"), logits.numpy())
    keys = [[k, list(t.shape)] for k, t in net.state_dict().items()]
    with open(os.path.join(out, "inception_state_dict_keys.json"), "w") as f:
        json.dump({"torch": torch.__version__, "keys": keys}, f, separators=(",", ":"))
    print("pool3 mean %.4f std %.4f max %.4f; logits std %.4f" % (pool3.mean(), pool3.std(), pool3.max(), logits.std()))

    tiny_input = images.to(torch.float32)
    for name, cls in [("tiny_features.pt", TinyFeatures), ("tiny_features_logits.pt", TinyFeaturesLogits)]:
        m = cls(with_logits=cls is TinyFeaturesLogits).eval()
        fill(m)
        scripted = torch.jit.script(m)
        scripted.save(os.path.join(out, name))
        with torch.no_grad():
            result = scripted(tiny_input)
        feats, lg = (result if isinstance(result, tuple) else (result, None))
        np.save(os.path.join(out, name.replace(".pt", "_features.npy")), feats.numpy())
        if lg is not None:
            np.save(os.path.join(out, name.replace(".pt", "_logits.npy")), lg.numpy())

    torch.save(legacy_fixture_state(), os.path.join(out, "legacy_state_dict.pth"), _use_new_zipfile_serialization=False)

    if "--write-pth" in sys.argv:
        path = sys.argv[sys.argv.index("--write-pth") + 1]
        torch.save(net.state_dict(), path)
        print("wrote", path)
    if "--write-legacy-pth" in sys.argv:
        path = sys.argv[sys.argv.index("--write-legacy-pth") + 1]
        torch.save(net.state_dict(), path, _use_new_zipfile_serialization=False)
        print("wrote", path)


if __name__ == "__main__":
    main()
