"""VCD reference: DAMO-NLP-SG/VCD (after c637c85, 2024-07-16, which gave the contrast branch its own KV cache).

Official code run as is (imported from the fetched repository in a scratch directory, never copied here):
- `vcd_utils.vcd_add_noise.add_diffusion_noise(image_tensor, 500)` on the processor's normalised [3, H, W] tensor
  (experiments/eval/object_hallucination_vqa_llava.py lines 57-62), drawing torch.randn_like from the global RNG.
Followed line by line (the sampler replaces HF 4.31's GenerationMixin.sample and cannot run on 5.18):
- vcd_utils/vcd_sample.py lines 90-166 and 203-206: a conditional pass and a contrast pass (same ids, noised image,
  its own cache from model_kwargs_cd), cutoff = log(beta) + max(l) on the conditional LOGITS,
  cd = (1 + alpha) * l - alpha * l_cd, masked_fill(l < cutoff, -inf), logits_processor/logits_warper (empty with
  the POPE script's temperature 1, top_p 1, top_k None), softmax, torch.multinomial.
- set_seed(55) (llava1.5_pope.bash seed, object_hallucination_vqa_llava.py line 121) before the noise and the draws.

Variants per sample: `sample` (the official decoding; torch.multinomial's token is recorded together with a uniform
number u that reproduces it by inverse CDF, see SPEC.md) and `greedy` (argmax of the same cd logits; offered by the
project, not by the official code). Both use the same noised image.

Usage: python make_vcd.py --official-root /tmp/refs28 [--out DIR]
"""
import argparse
import os

import torch

import common as C

ALPHA = 1.0        # llava1.5_pope.bash cd_alpha default 1 (argparse default 1)
BETA = 0.2         # llava1.5_pope.bash cd_beta default 0.2 (argparse default 0.1)
NOISE_STEP = 500   # llava1.5_pope.bash noise_step default 500
SEED = 55          # llava1.5_pope.bash seed default 55
STEPS = 8
K = 64


def schedule_scalars():
    """alphas_bar_sqrt[t] and one_minus_alphas_bar_sqrt[t] exactly as vcd_add_noise.py lines 7-16 compute them."""
    betas = torch.sigmoid(torch.linspace(-6, 6, 1000)) * (0.5e-2 - 1e-5) + 1e-5
    prod = torch.cumprod(1 - betas, dim=0)
    return torch.sqrt(prod)[NOISE_STEP], torch.sqrt(1 - prod)[NOISE_STEP]


def noised_image(official, pixel_values):
    x0 = pixel_values[0]
    torch.manual_seed(SEED)
    x_cd = official.add_diffusion_noise(x0, NOISE_STEP)
    torch.manual_seed(SEED)
    noise = torch.randn_like(x0)
    a, b = schedule_scalars()
    assert torch.equal(a * x0 + b * noise, x_cd), "noise reconstruction differs from the official output"
    return x_cd, noise, a, b


def inverse_cdf(probs, u):
    """Token id of the smallest id whose cumulative probability (ascending ids) exceeds u."""
    cdf = torch.cumsum(probs, 0)
    return int(torch.searchsorted(cdf, torch.tensor(u, dtype=cdf.dtype), right=True))


