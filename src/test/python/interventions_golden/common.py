"""Shared plumbing for the intervention reference scripts (PAI, VCD, VAF, OPERA).

The model is HF transformers 5.18 `LlavaForConditionalGeneration` (eager attention, CPU) loaded from
`llava-tiny-a`; the inputs are that folder's stored `input_ids` and `pixel_values`, so the Java side sees the same
preprocessing as its baseline golden tests. transformers 5 expands the single `<image>` id into one id per image row
inside `input_ids` (4.x did it inside the model); `expand_image_ids` does that, the merged sequence is the same.

Attention edits go through one patched `modeling_llama.eager_attention_forward`: it computes the raw scores
q.k^T * head_dim^-0.5, hands them to the method's `edit(module, raw, mask)` callback (which returns the scores that
enter softmax, mask included) and records what the method asks for. Everything else is HF's code unchanged.
"""
import json
import hashlib
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import LlavaForConditionalGeneration
from transformers.models.llama import modeling_llama

GOLDEN = os.environ.get("LLAVA_TINY_A", "/work/shared/golden/llava-tiny-a")
IMAGE_ID = 32000
NUM_IMAGE_TOKENS = 36
SAMPLES = ("s0", "s1")  # image0 + prompt 0, image1 + prompt 1, both crop mode (llava-tiny-a manifest)


def load_model(dtype=torch.float32):
    torch.set_num_threads(1)
    m = LlavaForConditionalGeneration.from_pretrained(GOLDEN, attn_implementation="eager", dtype=dtype)
    return m.eval()


def decoder_layers(model):
    return model.model.language_model.layers


def load_sample(sid):
    t = load_file(os.path.join(GOLDEN, "tensors", sid + ".safetensors"))
    man = json.load(open(os.path.join(GOLDEN, "manifest.json")))
    meta = next(s for s in man["samples"] if s["id"] == sid)
    return {"id": sid, "input_ids": t["input_ids"], "pixel_values": t["pixel_values"], "meta": meta}


def expand_image_ids(ids):
    """[1, T] with one <image> id -> [1, T - 1 + 36] with 36 <image> ids (the merged sequence's layout)."""
    row = ids[0].tolist()
    i = row.index(IMAGE_ID)
    return torch.tensor([row[:i] + [IMAGE_ID] * NUM_IMAGE_TOKENS + row[i + 1:]], dtype=torch.long)


def image_span(ids):
    row = ids[0].tolist()
    start = row.index(IMAGE_ID)
    return start, start + NUM_IMAGE_TOKENS


# ---------------------------------------------------------------- the attention seam (patched eager attention)
class AttentionSeam:
    """edit(module, raw, mask) -> scores entering softmax (mask included); record(layer, name, tensor)."""
    edit = None
    recorder = None


