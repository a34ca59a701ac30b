#!/usr/bin/env python3
"""Golden data for the SinkScope Qwen3-VL re-implementation (HF model_type qwen3_vl, dense).

Writes one tiny random checkpoint in the Hugging Face layout with a planted visual sink, plus the reference tensors
computed by Hugging Face transformers (eager attention, float32, CPU):

    src/test/resources/golden/qwen3-vl-tiny-a/

The tokenizer.json is that of qwen2-vl-tiny-a (same ids for every token these prompts use; see README.md), named by
the manifest's `tokenizer_from` and not copied. Modelled on ../qwen2_vl_golden/make_golden.py, whose generic helpers
(JSON writer, tolerance rounding, the text side of the planted sink, phi) it imports. Deterministic on one machine with
the pinned versions. About 600 lines: model, planting, capture, reference run and manifest stay in one script so that
one command regenerates the directory (qwen2_vl_golden's is 1500).
"""

import argparse
import copy
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors import safe_open
from safetensors.torch import save_file

import transformers
from transformers import GenerationConfig, Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "qwen2_vl_golden"))
import make_golden as q2  # noqa: E402  (dump_json, nice_ceil, diff_stats, plant_text, round_bf16_, phi)

REPO = HERE.parents[3]
OUT_ROOT = REPO / "src" / "test" / "resources" / "golden"
NAME = "qwen3-vl-tiny-a"
TOKENIZER_FROM = "qwen2-vl-tiny-a"

# Ids of the released Qwen3-VL tokenizer_config.json (Qwen3's added tokens); the first 14 equal Qwen2-VL's.
SPECIAL_TOKENS = {
    "<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645, "<|object_ref_start|>": 151646,
    "<|object_ref_end|>": 151647, "<|box_start|>": 151648, "<|box_end|>": 151649, "<|quad_start|>": 151650,
    "<|quad_end|>": 151651, "<|vision_start|>": 151652, "<|vision_end|>": 151653, "<|vision_pad|>": 151654,
    "<|image_pad|>": 151655, "<|video_pad|>": 151656,
}
QWEN3_ONLY_TOKENS = {"<tool_call>": 151657, "</tool_call>": 151658, "<|fim_prefix|>": 151659, "<|fim_middle|>": 151660,
                     "<|fim_suffix|>": 151661, "<|fim_pad|>": 151662, "<|repo_name|>": 151663, "<|file_sep|>": 151664,
                     "<tool_response>": 151665, "</tool_response>": 151666, "<think>": 151667, "</think>": 151668}

