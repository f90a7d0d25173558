"""PyTorch twin of SharpDiffusion's reference layout (model.layout "reference"): the structure of denoising-diffusion-pytorch
2.x's Unet as docs/model.md ("Reference layout") describes it, with its attribute names, so that state_dict() keys equal
those of that library's Unet and of our reference layout. Written from docs/model.md, not from the library's source.
Unconditional only (no class embedding). Works with PyTorch 1.13 (no SDPA needed) and 2.x.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MEMORY_TOKENS = 4


def sinusoidal(t, dim, theta=10000.0):
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=t.device) * (-math.log(theta) / (half - 1)))
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class SinusoidalEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        return sinusoidal(t, self.dim)


class RMSNorm(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.scale = channels ** 0.5
        self.g = nn.Parameter(torch.ones(1, channels, 1, 1))

    def forward(self, x):
        return F.normalize(x, dim=1) * self.g * self.scale


class Block(nn.Module):
    def __init__(self, cin, cout, dropout=0.0):
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = RMSNorm(cout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, scale_shift=None):
        h = self.norm(self.proj(x))
        if scale_shift is not None:
            scale, shift = scale_shift
            h = h * (scale + 1) + shift
        return self.dropout(F.silu(h))


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, emb, dropout=0.0):
        super().__init__()
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(emb, 2 * cout))
        self.block1 = Block(cin, cout, dropout)
        self.block2 = Block(cout, cout)
        self.res_conv = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        scale_shift = self.mlp(emb)[:, :, None, None].chunk(2, dim=1)
        return self.block2(self.block1(x, scale_shift)) + self.res_conv(x)


class LinearAttention(nn.Module):
    def __init__(self, channels, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        inner = heads * dim_head
        self.norm = RMSNorm(channels)
        self.mem_kv = nn.Parameter(torch.randn(2, heads, dim_head, MEMORY_TOKENS))
        self.to_qkv = nn.Conv2d(channels, 3 * inner, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(inner, channels, 1), RMSNorm(channels))

    def forward(self, x):
        b, _, h, w = x.shape
        q, k, v = self.to_qkv(self.norm(x)).reshape(b, 3, self.heads, self.dim_head, h * w).unbind(1)
        mk, mv = (m.unsqueeze(0).expand(b, -1, -1, -1) for m in self.mem_kv)
        k, v = torch.cat([mk, k], dim=-1), torch.cat([mv, v], dim=-1)
        q = q.softmax(dim=-2) * self.dim_head ** -0.5
        k = k.softmax(dim=-1)
        context = torch.einsum("bhdn,bhen->bhde", k, v)
        out = torch.einsum("bhde,bhdn->bhen", context, q).reshape(b, self.heads * self.dim_head, h, w)
        return self.to_out(out)


class Attention(nn.Module):
    def __init__(self, channels, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        inner = heads * dim_head
        self.norm = RMSNorm(channels)
        self.mem_kv = nn.Parameter(torch.randn(2, heads, MEMORY_TOKENS, dim_head))
        self.to_qkv = nn.Conv2d(channels, 3 * inner, 1, bias=False)
        self.to_out = nn.Conv2d(inner, channels, 1)

    def forward(self, x):
        b, _, h, w = x.shape
        q, k, v = self.to_qkv(self.norm(x)).reshape(b, 3, self.heads, self.dim_head, h * w).transpose(-1, -2).unbind(1)
        mk, mv = (m.unsqueeze(0).expand(b, -1, -1, -1) for m in self.mem_kv)
        k, v = torch.cat([mk, k], dim=-2), torch.cat([mv, v], dim=-2)
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.dim_head ** -0.5, dim=-1)
        out = (weights @ v).transpose(-1, -2).reshape(b, self.heads * self.dim_head, h, w)
        return self.to_out(out)


class ReferenceUnet(nn.Module):
    def __init__(self, dim, dim_mults=(1, 2, 4, 8), channels=3, res_blocks=2, heads=4, dim_head=32, full_attn=None, dropout=0.0):
        super().__init__()
        levels = len(dim_mults)
        full_attn = tuple(full_attn) if full_attn is not None else (False,) * (levels - 1) + (True,)
        dims = [dim] + [dim * m for m in dim_mults]
        emb = 4 * dim
        self.dim = dim
        self.init_conv = nn.Conv2d(channels, dim, 7, padding=3)
        self.time_mlp = nn.Sequential(SinusoidalEmbedding(dim), nn.Linear(dim, emb), nn.GELU(), nn.Linear(emb, emb))

        def attention(width, full):
            return (Attention if full else LinearAttention)(width, heads, dim_head)

        self.downs = nn.ModuleList()
        for i in range(levels):
            cin, cout = dims[i], dims[i + 1]
            last = i == levels - 1
            self.downs.append(nn.ModuleList([*(ResnetBlock(cin, cin, emb, dropout) for _ in range(res_blocks)), attention(cin, full_attn[i]),
                                             nn.Conv2d(cin, cout, 3, padding=1) if last else nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(4 * cin, cout, 1))]))
        mid = dims[-1]
        self.mid_block1 = ResnetBlock(mid, mid, emb, dropout)
        self.mid_attn = Attention(mid, heads, dim_head)
        self.mid_block2 = ResnetBlock(mid, mid, emb, dropout)
        self.ups = nn.ModuleList()
        for i in reversed(range(levels)):
            cin, cout = dims[i], dims[i + 1]
            up = nn.Conv2d(cout, cin, 3, padding=1) if i == 0 else nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cout, cin, 3, padding=1))
            self.ups.append(nn.ModuleList([*(ResnetBlock(cout + cin, cout, emb, dropout) for _ in range(res_blocks)), attention(cout, full_attn[i]), up]))
        self.final_res_block = ResnetBlock(2 * dim, dim, emb, dropout)
        self.final_conv = nn.Conv2d(dim, channels, 1)
        self.res_blocks = res_blocks

    def forward(self, x, t):
        emb = self.time_mlp(t)
        x = self.init_conv(x)
        r = x
        skips = []
        for level in self.downs:
            blocks, attn, down = level[:self.res_blocks], level[self.res_blocks], level[self.res_blocks + 1]
            for j, block in enumerate(blocks):
                x = block(x, emb)
                if j == len(blocks) - 1:
                    x = attn(x) + x
                skips.append(x)
            x = down(x)
        x = self.mid_block1(x, emb)
        x = self.mid_attn(x) + x
        x = self.mid_block2(x, emb)
        for level in self.ups:
            blocks, attn, up = level[:self.res_blocks], level[self.res_blocks], level[self.res_blocks + 1]
            for block in blocks:
                x = block(torch.cat([x, skips.pop()], dim=1), emb)
            x = attn(x) + x
            x = up(x)
        x = self.final_res_block(torch.cat([x, r], dim=1), emb)
        return self.final_conv(x)
