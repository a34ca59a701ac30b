"""Held-out LLaVA-NeXT checkpoints: make_golden.py with other shapes, image_grid_pinpoints and image sizes, each
sample run through `jobs/sinkscope inspect` and compared with transformers' tensors within the manifest tolerances.

    /work/venv-golden/bin/python src/test/python/llava_next_golden/held_out.py --out /tmp/held-out [gqa mqa mha]

Writes /tmp/held-out/<variant>/ (the generator's layout; nothing is committed), assembles a llama and a mistral
checkpoint there (tokenizer.json from llava-tiny-a), runs inspect per sample and prints one line per sample: the
largest difference per tensor, FAIL past tolerance, == / DIFF for ids, sizes, greedy tokens and the panel of every
image position (base, mosaic, newline). Exit 1 when anything differs.
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_golden as g  # noqa: E402

BASE = dict(TEXT=dict(g.TEXT), VISION=dict(g.VISION), IMAGES=list(g.IMAGES))

# variant -> (text overrides, vision overrides, (tile size, patch), pinpoints (h, w), image sizes (w, h))
VARIANTS = {
    # hidden 64, 8 heads over 2 kv heads, 3 layers; a 1x1 canvas and 3x3 ones; a 2-row mosaic
    "gqa": (dict(hidden=64, layers=3, heads=8, kv_heads=2, intermediate=172), dict(hidden=48, heads=3, intermediate=96),
            (56, 14), [[56, 56], [56, 112], [112, 56], [112, 112], [112, 168], [168, 112], [168, 168]],
            [(150, 100), (100, 250), (333, 77), (40, 41), (170, 170)]),
    # hidden 48, 2 heads over 1 kv head; patch 8 (7x7 per tile); 1x4 and 4x1 canvases
    "mqa": (dict(hidden=48, layers=2, heads=2, kv_heads=1, intermediate=128), dict(hidden=32, heads=4, layers=3),
            (56, 8), [[56, 224], [224, 56], [112, 112], [56, 112]],
            [(400, 90), (77, 300), (64, 64), (121, 57), (90, 121)]),
    # hidden 96, 6 heads, no GQA, 5 layers; 2x2 to 3x3 canvases; 20x15 and 1000x999 images
    "mha": (dict(hidden=96, layers=5, heads=6, kv_heads=6, intermediate=200), {}, (56, 14),
            [[112, 112], [168, 168], [112, 224], [224, 112]],
            [(20, 15), (1000, 999), (45, 200), (201, 44), (60, 61)]),
}

# inspect's tensor -> the manifest's
PAIRS = [("pixel_values", "pixel_values"), ("image_sizes", "image_sizes"), ("input_ids", "input_ids"),
         ("image_features", "image_features.packed"), ("hidden_states", "decoder.hidden_states"),
         ("attentions", "decoder.attentions"), ("logits_last", "logits.last"), ("generated_ids", "generate.tokens")]


def make(variant, out):
    text, vision, (size, patch), pinpoints, sizes = VARIANTS[variant]
    g.TEXT = dict(BASE["TEXT"], **text)
    g.VISION = dict(BASE["VISION"], **vision)
    g.SIZE, g.PATCH = size, patch
    g.GRID = size // patch
    g.PINPOINTS = pinpoints
    g.REQUIRE_TILE_SINKS = False
    g.IMAGES = [dict(BASE["IMAGES"][i], name=f"image{i}_{w}x{h}.png", size=(w, h), note=f"{w}x{h}") for i, (w, h) in enumerate(sizes)]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    g.generate(argparse.Namespace(out=str(out), tokenizer_dir=str(g.TOKENIZER_FROM)))
    for dec in ("llama", "mistral"):
        ckpt = out / f"ckpt-{dec}"
        ckpt.mkdir(exist_ok=True)
        for f in out.iterdir():
            if f.is_file():
                shutil.copy(f, ckpt / f.name)
        if dec == "mistral":
            shutil.copy(out / "mistral" / "config.json", ckpt / "config.json")
        shutil.copy(Path(g.TOKENIZER_FROM) / "tokenizer.json", ckpt / "tokenizer.json")


def check(out):
    manifest = json.loads((out / "manifest.json").read_text())
    bad = 0
    for s in manifest["samples"]:
        got_file = out / "inspect" / f"{s['id']}.safetensors"
        got_file.parent.mkdir(exist_ok=True)
        r = subprocess.run([str(g.REPO / "jobs" / "sinkscope"), "inspect", "--model", str(out / f"ckpt-{s['decoder']}"),
                            "--image", str(out / s["image_file"]), "--prompt", s["prompt"], "--max-new-tokens", "8",
                            "--out", str(got_file)], capture_output=True, text=True)
        if r.returncode != 0:
            print(s["id"], "inspect failed:", r.stderr.strip().splitlines()[-1:])
            bad += 1
            continue
        got = load_file(str(got_file))
        gold = load_file(str(out / s["tensors_file"]))
        tol = {t["name"]: t["tolerance"] for t in s["tensors"]}
        line = []
        for a, b in PAIRS:
            x, y = got[a], gold[b]
            if tuple(x.shape) != tuple(y.shape):
                line.append(f"{a} SHAPE {tuple(x.shape)} vs {tuple(y.shape)}")
                bad += 1
            elif not x.is_floating_point():
                ok = torch.equal(x.long(), y.long())
                line.append(f"{a} {'==' if ok else 'DIFF'}")
                bad += not ok
            else:
                d = (x.double() - y.double()).abs()
                ok = bool((d <= tol[b]["atol"] + tol[b]["rtol"] * y.double().abs()).all())
                line.append(f"{a} {d.max().item():.1e}{'' if ok else ' FAIL'}")
                bad += not ok
        # inspect: 0 base, 1 mosaic, -1 newline; the manifest: 0, 1, 2
        ok = [-1 if k == 2 else k for k in gold["image_features.kind"].tolist()] == got["image_token_panel"].tolist()
        line.append("panels " + ("==" if ok else "DIFF"))
        bad += not ok
        print(out.name, s["id"], f"{s['image_size_wh'][0]}x{s['image_size_wh'][1]}", "unpadded", s["unpadded_grid_hw"], "|", " | ".join(line))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="a directory outside the repository")
    ap.add_argument("variants", nargs="*", default=list(VARIANTS))
    args = ap.parse_args()
    bad = 0
    for v in args.variants:
        out = Path(args.out) / v
        make(v, out)
        bad += check(out)
    print("held-out:", "all equal within tolerance" if bad == 0 else f"{bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