# The system / user / assistant part of Qwen/Qwen3-VL-8B-Instruct's chat template (tools, videos, reasoning
# content and add_vision_id left out): no default system prompt, images as <|vision_start|><|image_pad|><|vision_end|>.
CHAT_TEMPLATE = (
    "{%- if messages[0].role == 'system' %}{%- if messages[0].content is string %}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\n' }}"
    "{%- for content in messages[0].content %}{%- if 'text' in content %}{{- content.text }}{%- endif %}{%- endfor %}"
    "{{- '<|im_end|>\\n' }}{%- endif %}{%- endif %}"
    "{%- for message in messages %}{%- if message.role == 'user' or message.role == 'assistant' %}"
    "{{- '<|im_start|>' + message.role + '\\n' }}{%- if message.content is string %}{{- message.content }}{%- else %}"
    "{%- for content in message.content %}{%- if content.type == 'image' or 'image' in content or 'image_url' in content %}"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' }}{%- elif 'text' in content %}{{- content.text }}{%- endif %}"
    "{%- endfor %}{%- endif %}{{- '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
PROMPTS = ["What is shown in this image?",
           "Is there a red circle in the image? Answer the question using a single word or phrase."]

VOCAB = 151936
TEXT = dict(hidden=8, head_dim=16, layers=4, heads=4, kv_heads=2, intermediate=32, mrope_section=[4, 2, 2],
            rope_theta=5e6, rms_norm_eps=1e-6)
VISION = dict(depth=3, hidden=16, heads=2, intermediate=32, num_position_embeddings=16, deepstack=[0, 1])
PATCH, TPATCH, MERGE = 16, 2, 2
UNIT = PATCH * MERGE
MIN_PIXELS = 64 * 64
MAX_PIXELS = UNIT * UNIT * 16  # at most 16 merged image tokens per image
IMAGE_MEAN = [0.5, 0.5, 0.5]
IMAGE_STD = [0.5, 0.5, 0.5]

SINK_DIMS = [2, 6]
SINK_RATIO = -0.6
MARKER_DIM = 5
MARKER_VALUE = 4.0
SINK_UNIT = 0
SINK_LAYER = 1
GATE_A, UP_B, DOWN_C = 2.5, 2.5, 1.0
SINK_DIM_SCALE = 0.25
BRIGHT_CH = 7
BRIGHT_WHITE = 6.0
MERGER_UNITS = [5, 40]
TAU = 1.9  # phi <= sqrt(8 / 1.36) = 2.43 with hidden 8 and two massive dims of ratio 1 : 0.6
SEED = 20251205
EMBED_STD = 0.3
TEXT_OUT_GAIN = 1.5

# (W, H); "white" = merged-token blocks [bx0, by0, bx1, by1) of the resized image, drawn white in the original.
IMAGES = [
    dict(name="image0_128x64.png", size=(128, 64), seed=21, white=(0, 0, 1, 1), circle=(0.4, 0.1, 0.95, 0.9),
         note="wide, no resize, 2x4 merged grid (32x32-pixel units)"),
    dict(name="image1_64x160.png", size=(64, 160), seed=22, white=(0, 3, 2, 5), circle=(0.1, 0.05, 0.9, 0.4),
         note="tall, no resize, 5x2 merged grid"),
    dict(name="image2_210x140.png", size=(210, 140), seed=23, white=(3, 0, 4, 1), circle=(0.08, 0.3, 0.45, 0.9),
         note="max_pixels downscale: 140x210 (HxW) -> 96x128, 3x4 merged grid"),
    dict(name="image3_100x70.png", size=(100, 70), seed=24, white=(0, 0, 1, 1), circle=(0.45, 0.1, 0.95, 0.9),
         note="non-trivial smart_resize and min_pixels: 70x100 (HxW) -> 64x96 (round to 32), 2x3 merged grid"),
]
SAMPLES = [("s0", 0, 0), ("s1", 1, 1), ("s2", 2, 0)]
MAX_NEW_TOKENS = 6
LOGIT_IDS = 128  # logits.last is stored at the top-128 ids of the golden row (the full row is 0.6 MB)


def smart_resize_ref(h, w):
    hb, wb = round(h / UNIT) * UNIT, round(w / UNIT) * UNIT
    if hb * wb > MAX_PIXELS:
        beta = math.sqrt(h * w / MAX_PIXELS)
        hb, wb = max(UNIT, math.floor(h / beta / UNIT) * UNIT), max(UNIT, math.floor(w / beta / UNIT) * UNIT)
    elif hb * wb < MIN_PIXELS:
        beta = math.sqrt(MIN_PIXELS / (h * w))
        hb, wb = math.ceil(h * beta / UNIT) * UNIT, math.ceil(w * beta / UNIT) * UNIT
    return hb, wb


def make_image(spec):
    W, H = spec["size"]
    rh, rw = smart_resize_ref(H, W)
    rng = np.random.RandomState(spec["seed"])
    small = rng.randint(30, 190, size=(max(2, H // 10), max(2, W // 10), 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((W, H), Image.BILINEAR)).astype(np.int32)
    base = np.clip(base + rng.randint(-30, 31, size=base.shape), 0, 215).astype(np.uint8)
    img = Image.fromarray(base, "RGB")
    d = ImageDraw.Draw(img)
    bx0, by0, bx1, by1 = spec["white"]
    d.rectangle([round(bx0 * UNIT * W / rw), round(by0 * UNIT * H / rh), round(bx1 * UNIT * W / rw) - 1,
                 round(by1 * UNIT * H / rh) - 1], fill=(255, 255, 255))
    cx0, cy0, cx1, cy1 = spec["circle"]
    d.ellipse([round(cx0 * W), round(cy0 * H), round(cx1 * W) - 1, round(cy1 * H) - 1], fill=(220, 30, 30))
    return img


def white_tokens(img):
    """Merged tokens whose 32x32 block of the resized image is background (mean >= 235)."""
    w, h = img.size
    rh, rw = smart_resize_ref(h, w)
    u8 = np.asarray(img.resize((rw, rh), resample=Image.BICUBIC), dtype=np.float64)
    return np.array([u8[i * UNIT:(i + 1) * UNIT, j * UNIT:(j + 1) * UNIT].mean() >= 235
                     for i in range(rh // UNIT) for j in range(rw // UNIT)])


class Qwen3VLProcessorNoVideo(Qwen3VLProcessor):
    """HF's Qwen3VLProcessor without its video processor (which needs torchvision, not loadable with this torch)."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        super().__init__(image_processor=image_processor, tokenizer=tokenizer, video_processor=None,
                         chat_template=chat_template, **kwargs)


def make_config():
    text = dict(vocab_size=VOCAB, hidden_size=TEXT["hidden"], head_dim=TEXT["head_dim"],
                intermediate_size=TEXT["intermediate"], num_hidden_layers=TEXT["layers"],
                num_attention_heads=TEXT["heads"], num_key_value_heads=TEXT["kv_heads"],
                rms_norm_eps=TEXT["rms_norm_eps"], hidden_act="silu", max_position_embeddings=4096,
                attention_bias=False, bos_token_id=151643, eos_token_id=151645,
                rope_parameters={"rope_type": "default", "rope_theta": TEXT["rope_theta"],
                                 "mrope_section": TEXT["mrope_section"], "mrope_interleaved": True})
    vision = dict(depth=VISION["depth"], hidden_size=VISION["hidden"], num_heads=VISION["heads"],
                  intermediate_size=VISION["intermediate"], hidden_act="gelu_pytorch_tanh", in_channels=3,
                  patch_size=PATCH, temporal_patch_size=TPATCH, spatial_merge_size=MERGE,
                  out_hidden_size=TEXT["hidden"], num_position_embeddings=VISION["num_position_embeddings"],
                  deepstack_visual_indexes=VISION["deepstack"])
    return Qwen3VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=True, image_token_id=151655,
                         video_token_id=151656, vision_start_token_id=151652, vision_end_token_id=151653)


@torch.no_grad()
def init_random(model):
    """O(1)-scale init: Linear/Conv N(0, gain^2/fan_in), biases N(0, 0.1^2), norms 1 + N(0, 0.1^2) (biases
    N(0, 0.05^2)), pos_embed N(0, 0.5^2), embed_tokens N(0, 0.3^2)."""
    g = torch.Generator().manual_seed(SEED)
    for name, p in model.named_parameters():
        is_norm = "norm" in name
        if is_norm and name.endswith("weight"):
            v = 1.0 + 0.1 * torch.randn(p.shape, generator=g)
        elif is_norm:
            v = 0.05 * torch.randn(p.shape, generator=g)
        elif "embed_tokens" in name:
            v = EMBED_STD * torch.randn(p.shape, generator=g)
        elif "pos_embed" in name:
            v = 0.5 * torch.randn(p.shape, generator=g)
        elif name.endswith("bias"):
            v = 0.1 * torch.randn(p.shape, generator=g)
        else:
            gain = 1.0
            if "merger" in name and "linear_fc2" in name:
                gain = 1.5
            elif "language_model" in name and ("o_proj" in name or "down_proj" in name):
                gain = TEXT_OUT_GAIN
            v = gain * torch.randn(p.shape, generator=g) / math.sqrt(int(np.prod(p.shape[1:])))
        p.copy_(v)


@torch.no_grad()
def plant(model):
    """Vision channel BRIGHT_CH = mean patch brightness, untouched by pos_embed and the blocks; text: the marker dim
    is written only by the merger, layer 1's MLP turns it into massive values on SINK_DIMS; DeepStack mergers write
    nothing on the marker dim and little on the sink dims."""
    vis = model.model.visual
    alpha = BRIGHT_WHITE / (TPATCH * PATCH * PATCH * sum((1.0 - m) / s for m, s in zip(IMAGE_MEAN, IMAGE_STD)))
    vis.patch_embed.proj.weight[BRIGHT_CH] = alpha
    vis.patch_embed.proj.bias[BRIGHT_CH] = 0.0
    vis.pos_embed.weight[:, BRIGHT_CH] = 0.0
    for b in vis.blocks:
        for lin in (b.attn.proj, b.mlp.linear_fc2):
            lin.weight[BRIGHT_CH] = 0.0
            lin.bias[BRIGHT_CH] = 0.0
    for ds in vis.deepstack_merger_list:
        ds.linear_fc2.weight[MARKER_DIM] = 0.0
        ds.linear_fc2.bias[MARKER_DIM] = 0.0
        ds.linear_fc2.weight[SINK_DIMS] *= SINK_DIM_SCALE
        ds.linear_fc2.bias[SINK_DIMS] *= SINK_DIM_SCALE
    # the text side is qwen2_vl_golden's plant_text (same decoder module names) with this model's dims
    for name in ("SINK_DIMS", "SINK_RATIO", "MARKER_DIM", "SINK_UNIT", "SINK_LAYER", "GATE_A", "UP_B", "DOWN_C", "SINK_DIM_SCALE"):
        setattr(q2, name, globals()[name])
    q2.plant_text(model)
    fc1 = vis.merger.linear_fc1
    fc1.weight[MERGER_UNITS] = 0.0
    fc1.bias[MERGER_UNITS] = -100.0
    return alpha


@torch.no_grad()
def plant_merger(model, t0, t1):
    vis = model.model.visual
    fc1, fc2 = vis.merger.linear_fc1, vis.merger.linear_fc2
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


class Capture:
    """Forward hooks: vision patch embedding (+ interpolated position embedding), block outputs, merger and DeepStack
    outputs, every decoder layer's input (after DeepStack), the last layer's output, the merged inputs_embeds."""

    def __init__(self, model):
        self.d = {}
        vis, lm = model.model.visual, model.model.language_model
        h = [vis.patch_embed.register_forward_hook(lambda m, i, o: self.d.__setitem__("patch_embed", o.clone())),
             vis.blocks[0].register_forward_pre_hook(lambda m, a: self.d.__setitem__("block0_in", a[0].clone())),
             vis.merger.register_forward_hook(lambda m, i, o: self.d.__setitem__("merger", o.clone()))]
        for b in vis.blocks:
            h.append(b.register_forward_hook(lambda m, i, o: self.d.setdefault("blocks", []).append(o.clone())))
        for ds in vis.deepstack_merger_list:
            h.append(ds.register_forward_hook(lambda m, i, o: self.d.setdefault("deepstack", []).append(o.clone())))
        for layer in lm.layers:
            h.append(layer.register_forward_pre_hook(lambda m, a: self.d.setdefault("layer_in", []).append(a[0].clone())))
        h.append(lm.layers[-1].register_forward_hook(lambda m, i, o: self.d.__setitem__("prenorm", o.clone())))
        h.append(lm.register_forward_pre_hook(lambda m, a, kw: self.d.__setitem__("inputs_embeds", kw["inputs_embeds"].clone()),
                                              with_kwargs=True))
        self.h = h

    def remove(self):
        for x in self.h:
            x.remove()


def run_forward(model, inputs, cap):
    model.model.rope_deltas = None
    cap.d = {}
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, output_attentions=True, use_cache=False, return_dict=True)
    d = cap.d
    cap.d = {}
    d["logits"] = out.logits[0].clone()
    d["hidden_states"] = torch.stack([h[0] for h in out.hidden_states])
    d["attentions"] = torch.stack([a[0] for a in out.attentions])
    return d


def greedy(model, inputs):
    model.model.rope_deltas = None
    with torch.no_grad():
        g = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, return_dict_in_generate=True,
                           output_logits=True)
    return g.sequences[0, inputs["input_ids"].shape[1]:].clone(), torch.stack([lg[0] for lg in g.logits])


def preprocessor_config():
    # the released Qwen3-VL preprocessor_config.json keys (size = {shortest_edge: min_pixels, longest_edge: max_pixels})
    return {"size": {"longest_edge": MAX_PIXELS, "shortest_edge": MIN_PIXELS}, "patch_size": PATCH,
            "temporal_patch_size": TPATCH, "merge_size": MERGE, "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD,
            "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen3VLProcessor"}


def tokenizer_config():
    dec = {str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                    "special": True} for c, i in SPECIAL_TOKENS.items()}
    return {"add_prefix_space": False, "added_tokens_decoder": dec, "bos_token": None, "chat_template": CHAT_TEMPLATE,
            "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>", "errors": "replace",
            "model_max_length": 262144, "pad_token": "<|endoftext|>", "split_special_tokens": False,
            "tokenizer_class": "Qwen2Tokenizer", "unk_token": None}


FLOAT_POLICY = {"pixel_values": (1e-3, 0.0), "decoder.attentions": (2e-5, 1e-3), "logits": (1e-3, 1e-4),
                "generate.step_top16_values": (1e-3, 1e-4), "": (1e-4, 1e-4)}


def policy(name):
    for k, v in FLOAT_POLICY.items():
        if k and name.startswith(k):
            return v
    return FLOAT_POLICY[""]


MEANING = {
    "pixel_values": "image processor output [N_patches, 3*2*16*16] stored as float16 (the float32 values differ by < 5e-4; "
                    "the model was run from the float32 ones): rows in merge-block order, each (C, T, P, P) flattened",
    "image_grid_thw": "[[1, h, w]] in 16-pixel patches",
    "input_ids": "chat template ids, <|image_pad|> expanded to h*w/4 copies; no BOS",
    "mm_token_type_ids": "0 text, 1 image token",
    "position_ids": "[3, S] M-RoPE rows (t, h, w) from get_rope_index",
    "rope_deltas": "[1] max(position) + 1 - S",
    "vision.patch_embed": "Conv3d patch embedding [N, d_v], before the position embedding",
    "vision.pos_embeds": "bilinear (align_corners) interpolation of the learned 4x4 pos_embed to the h x w patch grid, "
                         "in merge-block order [N, d_v]",
    "vision.hidden_states": "[depth+1, N, d_v]: input of block 0 (patch_embed + pos_embeds), then every block's output",
    "vision.merger_output": "merger(last block) = image features [N/4, D]",
    "vision.deepstack_features": "[len(deepstack_visual_indexes), N/4, D]: deepstack_merger_list[k](output of block "
                                 "deepstack_visual_indexes[k]), added to the image rows after decoder layer k",
    "decoder.inputs_embeds": "merged input [S, D]",
    "decoder.layer_inputs": "[L, S, D] input of every decoder layer: layer 0's is inputs_embeds, layer l+1's is "
                            "layer l's output PLUS DeepStack feature l on the image rows (l < number of DeepStack "
                            "features); what the sink analysis sees",
    "decoder.hidden_states": "[L+1, S, D] transformers' output_hidden_states: inputs_embeds, each layer's output "
                             "BEFORE the DeepStack addition (recorded on the decoder layer's output), the last one "
                             "after the final norm",
    "decoder.last_layer_output_prenorm": "[S, D] last layer output before the final norm",
    "decoder.attentions": "[L, H, S, S] post-softmax attention",
    "logits.last_ids": "the 128 vocabulary ids of the largest last-position logits (descending)",
    "logits.last_at_ids": "last-position logits at logits.last_ids",
    "logits.argmax": "argmax over the vocabulary at every position",
    "sink.phi": "[L+1, S] phi of decoder.layer_inputs[0..L-1] and last_layer_output_prenorm",
    "generate.tokens": "greedy new tokens (KV cache)",
    "generate.step_top16_values": "top-16 logits per greedy step",
    "generate.step_top16_ids": "their ids",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-root", default=str(OUT_ROOT))
    args = ap.parse_args()
    torch.set_num_threads(1)
    out_root = Path(args.out_root)
    d = out_root / NAME
    tok_dir = out_root / TOKENIZER_FROM
    if d.exists():
        shutil.rmtree(d)
    (d / "images").mkdir(parents=True)
    (d / "tensors").mkdir()
    q2.dump_json(d / "preprocessor_config.json", preprocessor_config())
    q2.dump_json(d / "tokenizer_config.json", tokenizer_config())
    q2.dump_json(d / "chat_template.json", {"chat_template": CHAT_TEMPLATE})
    for spec in IMAGES:
        make_image(spec).save(d / "images" / spec["name"], format="PNG")
    pil = [Image.open(d / "images" / s["name"]).convert("RGB") for s in IMAGES]

    tmp = Path(tempfile.mkdtemp(prefix="qwen3vl_proc_"))
    shutil.copy(tok_dir / "tokenizer.json", tmp / "tokenizer.json")
    for f in ["tokenizer_config.json", "chat_template.json", "preprocessor_config.json"]:
        shutil.copy(d / f, tmp / f)
    proc = Qwen3VLProcessorNoVideo.from_pretrained(str(tmp))
    tok = proc.tokenizer
    for content, tid in {**SPECIAL_TOKENS}.items():
        assert tok.convert_tokens_to_ids(content) == tid, content
    for content in QWEN3_ONLY_TOKENS:
        assert len(tok(content)["input_ids"]) > 1, content  # not in the shared Qwen2-VL tokenizer.json
    ip = proc.image_processor
    assert ip.patch_size == PATCH and ip.merge_size == MERGE, type(ip)

    # ---- model: random init, planted sink calibrated on the images, bf16 round trip ----
    cfg = make_config()
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = Qwen3VLForConditionalGeneration(cfg).eval()
    init_random(model)
    alpha = plant(model)
    q2.round_bf16_(model)
    s_white, s_other = [], []
    for img in pil:
        pre = ip(images=[img], return_tensors="pt")
        got = {}
        hk = model.model.visual.merger.norm.register_forward_hook(lambda m, a, o: got.__setitem__("x", o))
        with torch.no_grad():
            model.model.visual(pre["pixel_values"], grid_thw=pre["image_grid_thw"])
        hk.remove()
        s = got["x"][:, BRIGHT_CH].reshape(-1, MERGE * MERGE).sum(-1).double()
        wt = torch.from_numpy(white_tokens(img))
        s_white += s[wt].tolist()
        s_other += s[~wt].tolist()
    lo, hi = max(s_other), min(s_white)
    assert hi > lo + 0.5, (lo, hi)
    t0, t1 = lo + 0.3 * (hi - lo), lo + 0.6 * (hi - lo)
    beta = plant_merger(model, t0, t1)
    q2.round_bf16_(model)
    model.generation_config = GenerationConfig(bos_token_id=151643, eos_token_id=[151645, 151643], pad_token_id=151643)
    rounded = {k: v.clone() for k, v in model.state_dict().items()}
    copy.deepcopy(model).to(torch.bfloat16).save_pretrained(str(d))
    model = Qwen3VLForConditionalGeneration.from_pretrained(str(d), dtype=torch.float32, attn_implementation="eager").eval()
    sd = model.state_dict()
    assert set(sd) == set(rounded) and all(torch.equal(sd[k], rounded[k]) for k in sd)
    with safe_open(str(d / "model.safetensors"), "pt") as f:
        file_keys = sorted(f.keys())
        file_dtypes = sorted({str(f.get_slice(k).get_dtype()) for k in file_keys})
    m64 = copy.deepcopy(model).double().eval()
    cap, cap64 = Capture(model), Capture(m64)
    L = TEXT["layers"]
    nds = len(VISION["deepstack"])

    samples_out, batch_inputs, all_white = [], [], []
    for sid, ii, pi in SAMPLES:
        print(f"   {sid}: image{ii} prompt{pi}", flush=True)
        msgs = [{"role": "user", "content": [{"type": "image", "image": pil[ii]}, {"type": "text", "text": PROMPTS[pi]}]}]
        text = proc.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        inputs = dict(proc.apply_chat_template(msgs, tokenize=True, add_generation_prompt=True, return_dict=True,
                                               return_tensors="pt"))
        batch_inputs.append((text, pil[ii]))
        ids = inputs["input_ids"][0]
        T = ids.shape[0]
        grid = inputs["image_grid_thw"]
        where = (ids == 151655).nonzero()[:, 0]
        start, end = int(where[0]), int(where[-1]) + 1
        n_img = end - start
        assert n_img == int(grid.prod()) // 4 == len(where)
        gh, gw = int(grid[0, 1]) // MERGE, int(grid[0, 2]) // MERGE
        pos, deltas = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"], image_grid_thw=grid)
        pos = pos[:, 0]
        delta = int(deltas.reshape(-1)[0])

        g = run_forward(model, inputs, cap)
        torch.set_num_threads(2)
        g2 = run_forward(model, inputs, cap)
        torch.set_num_threads(1)
        in64 = dict(inputs)
        in64["pixel_values"] = inputs["pixel_values"].double()
        g64 = run_forward(m64, in64, cap64)

        def tensors_of(r):
            li = torch.stack([x[0] for x in r["layer_in"]])
            return {
                "vision.patch_embed": r["patch_embed"], "vision.pos_embeds": r["block0_in"] - r["patch_embed"],
                "vision.hidden_states": torch.stack([r["block0_in"]] + r["blocks"]), "vision.merger_output": r["merger"],
                "vision.deepstack_features": torch.stack(r["deepstack"]), "decoder.inputs_embeds": r["inputs_embeds"][0],
                "decoder.layer_inputs": li, "decoder.hidden_states": r["hidden_states"],
                "decoder.last_layer_output_prenorm": r["prenorm"][0], "decoder.attentions": r["attentions"],
                "sink.phi": q2.phi(torch.cat([li, r["prenorm"]], 0)),
            }

        t1_ = tensors_of(g)
        # conventions: layer l+1's input = HF hidden_states[l+1] (+ DeepStack l on the image rows)
        hs, li = g["hidden_states"], t1_["decoder.layer_inputs"]
        for l in range(1, L):
            exp = hs[l].clone()
            if l - 1 < nds:
                exp[start:end] += g["deepstack"][l - 1]
            assert torch.equal(exp, li[l]), l
        assert torch.equal(hs[0], li[0]) and torch.equal(g["inputs_embeds"][0, start:end], g["merger"])
        t = {"pixel_values": inputs["pixel_values"].to(torch.float16), "image_grid_thw": grid, "input_ids": ids,
             "mm_token_type_ids": inputs["mm_token_type_ids"][0].long(), "position_ids": pos,
             "rope_deltas": torch.tensor([delta])}
        t.update({k: v.float() for k, v in t1_.items()})
        logits = g["logits"]
        top = logits[-1].topk(LOGIT_IDS)
        t["logits.last_ids"] = top.indices
        t["logits.last_at_ids"] = top.values
        t["logits.argmax"] = logits.argmax(-1)
        toks, step_logits = greedy(model, inputs)
        assert len(toks) == MAX_NEW_TOKENS and not any(int(x) in (151645, 151643) for x in toks), toks
        st = step_logits.topk(16, dim=-1)
        t["generate.tokens"] = toks
        t["generate.step_top16_values"] = st.values
        t["generate.step_top16_ids"] = st.indices
        toks64, step64 = greedy(m64, in64)
        gen64_same = bool(torch.equal(toks64, toks))

        o2 = tensors_of(g2)
        o2["logits.last_at_ids"] = g2["logits"][-1][top.indices]
        o64 = tensors_of(g64)
        o64["logits.last_at_ids"] = g64["logits"][-1][top.indices]
        if gen64_same:
            o64["generate.step_top16_values"] = step64.gather(1, st.indices)
        margins = logits.topk(2, dim=-1).values
        near = [int(i) for i in ((margins[:, 0] - margins[:, 1]) < 1e-3).nonzero()[:, 0]]
        meta = []
        for name, val in t.items():
            val = val.contiguous()
            t[name] = val
            e = dict(name=name, shape=list(val.shape),
                     dtype={torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}[val.dtype],
                     meaning=MEANING[name])
            if val.dtype == torch.float32:
                atol_floor, rtol = policy(name)
                need = 0.0
                for label, o in (("float32_2threads_vs_1thread", o2.get(name)), ("float64_vs_float32", o64.get(name))):
                    if o is not None:
                        mx, nd = q2.diff_stats(val, o, rtol)
                        e["observed_" + label + "_max_abs_diff"] = mx
                        need = max(need, nd)
                e["tolerance"] = dict(atol=max(atol_floor, q2.nice_ceil(10 * need)), rtol=rtol)
            elif val.dtype == torch.float16:
                e["tolerance"] = dict(atol=1e-3, rtol=0.0, note="float16 storage of the float32 processor output")
            else:
                note = "exact"
                if name == "logits.argmax":
                    note = "exact, except at the positions listed in argmax_near_ties"
                if name == "generate.step_top16_ids":
                    note = "exact set and order, except where neighbouring values differ by < 1e-3"
                e["tolerance"] = dict(atol=0, rtol=0, note=note)
            meta.append(e)
        save_file(t, str(d / "tensors" / f"{sid}.safetensors"))

        ph = t["sink.phi"]
        planted = [int(i) for i in (g["merger"][:, MARKER_DIM] > 0.5 * MARKER_VALUE).nonzero()[:, 0]]
        wt = white_tokens(pil[ii])
        assert planted == [int(i) for i in np.nonzero(wt)[0]], (planted, wt)
        assert 0 < len(planted) < n_img / 2
        report = []
        for l in range(L + 1):
            sinks = [int(i) for i in (ph[l] > TAU).nonzero()[:, 0]]
            others = [float(ph[l][p]) for p in range(T) if p not in sinks]
            report.append(dict(layer=l, image_sink_indices=[p - start for p in sinks if start <= p < end],
                               text_sink_positions=[p for p in sinks if not start <= p < end],
                               min_phi_sinks=round(float(ph[l][sinks].min()), 4) if sinks else None,
                               max_phi_non_sinks=round(max(others), 4)))
        for l in range(L + 1):
            if l > SINK_LAYER:
                assert report[l]["image_sink_indices"] == planted and not report[l]["text_sink_positions"], report[l]
            else:
                assert not report[l]["image_sink_indices"] and not report[l]["text_sink_positions"], report[l]
        samples_out.append(dict(
            id=sid, image_index=ii, image_file="images/" + IMAGES[ii]["name"], image_size_wh=list(IMAGES[ii]["size"]),
            prompt_index=pi, question=PROMPTS[pi], prompt_text=text, input_ids=ids.tolist(), seq_len=T,
            image_start=start, image_end=end, num_image_tokens=n_img, image_grid_thw=grid[0].tolist(),
            merged_grid_hw=[gh, gw], rope_deltas=delta, generated_token_ids=toks.tolist(),
            generated_text=tok.decode(toks), argmax_near_ties=near, generation_float64_same_tokens=gen64_same,
            planted_sink_image_token_indices=planted, sink_report=report,
            tensors_file=f"tensors/{sid}.safetensors", tensors=meta))
    cap.remove()
    cap64.remove()

    # ---- batched greedy generation (left padding), as the processor pads ----
    tok.padding_side = "left"
    batch = proc(text=[x[0] for x in batch_inputs], images=[x[1] for x in batch_inputs], padding=True,
                 return_tensors="pt")
    model.model.rope_deltas = None
    with torch.no_grad():
        seq = model.generate(**batch, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
    batched = seq[:, batch["input_ids"].shape[1]:].tolist()
    batched_same = batched == [s["generated_token_ids"] for s in samples_out]

    manifest = dict(
        case=NAME,
        computed_with="Hugging Face transformers %s (torch %s, CPU), eager attention, float32, one thread; weights "
                      "initialised in float32, rounded to bfloat16, save_pretrained in bfloat16, reloaded with "
                      "from_pretrained(dtype=float32)" % (transformers.__version__, torch.__version__),
        versions=dict(transformers=transformers.__version__, torch=torch.__version__, numpy=np.__version__,
                      python=sys.version.split()[0]),
        tokenizer_from=dict(dir="../" + TOKENIZER_FROM, files=["tokenizer.json"], note=(
            "the tokenizer.json of qwen2-vl-tiny-a (Qwen2 byte-level BPE, ids 0..151642, specials 151643..151656). "
            "The released Qwen3-VL tokenizer_config.json has the same 14 ids (151643 <|endoftext|> .. 151655 "
            "<|image_pad|>, 151656 <|video_pad|>) plus Qwen3's 12 added tokens 151657..151668 (<tool_call> .. "
            "</think>), which are absent here and never occur in these prompts; tokenizer_config.json and "
            "chat_template.json of this directory are Qwen3-VL's")),
        weights=dict(file="model.safetensors", dtypes=file_dtypes, names=file_keys,
                     note="transformers 5 names (model.visual.*, model.language_model.*); tied lm_head not stored"),
        config_notes="transformers-5 config.json: text_config with head_dim (4 heads x 16 != hidden 8), no attention "
                     "bias, q_norm/k_norm per head, rope_parameters {rope_type default, rope_theta, mrope_section "
                     "[4, 2, 2], mrope_interleaved true}; vision_config patch 16, merge 2, 4x4 learned position "
                     "grid, deepstack_visual_indexes [0, 1]",
        chat_template="Qwen3-VL's: no default system prompt; the user turn holds <|vision_start|><|image_pad|><|vision_end|> "
                      "then the question",
        tolerance_rule="|actual - golden| <= atol + rtol |golden|; integer tensors exact",
        tolerance_evidence="atol = max(floor, 10x what a 2-thread float32 rerun and a float64 rerun needed)",
        calibration=dict(brightness_alpha=alpha, S_max_other=lo, S_min_white=hi, t0=t0, t1=t1, beta=beta),
        sink=dict(dims=SINK_DIMS, tau=TAU, phi_upper_bound="sqrt(8 / 1.36) = 2.43 with hidden 8 and two massive dims "
                  "of ratio 1 : 0.6, so the paper's tau = 20 selects nothing here",
                  appears_from_layer=SINK_LAYER + 1, seen_by="decoder.layer_inputs (after the DeepStack addition)"),
        generation=dict(max_new_tokens=MAX_NEW_TOKENS, eos_token_ids=[151645, 151643],
                        batched_left_padded_tokens=batched, batched_equals_unbatched=batched_same),
        samples=samples_out)
    q2.dump_json(d / "manifest.json", manifest)
    q2.dump_json(d / "sink_dims.json", dict(sink_dims=SINK_DIMS, tau=TAU))
    shutil.rmtree(tmp)
    assert batched_same, (batched, [s["generated_token_ids"] for s in samples_out])
    total = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
    print("wrote", d, total, "bytes")


if __name__ == "__main__":
    main()
