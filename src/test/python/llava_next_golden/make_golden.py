"""Golden data for the SinkScope LLaVA-NeXT (LLaVA-1.6, anyres) re-implementation.

Writes a tiny random llava-hf LLaVA-NeXT checkpoint (model_type llava_next, CLIP vision tower, LLaMA decoder with
GQA, image_newline, tied embeddings, bf16) with a planted visual sink, and the reference tensors Hugging Face
transformers computes for it (eager attention, float32, CPU):

    src/test/resources/golden/llava-next-tiny-a/            llama decoder, 4 samples
    src/test/resources/golden/llava-next-tiny-a/mistral/    the same weights with a Mistral decoder
                                                            (text_config.model_type mistral, sliding_window 24), 2 samples

The LLaMA-2 tokenizer.json is NOT copied (1.8 MB): it is the one of the shared llava-tiny-a golden data
(manifest "tokenizer_from"); the Java tests assemble the complete checkpoint directory in target/.

See README.md next to this file for how to run it and the generated README.md / manifest.json for what the data
means. Deterministic: a rerun on the same machine with the pinned versions gives the same bytes.
"""

import argparse
import copy
import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

import transformers
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import AutoTokenizer, LlavaNextConfig, LlavaNextForConditionalGeneration, LlavaNextProcessor
from transformers.image_processing_utils import select_best_resolution
from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]  # <repo>/src/test/python/llava_next_golden -> <repo>
OUT = REPO / "src" / "test" / "resources" / "golden" / "llava-next-tiny-a"
TOKENIZER_FROM = REPO.parent / "shared" / "golden" / "llava-tiny-a"  # ../shared/golden/llava-tiny-a (as CI lays it)

SIZE, PATCH = 56, 14  # CLIP input (tile) size and patch: a 4 x 4 grid per tile
GRID = SIZE // PATCH
PINPOINTS = [[56, 112], [112, 56], [112, 112], [56, 168], [168, 56]]  # llava-v1.6's [[336,672],...] / 6, (h, w)
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]
VOCAB = 32064
TEXT = dict(hidden=32, layers=4, heads=4, kv_heads=2, intermediate=86, rope_theta=10000.0, rms_norm_eps=1e-5,
            max_positions=512)
VISION = dict(hidden=32, layers=2, heads=2, intermediate=64)
IMAGE_TOKEN = 32000
PAD_TOKEN = 32001
SLIDING_WINDOW = 24

SINK_DIMS = [7, 21]
SINK_RATIO = -0.6  # value on SINK_DIMS[1] relative to SINK_DIMS[0]
MASSIVE = 40.0  # the planted massive value on SINK_DIMS[0]
SINK_DIM_SCALE = 0.25  # sink dims of ordinary tokens are kept small (embeddings, o_proj/down_proj/projector rows)
BRIGHT_CH = 5  # vision channel carrying the sink marker through the tower
SINK_PATCHES = [5, 10]  # patch positions (row-major in a 4x4 tile: (1,1) and (2,2)) marked in every tile
SINK_POS_VALUE = 6.0  # the marker's value in the position embedding
PROJ_UNITS = [3, 20]  # projector linear_1 units forming the clipped ramp
TAU = 3.0  # practical sink threshold at hidden size 32 (phi <= sqrt(32) = 5.66; planted sinks ~4.8)
REQUIRE_TILE_SINKS = True  # held_out.py's variants may unpad every planted tile sink away (other grids and sizes)

SEED = 20250611
EMBED_STD = 0.3  # with TEXT_OUT_GAIN: greedy decoding does not just repeat one token
TEXT_OUT_GAIN = 1.0
MAX_NEW_TOKENS = 8

PROMPTS = {
    "llava_hf": "USER: <image>\n{q} ASSISTANT:",
    "mistral_instruct": "[INST] <image>\n{q} [/INST]",
}
QUESTIONS = [
    "What is shown in this image?",
    "Is there a red circle?",
]

# (W, H); white rectangle as fractions of the image (x0, y0, x1, y1); red circle likewise
IMAGES = [
    dict(name="image0_120x90.png", size=(120, 90), seed=31, white=(0.05, 0.10, 0.30, 0.45), circle=(0.5, 0.3, 0.95, 0.9),
         note="wide 4:3: best resolution 112x112 (2x2 tiles), unpadded rows 8 -> 6"),
    dict(name="image1_200x60.png", size=(200, 60), seed=32, white=(0.70, 0.05, 0.85, 0.60), circle=(0.1, 0.2, 0.3, 0.9),
         note="very wide: best resolution 56x168 (1x3 tiles), nothing to unpad"),
    dict(name="image2_64x160.png", size=(64, 160), seed=33, white=(0.10, 0.70, 0.60, 0.90), circle=(0.2, 0.1, 0.9, 0.4),
         note="tall: best resolution 168x56 (3x1 tiles), unpadded rows 12 -> 10"),
    dict(name="image3_30x30.png", size=(30, 30), seed=34, white=(0.0, 0.0, 0.40, 0.40), circle=(0.5, 0.5, 0.95, 0.95),
         note="small, upscaled: best resolution 56x112 (1x2 tiles), unpadded columns 8 -> 4"),
    dict(name="image4_90x120.png", size=(90, 120), seed=35, white=(0.55, 0.05, 0.95, 0.30), circle=(0.1, 0.5, 0.6, 0.95),
         note="tall 3:4: best resolution 112x112 (2x2 tiles), unpadded columns 8 -> 6"),
]