def _eager(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    key_states = modeling_llama.repeat_kv(key, module.num_key_value_groups)
    value_states = modeling_llama.repeat_kv(value, module.num_key_value_groups)
    raw = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if AttentionSeam.edit is not None:
        attn_weights = AttentionSeam.edit(module, raw, attention_mask)
    else:
        attn_weights = raw + attention_mask if attention_mask is not None else raw
    attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    if AttentionSeam.recorder is not None:
        AttentionSeam.recorder(module, raw, attn_weights)
    attn_output = torch.matmul(attn_weights, value_states)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


modeling_llama.eager_attention_forward = _eager


def check_patch_active(model, sample):
    """The patched function must be the one HF calls (an identity edit changes nothing), and the baseline must match."""
    ids = expand_image_ids(sample["input_ids"])
    AttentionSeam.edit = None
    with torch.no_grad():
        a = model(input_ids=ids, pixel_values=sample["pixel_values"]).logits[0, -1]
    calls = []
    AttentionSeam.edit = lambda m, raw, mask: (calls.append(1), raw + mask)[1]
    with torch.no_grad():
        b = model(input_ids=ids, pixel_values=sample["pixel_values"]).logits[0, -1]
    AttentionSeam.edit = None
    assert len(calls) == len(decoder_layers(model)), "patched eager attention is not called"
    assert torch.equal(a, b)
    # HF 5.18 must reproduce llava-tiny-a's own (transformers 4.41.2) baseline: last-position logits
    golden = load_file(os.path.join(GOLDEN, "tensors", sample["id"] + ".safetensors"))["logits.last"]
    diff = float((a.double() - golden.double()).abs().max())
    assert diff < 1e-4, f"{sample['id']}: logits differ from llava-tiny-a's by {diff}"


# ---------------------------------------------------------------- official repositories (scratch dir, not the repo)
def official_import(root, repo_dir, module):
    path = os.path.join(root, repo_dir)
    if not os.path.isdir(path):
        sys.exit(f"official repository {repo_dir} not found under {root} (see README.md: fetch it first)")
    sys.path.insert(0, path)
    try:
        return __import__(module)
    finally:
        sys.path.remove(path)


# the official files these scripts execute, at the commits named in README.md
OFFICIAL_SHA256 = {
    "LALBJ+PAI/attention.py": "5014a4e1f70dfe682ec332cb4a433ddc3c89ea21e56ed4422edcf5952660aec7",
    "LALBJ+PAI/CFG.py": "0575c272bb1dadb722f65f8578b05c15f23cc8d74923102577074dc4f5eb7e76",
    "DAMO-NLP-SG+VCD/vcd_utils/vcd_add_noise.py": "8567bf7f7878e5ff533ef28f192a314e6c9d3579d2987505de4f6c1dcb7a32f7",
    "shikiw+OPERA/transformers-4.29.2/src/transformers/generation/utils.py":
        "86b638efa35cd9a4919f302873dc2cac5791dc8adb374263c8eedb870d3f5c51",
    "shikiw+OPERA/transformers-4.29.2/src/transformers/generation/beam_search.py":
        "d30e309ca4accf99cf8b6cea13fc8b0dde67f2478dbea6b6439688c21e82c1ce",
}


def verify_official(root, prefix):
    """Warn when a fetched official file differs from the one the golden data was made with."""
    for rel, sha in OFFICIAL_SHA256.items():
        if rel.startswith(prefix):
            path = os.path.join(root, rel)
            got = hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else "missing"
            if got != sha:
                print(f"WARNING: {rel} sha256 {got} != {sha} (another commit of the official repository?)", file=sys.stderr)


# ---------------------------------------------------------------- small helpers
def top_k(vec, k=16):
    v, i = torch.topk(vec, k)
    return v, i


def max_abs_diff(a, b):
    a = a.double()
    b = b.double()
    fin = torch.isfinite(a) & torch.isfinite(b)
    if not torch.equal(torch.isfinite(a), torch.isfinite(b)):
        return float("nan")
    if fin.sum() == 0:
        return 0.0
    return float((a[fin] - b[fin]).abs().max())


SAFETENSORS_DTYPE = {torch.float32: "F32", torch.int64: "I64", torch.float16: "F16"}


class Writer:
    """Collects tensors + manifest entries for one file, writes safetensors deterministically."""

    def __init__(self):
        self.tensors = {}
        self.entries = []

    def add(self, name, tensor, meaning, tol, note=None):
        t = tensor.detach().contiguous()
        if t.dtype == torch.float64:
            t = t.float()
        self.tensors[name] = t.clone()
        e = {"name": name, "shape": list(t.shape), "dtype": SAFETENSORS_DTYPE[t.dtype], "meaning": meaning,
             "tolerance": tol}
        if note:
            e["tolerance"] = dict(tol, note=note)
        self.entries.append(e)

    def save(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save_file(dict(sorted(self.tensors.items())), path, metadata={"format": "pt"})


EXACT = {"atol": 0, "rtol": 0, "note": "exact"}
LOGITS_TOL = {"atol": 1e-3, "rtol": 1e-4}
SCORES_TOL = {"atol": 1e-4, "rtol": 1e-4}
PROBS_TOL = {"atol": 2e-5, "rtol": 1e-3}


def write_manifest(path, manifest):
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")


def fp64_diffs(w32, w64, names=None):
    """Observed |fp32 - fp64| per float tensor present in both writers."""
    out = {}
    for n, t in w32.tensors.items():
        if names is not None and n not in names:
            continue
        if n in w64.tensors and t.is_floating_point() and t.shape == w64.tensors[n].shape:
            out[n] = max_abs_diff(t, w64.tensors[n])
    return out


def attach_fp64(writer, diffs):
    for e in writer.entries:
        if e["name"] in diffs:
            e["observed_fp32_vs_fp64_max_abs"] = diffs[e["name"]]
