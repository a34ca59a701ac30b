"""PAI reference: LALBJ/PAI (attention.py, CFG.py, model_loader.py, chair_eval.py/pope_eval.py) on HF transformers 5.18.

Official code run as is (imported from the fetched repository in a scratch directory, never copied here):
- `attention.llama_modify` sets use_attn/alpha/use_cfg/img_start_idx/img_end_idx on the layers [start, end)
  (attention.py lines 120-128); its forward replacement targets the 4.37 attention signature, so the instance
  `forward` it installs is removed again and the edit of attention.py lines 67-94 (mask + clamp to finfo.min, then
  the last query row's image-key scores a -> a + alpha*|a| when use_attn and not use_cfg) runs in the patched eager
  attention below, reading the attributes llama_modify set.
- `CFG.CFGLogits` is the official logits processor itself (CFG.py lines 28-58): log_softmax, its own text-only
  forward with its own cache (use_cfg toggled on around it), gamma*(s - u) + u, cutoff log(0.1) + max(s).
  It is given a small adapter whose `.model.layers` are the 5.18 decoder layers and whose call runs the 5.18 model.
- The text-only prompt is model_loader.init_cfg_processor lines 267-292: [bos] + the ids before the image + the ids
  after it, i.e. this sample's input_ids with the <image> id removed.
- Decoding: chair_eval.py / pope_eval.py call generate(do_sample=args.sample, num_beams=args.beam, ...) and the
  README's commands pass neither flag: greedy, one beam.

Variants per sample: attn_cfg (both parts, llama_modify(use_cfg=True): the first token is NOT amplified),
attn_cfg_amplify_first (llama_modify(use_cfg=False) + the same processor: amplified from the first token, the
paper's reading) and attn_only (no guidance: amplified at every step).

Usage: python make_pai.py --official-root /tmp/refs28 [--out DIR]
"""
import argparse
import os
import types

import torch

import common as C

ALPHA = 0.2          # chair_eval.py --alpha default and README
GAMMA = 2.0          # chair_eval.py/pope_eval.py argparse default; the README commands use 1.1, which changes no greedy token on the tiny model
LAYERS = (1, 4)      # [start, end) on the 4 tiny layers (official: --start-layer 2 --end-layer 32 of 32)
RECORD_LAYERS = (0, 1)   # layer 0 is outside the range, layer 1 inside
STEPS = 8
K = 64               # per-step ids recorded for the guidance: the 64 best conditional log-probs
VARIANTS = {
    "attn_cfg": dict(use_attn=True, use_cfg=True, modify_use_cfg=True),
    "attn_cfg_amplify_first": dict(use_attn=True, use_cfg=True, modify_use_cfg=False),
    "attn_only": dict(use_attn=True, use_cfg=False, modify_use_cfg=False),
}


class ModelAdapter:
    """What CFGLogits expects of `model`: `.model.layers[i].self_attn` and a call returning `.logits`/`.past_key_values`."""

    def __init__(self, llava, state):
        self.llava = llava
        self.model = types.SimpleNamespace(layers=C.decoder_layers(llava))
        self.state = state

    def __call__(self, input_ids=None, **kw):
        self.state["branch"] = "text_only"
        try:
            return self.llava(input_ids=input_ids, **kw)
        finally:
            self.state["branch"] = "conditional"