# id, decoder, image index, question index
SAMPLES = [
    ("s0", "llama", 0, 0),
    ("s1", "llama", 1, 1),
    ("s2", "llama", 2, 0),
    ("s3", "llama", 3, 1),
    ("m0", "mistral", 4, 0),
]

FLOAT_POLICY = {  # name prefix -> (atol floor, rtol); as llava-tiny-a
    "vision.": (1e-4, 1e-4),
    "projector.": (1e-3, 1e-4),
    "image_features.": (1e-3, 1e-4),
    "decoder.attentions": (2e-5, 1e-3),
    "": (1e-3, 1e-4),
}


def dump_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def nice_ceil(x):
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= x:
            return float(f"{m * 10 ** e:.0e}")
    return float(f"{10 ** (e + 1):.0e}")


def policy(name):
    for k, v in FLOAT_POLICY.items():
        if k and name.startswith(k):
            return v
    return FLOAT_POLICY[""]


def diff_stats(golden, other, rtol):
    g = golden.double()
    o = other.double()
    ad = (g - o).abs()
    need = (ad - rtol * g.abs()).clamp(min=0)
    return float(ad.max()), float(need.max())


# ----------------------------------------------------------------------------------------------------------------
# Images, processor
# ----------------------------------------------------------------------------------------------------------------
def make_image(spec):
    W, H = spec["size"]
    rng = np.random.RandomState(spec["seed"])
    small = rng.randint(30, 190, size=(max(2, H // 10), max(2, W // 10), 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((W, H), Image.BILINEAR)).astype(np.int32)
    base = np.clip(base + rng.randint(-30, 31, size=base.shape), 0, 215).astype(np.uint8)
    img = Image.fromarray(base, "RGB")
    d = ImageDraw.Draw(img)
    cx0, cy0, cx1, cy1 = spec["circle"]
    d.ellipse([round(cx0 * W), round(cy0 * H), round(cx1 * W) - 1, round(cy1 * H) - 1], fill=(220, 30, 30))
    x0, y0, x1, y1 = spec["white"]
    d.rectangle([round(x0 * W), round(y0 * H), round(x1 * W) - 1, round(y1 * H) - 1], fill=(255, 255, 255))
    return img


def preprocessor_config():
    # The keys of llava-hf/llava-v1.6-vicuna-7b-hf's preprocessor_config.json, at this tile size.
    return {
        "aspect_ratio_setting": "anyres",
        "crop_size": {"height": SIZE, "width": SIZE},
        "do_center_crop": True,
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_pad": True,
        "do_rescale": True,
        "do_resize": True,
        "image_grid_pinpoints": PINPOINTS,
        "image_mean": IMAGE_MEAN,
        "image_processor_type": "LlavaNextImageProcessor",
        "image_std": IMAGE_STD,
        "processor_class": "LlavaNextProcessor",
        "resample": 3,
        "rescale_factor": 0.00392156862745098,
        "size": {"shortest_edge": SIZE},
    }


def unpadded_grid(h, w):
    """(best (h, w), tile grid (rows, cols) in patches, unpadded (rows, cols)): HF's formulas."""
    bh, bw = select_best_resolution((h, w), PINPOINTS)
    gh, gw = bh // SIZE * GRID, bw // SIZE * GRID
    if w / h > gw / gh:
        nh = int(round(h * (gw / w), 7))
        p = (gh - nh) // 2
        return (bh, bw), (gh, gw), (gh - 2 * p, gw), ("rows", p)
    nw = int(round(w * (gh / h), 7))
    p = (gw - nw) // 2
    return (bh, bw), (gh, gw), (gh, gw - 2 * p), ("cols", p)


# ----------------------------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------------------------
def make_config(decoder):
    text = dict(model_type=decoder, vocab_size=VOCAB, hidden_size=TEXT["hidden"], intermediate_size=TEXT["intermediate"],
                num_hidden_layers=TEXT["layers"], num_attention_heads=TEXT["heads"], num_key_value_heads=TEXT["kv_heads"],
                hidden_act="silu", max_position_embeddings=TEXT["max_positions"], rms_norm_eps=TEXT["rms_norm_eps"],
                rope_theta=TEXT["rope_theta"], bos_token_id=1, eos_token_id=2, tie_word_embeddings=True,
                _name_or_path="sinkscope/llava-next-tiny-a-" + decoder)
    if decoder == "mistral":
        text["sliding_window"] = SLIDING_WINDOW
    vision = dict(model_type="clip_vision_model", hidden_size=VISION["hidden"], intermediate_size=VISION["intermediate"],
                  num_hidden_layers=VISION["layers"], num_attention_heads=VISION["heads"], image_size=SIZE,
                  patch_size=PATCH, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=32)
    return LlavaNextConfig(text_config=text, vision_config=vision, image_token_index=IMAGE_TOKEN,
                           image_grid_pinpoints=PINPOINTS, projector_hidden_act="gelu", vision_feature_layer=-2,
                           vision_feature_select_strategy="default", tie_word_embeddings=True, pad_token_id=PAD_TOKEN)


@torch.no_grad()
def init_random(model, seed):
    """Deterministic O(1)-scale init: Linear/Conv weights N(0, gain^2/fan_in), biases N(0, 0.1^2), norm weights
    1 + N(0, 0.1^2), LayerNorm biases N(0, 0.05^2), embeddings N(0, EMBED_STD^2), image_newline N(0, 1)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        shape = p.shape
        is_norm = "norm" in name or "layrnorm" in name
        if is_norm and name.endswith("weight"):
            v = 1.0 + 0.1 * torch.randn(shape, generator=g)
        elif is_norm and name.endswith("bias"):
            v = 0.05 * torch.randn(shape, generator=g)
        elif "embed_tokens" in name:
            v = EMBED_STD * torch.randn(shape, generator=g)
        elif "class_embedding" in name or "position_embedding" in name or "image_newline" in name:
            v = torch.randn(shape, generator=g)
        elif name.endswith("bias"):
            v = 0.1 * torch.randn(shape, generator=g)
        elif p.dim() >= 2:
            fan_in = int(np.prod(shape[1:]))
            gain = TEXT_OUT_GAIN if ("o_proj" in name or "down_proj" in name) else 1.0
            v = gain * torch.randn(shape, generator=g) / math.sqrt(fan_in)
        else:
            raise RuntimeError(name)
        p.copy_(v)


@torch.no_grad()
def plant_vision(model):
    """Channel BRIGHT_CH of the vision embeddings marks the patch positions SINK_PATCHES of every tile (and of the
    base image): the position embedding carries SINK_POS_VALUE there, nothing else writes the channel (patch
    embedding, CLS, every encoder layer's out_proj / fc2 leave it alone)."""
    vt = model.model.vision_tower
    vt.embeddings.patch_embedding.weight[BRIGHT_CH] = 0.0
    vt.embeddings.class_embedding[BRIGHT_CH] = 0.0
    vt.embeddings.position_embedding.weight[:, BRIGHT_CH] = 0.0
    for p in SINK_PATCHES:
        vt.embeddings.position_embedding.weight[1 + p, BRIGHT_CH] = SINK_POS_VALUE
    for layer in vt.encoder.layers:
        for lin in (layer.self_attn.out_proj, layer.mlp.fc2):
            lin.weight[BRIGHT_CH] = 0.0
            lin.bias[BRIGHT_CH] = 0.0
    return SINK_POS_VALUE


@torch.no_grad()
def plant_text(model):
    """Small sink dims for ordinary tokens; BOS carries the massive pattern (a text sink)."""
    lm = model.model.language_model
    d1, d2 = SINK_DIMS
    emb = lm.embed_tokens.weight
    emb[:, SINK_DIMS] *= SINK_DIM_SCALE
    emb[1, d1] = MASSIVE
    emb[1, d2] = MASSIVE * SINK_RATIO
    for layer in lm.layers:
        layer.self_attn.o_proj.weight[SINK_DIMS] *= SINK_DIM_SCALE
        layer.mlp.down_proj.weight[SINK_DIMS] *= SINK_DIM_SCALE
    model.model.image_newline[SINK_DIMS] *= SINK_DIM_SCALE
    # the tied lm_head would read BOS's massive row back as a huge logit for id 1: the final norm drops the sink dims
    lm.norm.weight[SINK_DIMS] = 0.0
    proj = model.model.multi_modal_projector
    proj.linear_2.weight[SINK_DIMS] *= SINK_DIM_SCALE
    proj.linear_2.bias[SINK_DIMS] *= SINK_DIM_SCALE
    proj.linear_1.weight[PROJ_UNITS] = 0.0
    proj.linear_1.bias[PROJ_UNITS] = -100.0  # off while calibrating
    proj.linear_2.weight[:, PROJ_UNITS] = 0.0


@torch.no_grad()
def plant_projector(model, t0, t1):
    """Two linear_1 units form a clipped ramp of s = selected_feature[BRIGHT_CH]; linear_2 writes
    MASSIVE * clip((s - t0) / (t1 - t0), 0, 1) on SINK_DIMS (ratio SINK_RATIO)."""
    proj = model.model.multi_modal_projector
    beta = 10.0 / (t1 - t0)
    for u, t in zip(PROJ_UNITS, (t0, t1)):
        proj.linear_1.weight[u] = 0.0
        proj.linear_1.weight[u, BRIGHT_CH] = beta
        proj.linear_1.bias[u] = -beta * t
    d1, d2 = SINK_DIMS
    proj.linear_2.weight[:, PROJ_UNITS] = 0.0
    proj.linear_2.weight[d1, PROJ_UNITS[0]] = MASSIVE / 10.0
    proj.linear_2.weight[d1, PROJ_UNITS[1]] = -MASSIVE / 10.0
    proj.linear_2.weight[d2, PROJ_UNITS[0]] = MASSIVE * SINK_RATIO / 10.0
    proj.linear_2.weight[d2, PROJ_UNITS[1]] = -MASSIVE * SINK_RATIO / 10.0
    return beta


def round_bf16_(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))


def selected_features(model, pixel_values):
    vt = model.model.vision_tower
    out = vt(pixel_values, output_hidden_states=True, return_dict=True)
    return torch.stack(out.hidden_states), out.hidden_states[-2][:, 1:]


def build_model(inputs_list):
    cfg = make_config("llama")
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = LlavaNextForConditionalGeneration(cfg).eval()
    init_random(model, SEED)
    alpha = plant_vision(model)
    plant_text(model)
    round_bf16_(model)
    s_all = []
    with torch.no_grad():
        for inp in inputs_list:
            _, sel = selected_features(model, inp["pixel_values"][0])
            s_all.append(sel[..., BRIGHT_CH].flatten())
    s = torch.cat(s_all).double().sort(descending=True).values
    n = s.numel()
    best_k, best_gap = None, 0.0
    for k in range(1, int(0.3 * n)):
        gap = float(s[k - 1] - s[k])
        if gap > best_gap:
            best_k, best_gap = k, gap
    assert best_gap > 0.3, best_gap
    lo, hi = float(s[best_k]), float(s[best_k - 1])
    t0, t1 = lo + 0.3 * best_gap, lo + 0.6 * best_gap
    beta = plant_projector(model, t0, t1)
    round_bf16_(model)
    calib = dict(position_marker=alpha, s_max_other=lo, s_min_marked=hi, t0=t0, t1=t1, beta=beta,
                 n_marked_tokens=best_k, n_tokens=n)
    return model, calib


# ----------------------------------------------------------------------------------------------------------------
# Reference run
# ----------------------------------------------------------------------------------------------------------------
class Capture:
    def __init__(self, model):
        self.d = {}
        lm = model.model.language_model
        self.h = [
            lm.layers[-1].register_forward_hook(
                lambda m, i, o: self.d.__setitem__("prenorm", (o[0] if isinstance(o, tuple) else o).detach().clone())),
            lm.register_forward_pre_hook(
                lambda m, a, kw: self.d.__setitem__("inputs_embeds", kw["inputs_embeds"].detach().clone()), with_kwargs=True),
        ]

    def remove(self):
        for h in self.h:
            h.remove()


def phi(x):
    x = x.double()
    rms = x.pow(2).mean(-1).sqrt()
    return x[..., SINK_DIMS].abs().max(-1).values / rms


def run_forward(model, inputs):
    cap = Capture(model)
    with torch.no_grad():
        hs, sel = selected_features(model, inputs["pixel_values"][0])
        proj = model.model.multi_modal_projector(sel)
        packed = model.model.get_image_features(inputs["pixel_values"], inputs["image_sizes"], vision_feature_layer=-2,
                                                vision_feature_select_strategy="default").pooler_output[0]
        out = model(**inputs, output_hidden_states=True, output_attentions=True, use_cache=False, return_dict=True)
    cap.remove()
    return dict(vision_hidden=hs, selected=sel, projector=proj, packed=packed, inputs_embeds=cap.d["inputs_embeds"][0],
                prenorm=cap.d["prenorm"][0], logits=out.logits[0], hidden_states=torch.stack([h[0] for h in out.hidden_states]),
                attentions=torch.stack([a[0] for a in out.attentions]))


def greedy_generate(model, inputs):
    with torch.no_grad():
        g = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, return_dict_in_generate=True,
                           output_logits=True, eos_token_id=None, pad_token_id=PAD_TOKEN)
    T = inputs["input_ids"].shape[1]
    return g.sequences[0, T:].clone(), torch.stack([l[0] for l in g.logits])


def greedy_nocache(model, inputs, n):
    ids = inputs["input_ids"].clone()
    toks, logits = [], []
    for _ in range(n):
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=inputs["pixel_values"],
                        image_sizes=inputs["image_sizes"], use_cache=False)
        lg = out.logits[0, -1]
        t = int(lg.argmax())
        toks.append(t)
        logits.append(lg.clone())
        ids = torch.cat([ids, torch.tensor([[t]])], 1)
    return torch.tensor(toks), torch.stack(logits)


def kinds_of(n_base, rows, cols):
    """0 = base-image patch, 1 = tile-mosaic patch, 2 = image_newline; and the mosaic (row, col) of each (-1 else)."""
    kind = [0] * n_base
    rc = [[-1, -1]] * n_base
    for r in range(rows):
        for c in range(cols + 1):
            kind.append(1 if c < cols else 2)
            rc.append([r, c] if c < cols else [r, -1])
    return torch.tensor(kind, dtype=torch.long), torch.tensor(rc, dtype=torch.long)


MEANINGS = {
    "pixel_values": "LlavaNextImageProcessor (PIL backend) output [num_patches, 3, S, S]: index 0 the whole image resized to SxS, then the tiles of the best-resolution canvas, row-major",
    "image_sizes": "the original image size (height, width)",
    "input_ids": "token ids of the prompt with ONE <image> placeholder (id 32000), BOS prepended (the tokenizer alone); the model expands it to num_image_tokens rows",
    "input_ids_expanded": "HF LlavaNextProcessor's input_ids: the <image> id repeated num_image_tokens times",
    "vision.hidden_states": "CLIP hidden_states of every tile [L+1, num_patches, 1+G*G, Dv]: index 0 after pre_layrnorm, index i after encoder layer i-1; token 0 is CLS",
    "vision.selected_features": "vision_feature_layer -2 with CLS dropped (default strategy) [num_patches, G*G, Dv]",
    "projector.output": "multi_modal_projector(selected) [num_patches, G*G, D]",
    "image_features.packed": "pack_image_features (spatial_unpad): base image rows (G*G), then the tile mosaic unpadded to the original aspect ratio, row-major, image_newline after each row [N, D]",
    "image_features.kind": "per packed row: 0 base-image patch, 1 tile-mosaic patch, 2 image_newline",
    "image_features.mosaic_rc": "per packed row: (row, col) in the unpadded tile mosaic; (-1, -1) for base rows, (row, -1) for newlines",
    "decoder.inputs_embeds": "merged sequence fed to the decoder: embed(ids before <image>) ++ packed features ++ embed(ids after)",
    "decoder.position_ids": "positions 0..S-1",
    "decoder.hidden_states": "HF output_hidden_states: index 0 = inputs_embeds, l = output of layer l-1, L = final RMSNorm of the last layer's output",
    "decoder.last_layer_output_prenorm": "output of the last decoder layer before the final norm",
    "decoder.attentions": "post-softmax attention per layer and head (eager; causal, and for mistral also the sliding window)",
    "logits.last": "lm_head logits at the last prompt position",
    "logits.argmax": "argmax over the vocabulary at every merged position",
    "generate.tokens": "greedy tokens (KV cache, no EOS stopping)",
    "generate.step_top16_values": "the 16 largest logits at each greedy step",
    "generate.step_top16_ids": "their token ids",
    "sink.phi": "phi = max over sink dims |x_d| / RMS(x); row l = residual stream after l layers (row 0 inputs_embeds, row L last_layer_output_prenorm)",
}


def generate(args):
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    (out / "tensors").mkdir(parents=True)
    (out / "images").mkdir()
    (out / "mistral").mkdir()
    tok_dir = Path(args.tokenizer_dir)
    for spec in IMAGES:
        make_image(spec).save(out / "images" / spec["name"], format="PNG")
    pil = [Image.open(out / "images" / s["name"]).convert("RGB") for s in IMAGES]

    # processor: tokenizer of llava-tiny-a + the PIL LLaVA-NeXT image processor
    tokenizer = AutoTokenizer.from_pretrained(str(tok_dir))
    ip = LlavaNextImageProcessorPil(**{k: v for k, v in preprocessor_config().items()
                                      if k not in ("image_processor_type", "processor_class", "aspect_ratio_setting")})
    proc = LlavaNextProcessor(image_processor=ip, tokenizer=tokenizer, patch_size=PATCH,
                              vision_feature_select_strategy="default", num_additional_image_tokens=1)

    def encode(decoder, ii, qi):
        tmpl = PROMPTS["mistral_instruct" if decoder == "mistral" else "llava_hf"]
        text = tmpl.format(q=QUESTIONS[qi])
        inputs = proc(text=[text], images=[pil[ii]], return_tensors="pt")
        return text, {k: v for k, v in inputs.items()}

    encoded = {sid: encode(dec, ii, qi) for sid, dec, ii, qi in SAMPLES}
    model, calib = build_model([encoded[s[0]][1] for s in SAMPLES])
    rounded = {k: v.clone() for k, v in model.state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        model.to(torch.bfloat16).save_pretrained(tmp)
        shutil.copy(Path(tmp) / "model.safetensors", out / "model.safetensors")
        cfg_json = json.loads((Path(tmp) / "config.json").read_text())
    del model
    # config.json: what save_pretrained wrote (bf16), with the llava-hf release keys
    dump_json(out / "config.json", cfg_json)
    mcfg = json.loads(json.dumps(cfg_json))
    mcfg["text_config"] = {k: v for k, v in mcfg["text_config"].items()}
    dump_json(out / "preprocessor_config.json", preprocessor_config())
    for f in ("tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(tok_dir / f, out / f)
    tc = json.loads((out / "tokenizer_config.json").read_text())
    tc["processor_class"] = "LlavaNextProcessor"
    dump_json(out / "tokenizer_config.json", tc)
    dump_json(out / "generation_config.json", {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": PAD_TOKEN})
    with safe_open(str(out / "model.safetensors"), "pt") as f:
        file_keys = sorted(f.keys())
        file_dtypes = sorted({str(f.get_slice(k).get_dtype()) for k in file_keys})

    # the Mistral variant: same weights, another decoder config
    mistral_cfg = make_config("mistral")
    mdict = json.loads(json.dumps(cfg_json))
    mt = mistral_cfg.text_config.to_dict()
    mdict["text_config"] = {k: v for k, v in mdict["text_config"].items()}
    mdict["text_config"]["model_type"] = "mistral"
    mdict["text_config"]["architectures"] = ["MistralForCausalLM"]
    mdict["text_config"]["sliding_window"] = SLIDING_WINDOW
    mdict["text_config"]["_name_or_path"] = "sinkscope/llava-next-tiny-a-mistral"
    for k in ("head_dim",):
        if k in mt and k not in mdict["text_config"]:
            mdict["text_config"][k] = mt[k]
    dump_json(out / "mistral" / "config.json", mdict)

    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for dec, cfg_d in (("llama", cfg_json), ("mistral", mdict)):
            d = Path(tmp) / dec
            d.mkdir()
            dump_json(d / "config.json", cfg_d)
            shutil.copy(out / "model.safetensors", d / "model.safetensors")
            m = LlavaNextForConditionalGeneration.from_pretrained(str(d), dtype=torch.float32, attn_implementation="eager").eval()
            sd = m.state_dict()
            for k in rounded:
                if k in sd:
                    assert torch.equal(sd[k], rounded[k]), k
            assert m.lm_head.weight.data_ptr() == m.model.language_model.embed_tokens.weight.data_ptr()
            assert m.config.text_config.model_type == dec
            if dec == "mistral":
                assert m.config.text_config.sliding_window == SLIDING_WINDOW
            models[dec] = m

    samples_out = []
    for sid, dec, ii, qi in SAMPLES:
        print(f"   {sid}: {dec} image{ii} q{qi}", flush=True)
        model = models[dec]
        m64 = copy.deepcopy(model).double().eval()
        text, inputs = encode(dec, ii, qi)
        ids_exp = inputs["input_ids"][0]
        W, H = IMAGES[ii]["size"]
        assert inputs["image_sizes"][0].tolist() == [H, W]
        best, tile_grid, unpad, (unpad_axis, unpad_each) = unpadded_grid(H, W)
        n_tiles = (best[0] // SIZE) * (best[1] // SIZE)
        assert inputs["pixel_values"].shape == (1, 1 + n_tiles, 3, SIZE, SIZE), inputs["pixel_values"].shape
        n_img = GRID * GRID + unpad[0] * (unpad[1] + 1)
        where = (ids_exp == IMAGE_TOKEN).nonzero()[:, 0]
        start, end = int(where[0]), int(where[-1]) + 1
        assert end - start == n_img == len(where), (end - start, n_img)
        ids = torch.cat([ids_exp[:start + 1], ids_exp[end:]])
        assert torch.equal(ids, torch.tensor(tokenizer(text).input_ids)), "the tokenizer alone gives one <image> id"
        T = ids_exp.shape[0]

        g = run_forward(model, inputs)
        torch.set_num_threads(2)
        g2 = run_forward(model, inputs)
        torch.set_num_threads(1)
        inputs64 = dict(inputs)
        inputs64["pixel_values"] = inputs["pixel_values"].double()
        g64 = run_forward(m64, inputs64)

        hs = g["hidden_states"]
        assert torch.equal(hs[0], g["inputs_embeds"])
        assert torch.equal(g["inputs_embeds"][start:end], g["packed"])
        assert torch.allclose(hs[-1], model.model.language_model.norm(g["prenorm"]), atol=1e-6, rtol=0)
        kind, rc = kinds_of(GRID * GRID, unpad[0], unpad[1])
        assert kind.numel() == n_img
        # the newline rows are image_newline; the base rows the projected base tile
        assert torch.equal(g["packed"][kind == 2], model.model.image_newline.expand(int((kind == 2).sum()), -1))
        assert torch.equal(g["packed"][:GRID * GRID], g["projector"][0])

        t = {}
        t["pixel_values"] = inputs["pixel_values"][0]
        t["image_sizes"] = inputs["image_sizes"][0].long()
        t["input_ids"] = ids
        t["input_ids_expanded"] = ids_exp
        t["vision.hidden_states"] = g["vision_hidden"]
        t["vision.selected_features"] = g["selected"]
        t["projector.output"] = g["projector"]
        t["image_features.packed"] = g["packed"]
        t["image_features.kind"] = kind
        t["image_features.mosaic_rc"] = rc
        t["decoder.inputs_embeds"] = g["inputs_embeds"]
        t["decoder.position_ids"] = torch.arange(T)
        t["decoder.hidden_states"] = hs
        t["decoder.last_layer_output_prenorm"] = g["prenorm"]
        t["decoder.attentions"] = g["attentions"]
        t["logits.last"] = g["logits"][-1]
        t["logits.argmax"] = g["logits"].argmax(-1)
        resid = torch.cat([hs[:-1], g["prenorm"][None]], 0)
        t["sink.phi"] = phi(resid).float()

        if dec == "mistral":
            a = g["attentions"]
            q = torch.arange(T).view(T, 1)
            k = torch.arange(T).view(1, T)
            outside = (k > q) | (q - k >= SLIDING_WINDOW)
            assert float(a[:, :, outside].abs().max()) == 0.0, "sliding window"
            assert T > SLIDING_WINDOW

        toks, step_logits = greedy_generate(model, inputs)
        assert len(toks) == MAX_NEW_TOKENS
        nc_toks, nc_logits = greedy_nocache(model, inputs, MAX_NEW_TOKENS)
        assert torch.equal(nc_toks, toks), (nc_toks, toks)
        cache_vs_nocache = float((nc_logits - step_logits).abs().max())
        top = step_logits.topk(16, dim=-1)
        t["generate.tokens"] = toks
        t["generate.step_top16_values"] = top.values
        t["generate.step_top16_ids"] = top.indices
        assert float((step_logits[0] - g["logits"][-1]).abs().max()) < 1e-3
        toks64, step64 = greedy_generate(m64, inputs64)
        gen64_same = bool(torch.equal(toks64, toks))

        top2 = g["logits"].topk(2, dim=-1).values
        margins = top2[:, 0] - top2[:, 1]
        near = [int(i) for i in (margins < 1e-3).nonzero()[:, 0]]
        gm = step_logits.topk(2, dim=-1).values
        gen_margin = float((gm[:, 0] - gm[:, 1]).min())
        print("      tokens", toks.tolist(), "margin", round(gen_margin, 4), flush=True)
        assert gen_margin > 1e-3, gen_margin

        others2 = {"vision.hidden_states": g2["vision_hidden"], "vision.selected_features": g2["selected"],
                   "projector.output": g2["projector"], "image_features.packed": g2["packed"],
                   "decoder.inputs_embeds": g2["inputs_embeds"], "decoder.hidden_states": g2["hidden_states"],
                   "decoder.last_layer_output_prenorm": g2["prenorm"], "decoder.attentions": g2["attentions"],
                   "logits.last": g2["logits"][-1],
                   "sink.phi": phi(torch.cat([g2["hidden_states"][:-1], g2["prenorm"][None]], 0)).float()}
        others64 = {"vision.hidden_states": g64["vision_hidden"], "vision.selected_features": g64["selected"],
                    "projector.output": g64["projector"], "image_features.packed": g64["packed"],
                    "decoder.inputs_embeds": g64["inputs_embeds"], "decoder.hidden_states": g64["hidden_states"],
                    "decoder.last_layer_output_prenorm": g64["prenorm"], "decoder.attentions": g64["attentions"],
                    "logits.last": g64["logits"][-1],
                    "sink.phi": phi(torch.cat([g64["hidden_states"][:-1], g64["prenorm"][None]], 0)),
                    "generate.step_top16_values": step64.gather(1, top.indices) if gen64_same else None}
        meta = []
        for name, val in t.items():
            val = val.contiguous()
            t[name] = val
            e = dict(name=name, shape=list(val.shape), dtype={torch.float32: "F32", torch.int64: "I64"}[val.dtype],
                     meaning=MEANINGS[name])
            if name == "pixel_values":
                e["tolerance"] = dict(atol=1e-5, rtol=0.0, note="exact if PIL's BICUBIC resize is reproduced")
            elif val.dtype == torch.float32:
                floor, rtol = policy(name)
                need, obs = 0.0, {}
                for label, o in (("float32_2threads_vs_1thread", others2.get(name)), ("float64_vs_float32", others64.get(name))):
                    if o is None:
                        continue
                    mx, nd = diff_stats(val, o, rtol)
                    obs["observed_" + label + "_max_abs_diff"] = mx
                    need = max(need, nd)
                e["tolerance"] = dict(atol=max(floor, nice_ceil(10 * need)), rtol=rtol)
                e.update(obs)
                if name == "generate.step_top16_values":
                    e["observed_cache_vs_nocache_max_abs_diff"] = cache_vs_nocache
            else:
                note = "exact"
                if name == "logits.argmax":
                    note = "exact, except at the positions listed in argmax_near_ties (top-2 margin < 1e-3)"
                if name == "generate.step_top16_ids":
                    note = "exact set and order, except where neighbouring values differ by < 1e-3"
                e["tolerance"] = dict(atol=0, rtol=0, note=note)
            meta.append(e)
        tfile = f"tensors/{sid}.safetensors"
        save_file(t, str(out / tfile))

        # sinks: planted image sinks (all layers), BOS text sink; newline tokens are never sinks here
        ph = t["sink.phi"]
        per_layer = []
        for l in range(TEXT["layers"] + 1):
            row = ph[l]
            sinks = [int(i) for i in (row > TAU).nonzero()[:, 0]]
            img = [p - start for p in sinks if start <= p < end]
            txt = [p for p in sinks if not (start <= p < end)]
            other = [float(row[p]) for p in range(T) if p not in sinks]
            per_layer.append(dict(layer=l, image_sink_indices=img, text_sink_positions=txt,
                                  base_sinks=[i for i in img if kind[i] == 0], tile_sinks=[i for i in img if kind[i] == 1],
                                  newline_sinks=[i for i in img if kind[i] == 2],
                                  min_phi_sinks=round(float(row[sinks].min()), 4) if sinks else None,
                                  max_phi_non_sinks=round(max(other), 4)))
        for pl in per_layer:
            assert pl["image_sink_indices"] == per_layer[0]["image_sink_indices"], pl
            assert pl["text_sink_positions"] == [0], pl
            assert pl["base_sinks"] and (pl["tile_sinks"] or not REQUIRE_TILE_SINKS) and not pl["newline_sinks"], pl
            assert pl["max_phi_non_sinks"] < TAU - 0.5 and pl["min_phi_sinks"] > TAU + 0.5, pl

        samples_out.append(dict(
            id=sid, decoder=dec, config="config.json" if dec == "llama" else "mistral/config.json",
            image_index=ii, image_file="images/" + IMAGES[ii]["name"], image_size_wh=[W, H],
            best_resolution_hw=list(best), tiles_hw=[best[0] // SIZE, best[1] // SIZE], tile_grid_hw=list(tile_grid),
            unpadded_grid_hw=list(unpad), unpad_axis=unpad_axis, unpad_removed_each_side=unpad_each,
            num_patches=1 + n_tiles, question_index=qi, prompt=text, input_ids=ids.tolist(),
            image_token_position_in_input_ids=start, num_image_tokens=n_img, num_base_tokens=GRID * GRID,
            num_tile_tokens=unpad[0] * unpad[1], num_newline_tokens=unpad[0], merged_sequence_length=T,
            image_start=start, image_end=end, generated_token_ids=toks.tolist(),
            generated_text=tokenizer.decode(toks), argmax_near_ties=near, min_top2_logit_margin_generation=gen_margin,
            generation_float64_same_tokens=gen64_same, generation_cache_vs_nocache_max_abs_logit_diff=cache_vs_nocache,
            tensors_file=tfile, tensors=meta, sink_report=per_layer))

    manifest = dict(
        case="llava-next-tiny-a",
        computed_with=f"Hugging Face transformers {transformers.__version__} LlavaNextForConditionalGeneration, torch "
                      f"{torch.__version__}, eager attention, float32, CPU, torch.set_num_threads(1); weights initialised in "
                      "float32, rounded to bfloat16, saved with save_pretrained in bfloat16 and reloaded in float32",
        generator="src/test/python/llava_next_golden/make_golden.py",
        tokenizer_from="llava-tiny-a (the shared golden data, ../shared/golden/llava-tiny-a)",
        tokenizer_files_not_copied=["tokenizer.json"],
        model_dir_files=["config.json", "model.safetensors", "preprocessor_config.json", "tokenizer_config.json",
                         "special_tokens_map.json", "generation_config.json", "tokenizer.json (from llava-tiny-a)"],
        variants={"llama": "config.json", "mistral": "mistral/config.json (same model.safetensors; text_config.model_type "
                  f"mistral, sliding_window {SLIDING_WINDOW})"},
        weights=dict(file="model.safetensors", dtypes=file_dtypes, names=file_keys,
                     note="tie_word_embeddings: no lm_head.weight is stored"),
        shapes=dict(text_hidden=TEXT["hidden"], text_layers=TEXT["layers"], text_heads=TEXT["heads"],
                    text_kv_heads=TEXT["kv_heads"], head_dim=TEXT["hidden"] // TEXT["heads"],
                    text_intermediate=TEXT["intermediate"], vocab=VOCAB, vision_hidden=VISION["hidden"],
                    vision_layers=VISION["layers"], vision_heads=VISION["heads"], image_size=SIZE, patch_size=PATCH,
                    tokens_per_tile=GRID * GRID, image_grid_pinpoints=PINPOINTS),
        tolerance_rule="elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose semantics)",
        prompts=PROMPTS, questions=QUESTIONS,
        packing=("merged = embed(ids[:i]) ++ packed ++ embed(ids[i+1:]) for the single <image> id at i; packed = base "
                 "image features (G*G rows, no newline) then, for the tiles, the [rows*G, cols*G] mosaic unpadded to the "
                 "original aspect ratio (HF unpad_image) with image_newline after each row (spatial_unpad)"),
        sink=dict(dims=SINK_DIMS, tau_practical=TAU, massive_value=MASSIVE, ratio=SINK_RATIO,
                  planted_in=("CLIP channel %d marks the patch positions %s of every 4x4 tile and of the base image (the "
                              "position embedding carries %.1f there; nothing else writes the channel); two projector "
                              "linear_1 units %s form a clipped ramp on it and linear_2 writes the massive pattern on the "
                              "sink dims for those patches, in the base image and in the tiles (where unpadding keeps "
                              "them); BOS's embedding row carries it too (text sink); the sink dims of every other token "
                              "are scaled by %.2f") % (BRIGHT_CH, SINK_PATCHES, SINK_POS_VALUE, PROJ_UNITS, SINK_DIM_SCALE),
                  calibration=calib,
                  newline_tokens="image_newline is random (sink dims scaled down): newline tokens are never sinks here"),
        images=[dict(file="images/" + s["name"], size_wh=list(s["size"]), note=s["note"]) for s in IMAGES],
        samples=samples_out,
    )
    dump_json(out / "manifest.json", manifest)
    write_readme(out, manifest)


def write_readme(out, man):
    L = ["# llava-next-tiny-a", "",
         "A tiny random LLaVA-NeXT checkpoint in the llava-hf layout (`model_type` `llava_next`) and Hugging Face's tensors for it,",
         "made by `src/test/python/llava_next_golden/make_golden.py` (see the README there to rerun). `manifest.json` lists",
         "every tensor with shape, meaning, tolerance and the observed float32-vs-float64 / thread-count differences.", "",
         "- `config.json`, `model.safetensors` (bf16, tied embeddings), `preprocessor_config.json`, `tokenizer_config.json`,",
         "  `special_tokens_map.json`, `generation_config.json`; `tokenizer.json` is the LLaMA-2 one of `llava-tiny-a`",
         "  (not copied: the tests assemble the checkpoint in `target/golden/`).",
         f"- `mistral/config.json`: the same weights with a Mistral decoder (`sliding_window` {SLIDING_WINDOW}).",
         "- `images/`: the sample images; `tensors/<id>.safetensors`: one file per sample.", "",
         "| sample | decoder | image (WxH) | best res (HxW) | tiles | mosaic | unpadded | image tokens | seq |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in man["samples"]:
        L.append(f"| {s['id']} | {s['decoder']} | {s['image_size_wh'][0]}x{s['image_size_wh'][1]} | "
                 f"{s['best_resolution_hw'][0]}x{s['best_resolution_hw'][1]} | {s['tiles_hw'][0]}x{s['tiles_hw'][1]} | "
                 f"{s['tile_grid_hw'][0]}x{s['tile_grid_hw'][1]} | {s['unpadded_grid_hw'][0]}x{s['unpadded_grid_hw'][1]} | "
                 f"{s['num_image_tokens']} = {s['num_base_tokens']} + {s['num_tile_tokens']} + {s['num_newline_tokens']} | "
                 f"{s['merged_sequence_length']} |")
    L += ["", "Conventions: `pixel_values` [num_patches, 3, S, S] (index 0 the whole image resized to SxS, then the tiles,",
          "row-major); `image_sizes` (height, width); `input_ids` hold ONE `<image>` id (the model expands it);",
          "`image_features.kind` marks base (0), tile (1) and newline (2) rows of the packed features.", "",
          "Sink: " + man["sink"]["planted_in"] + f". Practical tau {TAU}; sink dims {SINK_DIMS}.", ""]
    (out / "README.md").write_text("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--tokenizer-dir", default=str(TOKENIZER_FROM), help="llava-tiny-a (LLaMA-2 tokenizer.json, <image> = 32000)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    generate(args)


if __name__ == "__main__":
    main()