def run(model, sample, x_cd, mode, forced=None):
    """mode 'sample': torch.multinomial on the global RNG (seeded after the noise, as the official stream runs)."""
    dtype = next(model.parameters()).dtype
    ids = C.expand_image_ids(sample["input_ids"])
    pv = sample["pixel_values"].to(dtype)
    pv_cd = x_cd.unsqueeze(0).to(dtype)
    recs = {k: [] for k in ("ids", "cond", "contrast", "final", "probs", "nplaus", "u", "ulo", "uhi",
                            "ctop_i", "ctop_v", "lse_c", "lse_cd", "top_i", "top_v")}
    tokens = []
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=pv, use_cache=True)
        out_cd = model(input_ids=ids, pixel_values=pv_cd, use_cache=True)
        for step in range(STEPS):
            l = out.logits[:, -1, :]
            l_cd = out_cd.logits[:, -1, :]
            cutoff = torch.log(torch.tensor(BETA, dtype=l.dtype)) + l.max(dim=-1, keepdim=True).values
            diffs = (1 + ALPHA) * l - ALPHA * l_cd
            cd = diffs.masked_fill(l < cutoff, -float("inf"))
            probs = torch.nn.functional.softmax(cd, dim=-1)
            if forced is not None:
                tok = forced[step]
            elif mode == "sample":
                tok = int(torch.multinomial(probs, num_samples=1)[0])
            else:
                tok = int(torch.argmax(cd[0]))
            p = probs[0].double()
            cdf = torch.cumsum(p, 0)
            lo = float(cdf[tok - 1]) if tok > 0 else 0.0
            hi = float(cdf[tok])
            u = (lo + hi) / 2
            assert inverse_cdf(p, u) == tok
            _, ci = torch.topk(l[0], K)
            n = int(torch.isfinite(cd).sum())
            assert n <= K, f"{n} plausible > {K}"
            for key, val in (("ids", ci), ("cond", l[0, ci]), ("contrast", l_cd[0, ci]), ("final", cd[0, ci]),
                             ("probs", probs[0, ci]), ("nplaus", torch.tensor(n)), ("u", torch.tensor(u, dtype=torch.float64)),
                             ("ulo", torch.tensor(lo, dtype=torch.float64)), ("uhi", torch.tensor(hi, dtype=torch.float64)),
                             ("lse_c", torch.logsumexp(l[0], -1)), ("lse_cd", torch.logsumexp(l_cd[0], -1))):
                recs[key].append(val)
            v, i = C.top_k(l_cd[0])
            recs["ctop_i"].append(i); recs["ctop_v"].append(v)
            tokens.append(tok)
            if step + 1 < STEPS:
                nxt = torch.tensor([[tok]])
                out = model(input_ids=nxt, past_key_values=out.past_key_values, use_cache=True)
                out_cd = model(input_ids=nxt, past_key_values=out_cd.past_key_values, use_cache=True)
    w = C.Writer()
    p = mode + "."
    st = lambda k: torch.stack(recs[k])
    w.add(p + "tokens", torch.tensor(tokens), "chosen tokens" + (" (torch.multinomial, seed 55 after the noise draw)" if mode == "sample"
                                                               else " (argmax of the cd logits)"), C.EXACT)
    w.add(p + "ids", st("ids"), "per step, the 64 ids with the largest conditional logits (descending); every token that survives the "
          "cutoff is among them", C.EXACT, "exact set and order, except where neighbouring values differ by < 1e-3")
    w.add(p + "cond_logits", st("cond"), "conditional logits l (clean image) at ids", C.LOGITS_TOL)
    w.add(p + "contrast_logits", st("contrast"), "contrast logits l' (noised image, own cache) at ids", C.LOGITS_TOL)
    w.add(p + "final_logits", st("final"), "(1+alpha)*l - alpha*l' at ids, -inf where l < log(beta) + max(l)", C.LOGITS_TOL)
    w.add(p + "probs", st("probs"), "softmax of the final logits over the whole vocabulary, at ids (0 where cut off)", C.PROBS_TOL)
    w.add(p + "num_plausible", st("nplaus"), "per step, tokens surviving the cutoff", C.EXACT)
    w.add(p + "cond_logsumexp", st("lse_c"), "per step, logsumexp of all conditional logits", C.LOGITS_TOL)
    w.add(p + "contrast_logsumexp", st("lse_cd"), "per step, logsumexp of all contrast logits", C.LOGITS_TOL)
    w.add(p + "contrast_top16_ids", st("ctop_i"), "per step, ids of the 16 largest contrast logits", C.EXACT,
          "exact set and order, except where neighbouring values differ by < 1e-3")
    w.add(p + "contrast_top16_values", st("ctop_v"), "per step, the 16 largest contrast logits", C.LOGITS_TOL)
    if mode == "sample":
        w.add(p + "uniform", st("u"), "per step, a uniform number in [0,1) that picks the recorded token by inverse CDF: the smallest token "
              "id whose cumulative probability (ids ascending) exceeds u; the midpoint of the chosen token's interval", EXACT_F64)
        w.add(p + "uniform_interval_low", st("ulo"), "per step, cumulative probability of all ids below the chosen token", C.PROBS_TOL)
        w.add(p + "uniform_interval_high", st("uhi"), "per step, cumulative probability up to and including the chosen token", C.PROBS_TOL)
    return w, tokens


