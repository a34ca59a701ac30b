"""VAF / ClearSight reference: ustc-hyin/ClearSight visaug/inference/AttnAdapter.py on HF transformers 5.18.

Follows AttnAdapter.forward lines 68-79 (scale pre-softmax scores on image keys by enh_para and on the system-prompt
keys by sup_para, BEFORE the causal mask is added, lines 87-95) and infer_pope.py lines 52-58 (the adapter replaces
self_attn in layers i with 8 < i < 15) and lines 91-96 (plain greedy generate, use_cache=True).
SYS_LEN (35 in the official code, the length of LLaVA-1.5's system prompt before <image>) is image_start here and
IMG_LEN (576) is the image span length, so the code's `q_len > SYS_LEN + IMG_LEN` test is `q_len > image_end`.
Nothing of the official file is self-contained enough to import (it subclasses the 4.31 LlamaAttention); the edit
below is its lines 70-79 verbatim on the raw score tensor.

Usage: python make_vaf.py [--out DIR]
"""
import argparse
import os

import torch

import common as C

ENH, SUP = 1.15, 0.95          # infer_pope.sh --enh-para 1.15 --sup-para 0.95
LAYERS = (1, 3)                # [start, end) on the 4-layer tiny model (official: 9..14 of 32, i.e. [9, 15))
RECORD_LAYERS = (1, 3)         # one edited, one untouched layer
STEPS = 8


def make_edit(img_start, img_end):
    sys_len, img_len = img_start, img_end - img_start

    def edit(module, raw, mask):
        w = raw.clone()
        if LAYERS[0] <= module.layer_idx < LAYERS[1]:
            q_len = w.shape[2]
            # AttnAdapter.py lines 71-78
            if q_len > sys_len + img_len:
                w[:, :, sys_len + img_len:, sys_len:sys_len + img_len] = ENH * w[:, :, sys_len + img_len:, sys_len:sys_len + img_len]
                w[:, :, sys_len + img_len:, :sys_len] = SUP * w[:, :, sys_len + img_len:, :sys_len]
            else:
                w[:, :, :, sys_len:sys_len + img_len] = ENH * w[:, :, :, sys_len:sys_len + img_len]
                w[:, :, :, :sys_len] = SUP * w[:, :, :, :sys_len]
        edit.last_edited = w
        return w + mask if mask is not None else w

    return edit


def masked(scores, mask, q_rows):
    s = scores.clone()
    if mask is not None:
        s = s.masked_fill(mask[..., q_rows, :] < 0, float("-inf"))
    return s