def pai_edit(module, raw, mask):
    # attention.py lines 67-94
    w = raw + mask if mask is not None else raw.clone()
    if mask is not None:
        w = torch.max(w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
    use_attn = module.use_attn if hasattr(module, "use_attn") else False
    use_cfg = module.use_cfg if hasattr(module, "use_cfg") else False
    if use_attn and not use_cfg:
        s, e = module.img_start_idx, module.img_end_idx
        w[:, :, -1, s:e] = w[:, :, -1, s:e].abs() * module.alpha + w[:, :, -1, s:e]
    return w


def reset_layers(model):
    for layer in C.decoder_layers(model):
        for a in ("use_attn", "alpha", "use_cfg", "img_start_idx", "img_end_idx", "forward"):
            if a in layer.self_attn.__dict__:
                delattr(layer.self_attn, a)


def run(model, sample, variant, official, forced=None):
    v = VARIANTS[variant]
    ids = C.expand_image_ids(sample["input_ids"])
    img_start, img_end = C.image_span(ids)
    dtype = next(model.parameters()).dtype
    reset_layers(model)
    official["attention"].llama_modify(types.SimpleNamespace(model=types.SimpleNamespace(layers=C.decoder_layers(model))),
                                       LAYERS[0], LAYERS[1], v["use_attn"], ALPHA, v["modify_use_cfg"], img_start, img_end)
    for layer in C.decoder_layers(model):
        if "forward" in layer.self_attn.__dict__:
            del layer.self_attn.forward       # keep the 5.18 forward; the edit runs in the patched eager attention
    state = {"branch": "conditional", "step": 0}
    rec = {}

    def recorder(module, raw, probs):
        li, step = module.layer_idx, state["step"]
        if state["branch"] != "conditional" or li not in RECORD_LAYERS or step > 1:
            return
        rec[f"step{step}.layer{li}.scores_before"] = raw[0, :, -1]
        rec[f"step{step}.layer{li}.scores_after"] = pai_edit(module, raw, None)[0, :, -1]
        rec[f"step{step}.layer{li}.probs"] = probs[0, :, -1]

    C.AttentionSeam.edit = pai_edit
    C.AttentionSeam.recorder = recorder
    uncond = sample["input_ids"][:, sample["input_ids"][0] != C.IMAGE_ID]
    cfg = official["CFG"].CFGLogits(GAMMA, uncond, ModelAdapter(model, state), start_layer=LAYERS[0], end_layer=LAYERS[1]) \
        if v["use_cfg"] else None
    tokens, cond_ids, cond_s, unc_s, final_s, n_plaus, unc_top_i, unc_top_v, top_i, top_v, lse = ([] for _ in range(11))
    running = ids
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=sample["pixel_values"].to(dtype), use_cache=True)
        for step in range(STEPS):
            logits = out.logits[:, -1, :]
            lse.append(torch.logsumexp(logits[0], -1))
            if cfg is not None:
                final = cfg(running, logits)[0]
                s = torch.log_softmax(logits[0], -1)
                u = torch.log_softmax(cfg.out.logits[0, -1], -1)
                _, ci = torch.topk(s, K)
                cond_ids.append(ci); cond_s.append(s[ci]); unc_s.append(u[ci]); final_s.append(final[ci])
                n = int(torch.isfinite(final).sum())
                assert n <= K, f"{n} plausible tokens > K={K}"
                n_plaus.append(n)
                uv, ui = C.top_k(u)
                unc_top_i.append(ui); unc_top_v.append(uv)
            else:
                final = logits[0]
            tv, ti = C.top_k(final)
            top_i.append(ti); top_v.append(tv)
            tok = int(torch.argmax(final)) if forced is None else forced[step]
            tokens.append(tok)
            state["step"] = step + 1
            running = torch.cat([running, torch.tensor([[tok]])], 1)
            if step + 1 < STEPS:
                out = model(input_ids=torch.tensor([[tok]]), past_key_values=out.past_key_values, use_cache=True)
    C.AttentionSeam.edit = None
    C.AttentionSeam.recorder = None
    reset_layers(model)

    w = C.Writer()
    p = variant + "."
    amplified_at_0 = not v["modify_use_cfg"]
    for name, t in rec.items():
        step, layer, kind = name.split(".")
        li, st = int(layer[5:]), int(step[4:])
        edited = LAYERS[0] <= li < LAYERS[1] and (st > 0 or amplified_at_0)
        meaning = {
            "scores_before": "last query row's scores q.k/sqrt(head_dim) before the edit, [heads, keys] (no masked key in the last row)",
            "scores_after": "last query row's scores entering softmax: image keys [image_start, image_end) a -> a + alpha*|a|" if edited
            else "last query row's scores entering softmax: NOT edited here (%s), equal to scores_before" % (
                "layer outside [start, end)" if not LAYERS[0] <= li < LAYERS[1] else "first token with both parts on: use_cfg is still True"),
            "probs": "softmax of scores_after",
        }[kind] + ("; prefill (step 0)" if st == 0 else "; first decode step")
        w.add(p + name, t, meaning, C.PROBS_TOL if kind == "probs" else C.SCORES_TOL)
    w.add(p + "generate.tokens", torch.tensor(tokens), "greedy tokens (argmax of the final scores)", C.EXACT)
    w.add(p + "generate.step_top16_ids", torch.stack(top_i), "per step, ids of the 16 largest final scores (descending)", C.EXACT,
          "exact set and order where the value is finite, except where neighbouring values differ by < 1e-3" +
          ("; entries whose value is -inf (cut off; fewer than 16 survive) are ties in torch.topk's arbitrary order: not comparable" if cfg else ""))
    w.add(p + "generate.step_top16_values", torch.stack(top_v), "per step, the 16 largest final scores" +
          (" (guided log-probs, -inf where cut off)" if cfg else " (logits)"), C.LOGITS_TOL)
    w.add(p + "generate.step_cond_logsumexp", torch.stack(lse), "per step, logsumexp of the conditional logits", C.LOGITS_TOL)
    if cfg is not None:
        w.add(p + "guidance.ids", torch.stack(cond_ids), "per step, the 64 ids with the largest conditional log-probs (descending); every "
              "token that survives the cutoff is among them", C.EXACT, "exact set and order, except where neighbouring values differ by < 1e-3")
        w.add(p + "guidance.cond_logprobs", torch.stack(cond_s), "s = log_softmax(conditional logits) at guidance.ids", C.LOGITS_TOL)
        w.add(p + "guidance.text_only_logprobs", torch.stack(unc_s), "u = log_softmax(text-only logits) at guidance.ids", C.LOGITS_TOL)
        w.add(p + "guidance.final", torch.stack(final_s), "gamma*(s - u) + u at guidance.ids, -inf where s < log(0.1) + max(s)", C.LOGITS_TOL)
        w.add(p + "guidance.num_plausible", torch.tensor(n_plaus), "per step, how many tokens survive the cutoff (finite final scores)", C.EXACT)
        w.add(p + "guidance.text_only_top16_ids", torch.stack(unc_top_i), "per step, ids of the 16 best text-only log-probs", C.EXACT,
              "exact set and order, except where neighbouring values differ by < 1e-3")
        w.add(p + "guidance.text_only_top16_logprobs", torch.stack(unc_top_v), "per step, the 16 best text-only log-probs", C.LOGITS_TOL)
    return w, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official-root", default="/tmp/refs28")
    ap.add_argument("--out", default="src/test/resources/golden/interventions/pai")
    args = ap.parse_args()
    C.verify_official(args.official_root, "LALBJ+PAI")
    official = {"attention": C.official_import(args.official_root, "LALBJ+PAI", "attention"),
                "CFG": C.official_import(args.official_root, "LALBJ+PAI", "CFG")}
    m32 = C.load_model(torch.float32)
    m64 = C.load_model(torch.float64)
    samples_out = []
    for sid in C.SAMPLES:
        s = C.load_sample(sid)
        C.check_patch_active(m32, s)
        ws, info = C.Writer(), {}
        for variant in VARIANTS:
            w32, tok32 = run(m32, s, variant, official)
            w64, tok64 = run(m64, s, variant, official, forced=tok32)
            C.attach_fp64(w32, C.fp64_diffs(w32, w64))
            info[variant] = {"tokens": tok32, "fp64_greedy_agrees": tok64 == tok32,
                             "steps_differing_from_baseline": [i for i, t in enumerate(tok32) if t != s["meta"]["generated_token_ids"][i]]}
            ws.tensors.update(w32.tensors); ws.entries += w32.entries
        ws.add("input_ids", s["input_ids"], "prompt ids with ONE <image> id (llava-tiny-a); the image expands to 36 rows at image_start", C.EXACT)
        uncond = s["input_ids"][:, s["input_ids"][0] != C.IMAGE_ID]
        ws.add("text_only_input_ids", uncond, "the guidance branch's prompt: input_ids with the <image> id removed (no BOS added twice)", C.EXACT)
        ws.save(os.path.join(args.out, "tensors", sid + ".safetensors"))
        ids = C.expand_image_ids(s["input_ids"])
        a, b = C.image_span(ids)
        samples_out.append(dict(id=sid, llava_tiny_a_sample=sid, prompt=s["meta"]["prompt"], input_ids=s["input_ids"][0].tolist(),
                                text_only_input_ids=uncond[0].tolist(), image_start=a, image_end=b, merged_sequence_length=ids.shape[1],
                                baseline_greedy_tokens=s["meta"]["generated_token_ids"], variants=info,
                                tensors_file=f"tensors/{sid}.safetensors", tensors=ws.entries))
    manifest = {
        "case": "interventions/pai",
        "computed_with": "HF transformers 5.18.0 LlavaForConditionalGeneration, eager attention, float32, CPU, 1 thread; official "
                         "PAI llama_modify and CFGLogits imported from LALBJ/PAI@9bbd8bd; fp64 rerun (same tokens forced) for the observed differences",
        "official_source": "LALBJ/PAI@9bbd8bd attention.py lines 67-94 and 120-128, CFG.py lines 28-58, model_loader.py lines 87-133 and 253-294, "
                           "chair_eval.py lines 47-56 and 96-125, README.md lines 65 and 82",
        "model_dir": "../shared/golden/llava-tiny-a (relative to the worktree; pixel_values from its tensors/<sample>.safetensors)",
        "parameters": {"alpha": ALPHA, "gamma": GAMMA, "layers": list(LAYERS), "cutoff_beta": 0.1, "decoding": "greedy",
                       "max_new_tokens": STEPS, "variants": VARIANTS},
        "official_defaults_llava15_32_layers": {"alpha": 0.2, "gamma": 1.1, "start_layer": 2, "end_layer": 32, "cutoff": "log(0.1)",
                                                 "decoding": "greedy (README commands; --sample would switch to multinomial sampling)",
                                                 "max_new_tokens": "512 (--max-tokens)", "argparse_gamma_default": 2.0, "dtype": "float16"},
        "tolerance_rule": "elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose semantics); -inf must match -inf",
        "samples": samples_out,
    }
    C.write_manifest(os.path.join(args.out, "manifest.json"), manifest)
    for so in samples_out:
        print(so["id"], "baseline", so["baseline_greedy_tokens"])
        for k, v in so["variants"].items():
            print("  ", k, v)


if __name__ == "__main__":
    main()