EXACT_F64 = {"atol": 0, "rtol": 0, "note": "an input, not a result: feed it to the sampler"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official-root", default="/tmp/refs28")
    ap.add_argument("--out", default="src/test/resources/golden/interventions/vcd")
    args = ap.parse_args()
    C.verify_official(args.official_root, "DAMO-NLP-SG+VCD")
    official = C.official_import(os.path.join(args.official_root, "DAMO-NLP-SG+VCD"), "vcd_utils", "vcd_add_noise")
    m32 = C.load_model(torch.float32)
    m64 = C.load_model(torch.float64)
    a, b = schedule_scalars()
    samples_out = []
    for sid in C.SAMPLES:
        s = C.load_sample(sid)
        C.check_patch_active(m32, s)
        x_cd, noise, _, _ = noised_image(official, s["pixel_values"])
        ws, info = C.Writer(), {}
        ws.add("input_ids", s["input_ids"], "prompt ids with ONE <image> id (llava-tiny-a); both branches use them", C.EXACT)
        ws.add("noise", noise, "torch.randn_like(pixel_values[0]) drawn by add_diffusion_noise after torch.manual_seed(55), [3, 84, 84]", EXACT_F64)
        ws.add("noised_pixel_values", x_cd, "add_diffusion_noise(pixel_values[0], 500) = sqrt(abar_500)*x + sqrt(1-abar_500)*noise, [3, 84, 84]",
               {"atol": 1e-6, "rtol": 1e-6})
        ws.add("schedule", torch.stack([a, b]), "[sqrt(abar_500), sqrt(1 - abar_500)] of the official schedule (float32 as computed there)",
               {"atol": 1e-7, "rtol": 1e-6})
        for mode in ("sample", "greedy"):
            torch.manual_seed(SEED)
            official.add_diffusion_noise(s["pixel_values"][0], NOISE_STEP)   # the draw that precedes sampling in the official stream
            w32, tok32 = run(m32, s, x_cd, mode)
            w64, tok64 = run(m64, s, x_cd.double(), mode, forced=tok32)
            C.attach_fp64(w32, C.fp64_diffs(w32, w64))
            info[mode] = {"tokens": tok32, "steps_differing_from_baseline": [i for i, t in enumerate(tok32) if t != s["meta"]["generated_token_ids"][i]]}
            ws.tensors.update(w32.tensors); ws.entries += w32.entries
        ws.save(os.path.join(args.out, "tensors", sid + ".safetensors"))
        ids = C.expand_image_ids(s["input_ids"])
        i0, i1 = C.image_span(ids)
        samples_out.append(dict(id=sid, llava_tiny_a_sample=sid, prompt=s["meta"]["prompt"], input_ids=s["input_ids"][0].tolist(),
                                image_start=i0, image_end=i1, merged_sequence_length=ids.shape[1],
                                baseline_greedy_tokens=s["meta"]["generated_token_ids"], variants=info,
                                tensors_file=f"tensors/{sid}.safetensors", tensors=ws.entries))
    manifest = {
        "case": "interventions/vcd",
        "computed_with": "HF transformers 5.18.0 LlavaForConditionalGeneration, eager attention, float32, CPU, 1 thread; official "
                         "add_diffusion_noise imported from DAMO-NLP-SG/VCD@d6568ff; fp64 rerun (same noise, same tokens forced) for the observed differences",
        "official_source": "DAMO-NLP-SG/VCD@d6568ff (includes c637c85 of 2024-07-16) vcd_utils/vcd_add_noise.py lines 3-28, vcd_utils/vcd_sample.py "
                           "lines 90-166 and 203-206, experiments/eval/object_hallucination_vqa_llava.py lines 54-80 and 111-121, "
                           "experiments/llava/model/language_model/llava_llama.py lines 143-163, experiments/cd_scripts/llava1.5_pope.bash",
        "model_dir": "../shared/golden/llava-tiny-a (relative to the worktree; pixel_values from its tensors/<sample>.safetensors)",
        "parameters": {"cd_alpha": ALPHA, "cd_beta": BETA, "noise_step": NOISE_STEP, "seed": SEED, "temperature": 1.0, "top_p": 1.0,
                       "top_k": None, "max_new_tokens": STEPS, "schedule": {"sqrt_abar": float(a), "sqrt_one_minus_abar": float(b)}},
        "official_defaults_llava15": {"cd_alpha": 1.0, "cd_beta": "0.2 in llava1.5_pope.bash (0.1 argparse default; vcd_sample.py falls back "
                                      "to alpha 0.5, beta 0.1 when not passed)", "noise_step": 500, "seed": 55, "do_sample": True,
                                      "temperature": 1.0, "top_p": 1.0, "top_k": None, "max_new_tokens": 1024, "dtype": "float16",
                                      "prompt_suffix": " Please answer this question with one word."},
        "tolerance_rule": "elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose semantics); -inf must match -inf",
        "samples": samples_out,
    }
    C.write_manifest(os.path.join(args.out, "manifest.json"), manifest)
    for so in samples_out:
        print(so["id"], "baseline", so["baseline_greedy_tokens"], so["variants"])


if __name__ == "__main__":
    main()