def run(model, sample, dtype, forced=None):
    ids = C.expand_image_ids(sample["input_ids"])
    img_start, img_end = C.image_span(ids)
    seq = ids.shape[1]
    edit = make_edit(img_start, img_end)
    w = C.Writer()
    rec = {}
    state = {"step": 0, "mask": None}

    def on_edit(module, raw, mask):
        out = edit(module, raw, mask)
        state["mask"] = mask
        return out

    def recorder(module, raw, probs):
        li, step = module.layer_idx, state["step"]
        if li not in RECORD_LAYERS or step > 1:
            return
        rows = slice(img_end - 1, seq) if step == 0 else slice(0, 1)
        mask = state["mask"]
        rec[f"step{step}.layer{li}.scores_before"] = masked(raw[0][:, rows], mask[0] if mask is not None else None, rows)
        rec[f"step{step}.layer{li}.scores_after"] = masked(edit.last_edited[0][:, rows], mask[0] if mask is not None else None, rows)
        rec[f"step{step}.layer{li}.probs"] = probs[0][:, rows]

    C.AttentionSeam.edit = on_edit
    C.AttentionSeam.recorder = recorder
    tokens, top_v, top_i, lse = [], [], [], []
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=sample["pixel_values"].to(dtype), use_cache=True)
        for step in range(STEPS):
            logits = out.logits[0, -1]
            v, i = C.top_k(logits)
            top_v.append(v); top_i.append(i); lse.append(torch.logsumexp(logits, -1))
            tok = int(torch.argmax(logits)) if forced is None else forced[step]
            tokens.append(tok)
            state["step"] = step + 1
            if step + 1 < STEPS:
                out = model(input_ids=torch.tensor([[tok]]), past_key_values=out.past_key_values, use_cache=True)
    C.AttentionSeam.edit = None
    C.AttentionSeam.recorder = None

    w.add("input_ids", sample["input_ids"], "prompt ids with ONE <image> id (as llava-tiny-a); the image expands to 36 rows at image_start", C.EXACT)
    for name, t in rec.items():
        step, layer, kind = name.split(".")
        where = (f"prefill query rows [{img_end - 1}, {seq}) (row image_end-1 is the last one NOT edited)" if step == "step0"
                 else "the single query row of the first decode step (position %d)" % seq)
        edited = LAYERS[0] <= int(layer[5:]) < LAYERS[1]
        meaning = {
            "scores_before": "raw scores q.k/sqrt(head_dim) before the edit, [heads, rows, keys]; causally masked keys are -inf",
            "scores_after": "scores after the VAF edit (image keys *%.2f, system keys [0,image_start) *%.2f) entering softmax; masked keys -inf%s" % (ENH, SUP, "" if edited else "; this layer is outside the edited range, so equal to scores_before"),
            "probs": "softmax of scores_after (what multiplies V)",
        }[kind] + "; " + where
        w.add(name, t, meaning, C.PROBS_TOL if kind == "probs" else C.SCORES_TOL)
    w.add("generate.tokens", torch.tensor(tokens), "greedy tokens with VAF on (argmax of the final logits each step)", C.EXACT)
    w.add("generate.step_top16_ids", torch.stack(top_i), "per step, ids of the 16 largest logits (descending)", C.EXACT,
          "exact set and order, except where neighbouring values differ by < 1e-3")
    w.add("generate.step_top16_values", torch.stack(top_v), "per step, the 16 largest logits", C.LOGITS_TOL)
    w.add("generate.step_logsumexp", torch.stack(lse), "per step, logsumexp over all 32064 logits (checks the whole row)", C.LOGITS_TOL)
    return w, tokens, {"image_start": img_start, "image_end": img_end, "merged_sequence_length": seq}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="src/test/resources/golden/interventions/vaf")
    args = ap.parse_args()
    m32 = C.load_model(torch.float32)
    m64 = C.load_model(torch.float64)
    samples_out = []
    for sid in C.SAMPLES:
        s = C.load_sample(sid)
        C.check_patch_active(m32, s)
        w32, tok32, span = run(m32, s, torch.float32)
        w64, tok64, _ = run(m64, s, torch.float64)
        assert tok32 == tok64, f"{sid}: fp32 and fp64 greedy tokens differ: {tok32} vs {tok64}"
        C.attach_fp64(w32, C.fp64_diffs(w32, w64))
        w32.save(os.path.join(args.out, "tensors", sid + ".safetensors"))
        base = s["meta"]["generated_token_ids"]
        samples_out.append(dict(id=sid, llava_tiny_a_sample=sid, prompt=s["meta"]["prompt"],
                                input_ids=s["input_ids"][0].tolist(), **span,
                                baseline_greedy_tokens=base, vaf_greedy_tokens=tok32,
                                steps_differing_from_baseline=[i for i in range(len(base)) if base[i] != tok32[i]],
                                tensors_file=f"tensors/{sid}.safetensors", tensors=w32.entries))
    manifest = {
        "case": "interventions/vaf",
        "computed_with": "HF transformers 5.18.0 LlavaForConditionalGeneration, eager attention, float32, CPU, 1 thread; "
                         "model, pixel_values and input_ids from llava-tiny-a; fp64 rerun of the same code for the observed differences",
        "official_source": "ustc-hyin/ClearSight@5466c94 visaug/inference/AttnAdapter.py lines 68-95, infer_pope.py lines 52-58 and 91-96, infer_pope.sh",
        "model_dir": "../shared/golden/llava-tiny-a (relative to the worktree; pixel_values from its tensors/<sample>.safetensors)",
        "parameters": {"enh_para": ENH, "sup_para": SUP, "layers": list(LAYERS), "decoding": "greedy", "max_new_tokens": STEPS},
        "official_defaults_llava15_32_layers": {"enh_para": 1.15, "sup_para": 0.95, "layers": [9, 15], "decoding": "greedy",
                                                 "max_new_tokens": 1024, "dtype": "float16"},
        "tolerance_rule": "elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose semantics); -inf must match -inf",
        "samples": samples_out,
    }
    C.write_manifest(os.path.join(args.out, "manifest.json"), manifest)
    for so in samples_out:
        print(so["id"], "baseline", so["baseline_greedy_tokens"], "vaf", so["vaf_greedy_tokens"])


if __name__ == "__main__":
    main()
