"""OPERA reference: shikiw/OPERA's `opera_beam_search` itself, run on HF transformers 5.18's LLaVA.

OPERA ships a patched transformers 4.29.2. This script does not re-write its decoding loop: it loads, from the
fetched repository in a scratch directory (never copied here), the official source of
- `GenerationMixin.opera_beam_search`, `_update_model_kwargs_for_generation`, `_extract_past_from_model_output`
  (transformers-4.29.2/src/transformers/generation/utils.py lines 3116-3674, 745-780, 730-743),
- `BeamSearchScorer` / `BeamHypotheses` (transformers-4.29.2/src/transformers/generation/beam_search.py),
- `LlamaForCausalLM._reorder_cache` (transformers-4.29.2/src/transformers/models/llama/modeling_llama.py 759-763),
- `LlavaLlamaForCausalLM.prepare_inputs_for_generation` (minigpt4/models/llava_llama.py lines 117-137),
and executes them unchanged on an adapter whose forward is HF 5.18's `LlavaForConditionalGeneration` with the
4.29 calling convention (legacy tuple caches that a forward does not mutate, `outputs.attentions` per layer, the
single image id expanded to the image rows inside the forward as LLaVA's `prepare_inputs_labels_for_multimodal`
does). `key_position` is minigpt4/models/llava.py lines 205-210: image_start = BOS + ids before the image,
image_end = image_start + num_image_tokens - 1 (INCLUSIVE), response_start = the merged prompt length.

The trace (beams, scores, candidates, penalties, rollbacks per loop iteration) is read without altering the loop:
a line tracer (sys.settrace) copies the function's locals at three official line numbers (the compiled function
keeps the file's numbering), and a wrapper around the scorer's `process` records its inputs and outputs.

Usage: python make_opera.py --official-root /tmp/refs28 [--out DIR]
"""
import argparse
import ast
import copy
import os
import sys
import types
import warnings
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
import torch.distributed as dist
from torch import nn
from transformers.cache_utils import DynamicCache

import common as C

NUM_BEAMS = 5
SCALE = 50.0           # scale_factor (official default)
N_CAND = 5             # num_attn_candidates (official default)
PENALTY = 1.0          # penalty_weights (official default)
THRESHOLD = 2          # official 15: needs hundreds of tokens; 2 makes s0 roll back once within 34 tokens
NEW_TOKENS = 34        # rollback needs a location >= 10 (hard-coded) repeated > threshold times in every beam
IMAGE_TOKEN_INDEX = -200   # LLaVA's placeholder id inside OPERA's input_ids


# ---------------------------------------------------------------- load the official sources
def _function_source(path, name, cls=None):
    src = open(path).read()
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and (cls is None or node.name == cls):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == name:
                    lines = src.splitlines()[item.lineno - 1:item.end_lineno]
                    indent = len(lines[0]) - len(lines[0].lstrip())
                    body = "\n".join(l[indent:] for l in lines)
                    return "\n" * (item.lineno - 1) + body, (item.lineno, item.end_lineno)
    raise KeyError(f"{name} not in {path}")


def load_official(root):
    repo = os.path.join(root, "shikiw+OPERA")
    tf = os.path.join(repo, "transformers-4.29.2", "src", "transformers")
    if not os.path.isdir(tf):
        sys.exit(f"official repository shikiw+OPERA not found under {root} (see README.md)")
    # beam_constraints + beam_search as a small package, their relative imports resolved here
    pkg = types.ModuleType("opera_generation")
    pkg.__path__ = []
    sys.modules["opera_generation"] = pkg
    bc = types.ModuleType("opera_generation.beam_constraints")
    exec(compile(open(os.path.join(tf, "generation", "beam_constraints.py")).read(), "beam_constraints.py", "exec"), bc.__dict__)
    sys.modules["opera_generation.beam_constraints"] = bc
    bs_src = open(os.path.join(tf, "generation", "beam_search.py")).read()
    bs_src = bs_src.replace("from ..utils import add_start_docstrings",
                            "def add_start_docstrings(*d):\n    return lambda f: f")
    bs_src = bs_src.replace("from .beam_constraints import", "from opera_generation.beam_constraints import")
    bs = types.ModuleType("opera_generation.beam_search")
    exec(compile(bs_src, os.path.join(tf, "generation", "beam_search.py"), "exec"), bs.__dict__)

    ns = dict(torch=torch, nn=nn, dist=dist, copy=copy, warnings=warnings, Optional=Optional, Union=Union, List=List,
              Dict=Dict, Any=Any, Tuple=Tuple, BeamScorer=bs.BeamScorer, LogitsProcessorList=list, StoppingCriteriaList=list,
              ModelOutput=dict, BeamSearchOutput=object, validate_stopping_criteria=None)
    lines = {}
    utils = os.path.join(tf, "generation", "utils.py")
    for name in ("opera_beam_search", "_update_model_kwargs_for_generation", "_extract_past_from_model_output"):
        src, lines[name] = _function_source(utils, name, "GenerationMixin")
        exec(compile(src, utils, "exec"), ns)
    llama = os.path.join(tf, "models", "llama", "modeling_llama.py")
    src, lines["_reorder_cache"] = _function_source(llama, "_reorder_cache", "LlamaForCausalLM")
    exec(compile(src.replace("@staticmethod", ""), llama, "exec"), ns)
    llava = os.path.join(repo, "minigpt4", "models", "llava_llama.py")
    src, lines["prepare_inputs_for_generation"] = _function_source(llava, "prepare_inputs_for_generation", "LlavaLlamaForCausalLM")
    exec(compile(src, llava, "exec"), ns)
    return ns, bs, lines


# ---------------------------------------------------------------- the adapter: HF 5.18 LLaVA with 4.29 conventions
class Out(dict):
    """A ModelOutput stand-in: `"key" in out`, `out.key`, missing attributes raise AttributeError."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


class OperaLlava:
    def __init__(self, model, official):
        self.m = model
        self.config = types.SimpleNamespace(is_encoder_decoder=False)
        self.generation_config = types.SimpleNamespace(pad_token_id=32001, eos_token_id=2, output_scores=False,
                                                       output_attentions=True, output_hidden_states=False,
                                                       return_dict_in_generate=False)
        for name in ("opera_beam_search", "_update_model_kwargs_for_generation", "_extract_past_from_model_output",
                     "prepare_inputs_for_generation"):
            setattr(self, name, types.MethodType(official[name], self))
        self._reorder_cache = official["_reorder_cache"]

    def adjust_logits_during_generation(self, logits, cur_len):
        return logits

    def __call__(self, input_ids=None, past_key_values=None, attention_mask=None, images=None, use_cache=None,
                 inputs_embeds=None, return_dict=True, output_attentions=False, output_hidden_states=False):
        assert inputs_embeds is None
        ids = input_ids.clone()
        kw = {}
        if past_key_values is None:
            # prepare_inputs_labels_for_multimodal: the placeholder becomes the image rows
            rows = []
            for r in ids.tolist():
                i = r.index(IMAGE_TOKEN_INDEX)
                rows.append(r[:i] + [C.IMAGE_ID] * C.NUM_IMAGE_TOKENS + r[i + 1:])
            ids = torch.tensor(rows)
            kw["pixel_values"] = images.to(next(self.m.parameters()).dtype)
            cache = None
        else:
            cache = DynamicCache(ddp_cache_data=[(k, v) for k, v in past_key_values])
        with torch.no_grad():
            o = self.m(input_ids=ids, past_key_values=cache, use_cache=True, output_attentions=True, **kw)
        past = tuple((k, v) for k, v, _ in o.past_key_values)
        return Out(logits=o.logits, attentions=o.attentions, past_key_values=past)


class MaxLength:
    """The 4.29 MaxLengthCriteria contract the loop relies on: a bool and `.max_length`."""

    def __init__(self, max_length):
        self.max_length = max_length

    def __call__(self, input_ids, scores):
        return input_ids.shape[-1] >= self.max_length

    def __len__(self):
        return 1


class Processors(list):
    """The 4.29 LogitsProcessorList contract: callable, applies each processor in turn."""

    def __call__(self, input_ids, scores):
        for p in self:
            scores = p(input_ids, scores)
        return scores



# official line numbers (transformers-4.29.2/src/transformers/generation/utils.py) where the tracer reads locals
LINE_CANDIDATES = 3374      # after torch.topk(next_token_logits, num_attn_candidates)
LINE_PENALIZED = 3453       # after candidate_token_scores -= penalty_weights * penalty_scores
LINE_ROLLBACK = 3478        # rollback_pos decided


def run(model, sample, official, bs):
    dtype = next(model.parameters()).dtype
    its = []
    adapter = OperaLlava(model, official)
    row = sample["input_ids"][0].tolist()
    img = row.index(C.IMAGE_ID)
    compact = torch.tensor([row[:img] + [IMAGE_TOKEN_INDEX] + row[img + 1:]])
    prompt_len = compact.shape[1]
    key_position = {"image_start": img, "image_end": img + C.NUM_IMAGE_TOKENS - 1,
                    "response_start": prompt_len + C.NUM_IMAGE_TOKENS - 1}
    scorer = bs.BeamSearchScorer(batch_size=1, num_beams=NUM_BEAMS, device=torch.device("cpu"), length_penalty=1.0,
                                 do_early_stopping=False, num_beam_hyps_to_keep=1, max_length=prompt_len + NEW_TOKENS)
    orig_process = scorer.process

    def process(input_ids, next_scores, next_tokens, next_indices, **kw):
        out = orig_process(input_ids, next_scores, next_tokens, next_indices, **kw)
        its[-1].update(beams_in=input_ids[:, prompt_len:].clone(), top2k_scores=next_scores[0].clone(),
                       top2k_tokens=next_tokens[0].clone(), top2k_beams=next_indices[0].clone(),
                       next_beam_scores=out["next_beam_scores"].clone(), next_beam_tokens=out["next_beam_tokens"].clone(),
                       next_beam_indices=out["next_beam_indices"].clone())
        return out

    scorer.process = process
    code = official["opera_beam_search"].__code__

    def local_tracer(frame, event, arg):
        if event == "line":
            f = frame.f_locals
            if frame.f_lineno == LINE_CANDIDATES:
                its.append({"rollback_pos": -1, "cand_ids": f["candidate_tokens"].clone(),
                            "cand_logits": f["candidate_token_scores"].clone()})
            elif frame.f_lineno == LINE_PENALIZED:
                its[-1].update(response_len=f["cur_response_lens"], image_attn=f["attn_scores"].clone(),
                               rollback_scores=f["rollback_scores"].clone(), rollback_locs=f["rollback_locs"].clone(),
                               rollback_loc=int(f["rollback_loc"]), penalty=f["penalty_scores"].clone(),
                               penalized=f["candidate_token_scores"].clone())
            elif frame.f_lineno == LINE_ROLLBACK:
                its[-1]["rollback_pos"] = int(f["rollback_pos"])
        return local_tracer

    def global_tracer(frame, event, arg):
        return local_tracer if frame.f_code is code else None

    images = sample["pixel_values"].to(dtype).repeat(NUM_BEAMS, 1, 1, 1)    # _expand_inputs_for_generation
    ids = compact.repeat_interleave(NUM_BEAMS, dim=0)
    sys.settrace(global_tracer)
    try:
        seq = adapter.opera_beam_search(ids, scorer, logits_processor=Processors([]),
                                        stopping_criteria=MaxLength(prompt_len + NEW_TOKENS),
                                        pad_token_id=32001, eos_token_id=2, output_scores=False,
                                        return_dict_in_generate=False, synced_gpus=False, key_position=key_position,
                                        scale_factor=SCALE, threshold=THRESHOLD, num_attn_candidates=N_CAND,
                                        penalty_weights=PENALTY, images=images, use_cache=True,
                                        attention_mask=torch.ones_like(ids))
    finally:
        sys.settrace(None)
    assert all("penalized" in it and "next_beam_tokens" in it for it in its)
    return seq[0, prompt_len:].tolist(), its, key_position, prompt_len


def to_writer(tokens, its, prompt_len):
    w = C.Writer()
    n_it = len(its)
    width = max(it["beams_in"].shape[1] for it in its)
    beams_in = torch.full((n_it, NUM_BEAMS, max(width, 1)), -1, dtype=torch.long)
    for k, it in enumerate(its):
        if it["beams_in"].shape[1]:
            beams_in[k, :, :it["beams_in"].shape[1]] = it["beams_in"]
    st = lambda key, dt=None: torch.stack([it[key] if dt is None else it[key].to(dt) for it in its])
    T = C.EXACT
    ex_ties = "exact, except where neighbouring values differ by < 1e-3"
    w.add("tokens", torch.tensor(tokens), "the returned sequence's new tokens (beam_scorer.finalize: best of the 5 beams)", T)
    w.add("iter.rollback", torch.tensor([int(it["rollback_pos"] >= 0) for it in its]), "per loop iteration: 1 when it rolled back", T)
    w.add("iter.rollback_pos", torch.tensor([it["rollback_pos"] for it in its]), "per iteration: rollback_pos (response index "
          "rolled back to, = rollback_loc + 1 unless shifted by max_rollback_time), -1 when no rollback", T)
    w.add("iter.response_len", torch.tensor([it["response_len"] for it in its]), "per iteration: cur_response_lens = window "
          "columns from response_start, the candidate included (1 at the first iteration)", T)
    w.add("iter.beams_in", beams_in, "per iteration: each beam's response tokens before the step (after any rollback), "
          "padded with -1", T)
    w.add("iter.cand_ids", st("cand_ids"), "per iteration and beam: the N=5 candidates, top-5 of the conditional logits", T, ex_ties)
    w.add("iter.cand_logits", st("cand_logits"), "their raw logits", C.LOGITS_TOL)
    w.add("iter.image_attn", st("image_attn"), "attn_i: the candidate row's attention summed over image keys "
          "[image_start, image_end] (max over heads, row renormalised)", C.PROBS_TOL)
    w.add("iter.rollback_scores", st("rollback_scores", torch.float32), "max over window columns of the column scores "
          "1e-7 * prod_{rows >= j} (sigma * attn[row, j]), held in float16 by the code", {"atol": 1e-6, "rtol": 2e-3})
    w.add("iter.rollback_locs", st("rollback_locs"), "argmax column of those scores (first on ties) per beam and candidate", T,
          "exact unless two float16 column scores tie within rounding")
    w.add("iter.rollback_loc", torch.tensor([it["rollback_loc"] for it in its]), "mode over candidates, then mode over beams "
          "(torch.mode: the smallest most frequent value)", T)
    w.add("iter.penalty", st("penalty", torch.float32), "penalty_scores: -attn_i while response_len <= 10, else rollback_scores",
          {"atol": 1e-6, "rtol": 2e-3})
    w.add("iter.penalized", st("penalized"), "candidate logits - penalty_weights * penalty", C.LOGITS_TOL)
    w.add("iter.top2k_scores", st("top2k_scores"), "the 2*beams best (beam score + log_softmax) over beams x vocab, as given "
          "to beam_scorer.process", C.LOGITS_TOL)
    filler = ("exact where the score is > -900; entries <= -900 (iteration 0, positions 5-9: beam 0's -999 filler, the "
              "other beams start at -1e9) tie exactly and their ids are torch.topk's arbitrary tie order; they never become beams")
    w.add("iter.top2k_tokens", st("top2k_tokens"), "their token ids", T, filler)
    w.add("iter.top2k_beams", st("top2k_beams"), "their beam indices", T, filler)
    w.add("iter.next_beam_scores", st("next_beam_scores"), "beam scores after the step", C.LOGITS_TOL)
    w.add("iter.next_beam_tokens", st("next_beam_tokens"), "the token appended to each new beam", T)
    w.add("iter.next_beam_indices", st("next_beam_indices"), "the old beam each new beam continues", T)
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official-root", default="/tmp/refs28")
    ap.add_argument("--out", default="src/test/resources/golden/interventions/opera")
    args = ap.parse_args()
    C.verify_official(args.official_root, "shikiw+OPERA")
    official, bs, lines = load_official(args.official_root)
    m32 = C.load_model(torch.float32)
    m64 = C.load_model(torch.float64)
    samples_out = []
    for sid in C.SAMPLES:
        s = C.load_sample(sid)
        C.check_patch_active(m32, s)
        tok32, its32, kp, prompt_len = run(m32, s, official, bs)
        tok64, its64, _, _ = run(m64, s, official, bs)
        w32, w64 = to_writer(tok32, its32, prompt_len), to_writer(tok64, its64, prompt_len)
        same = tok32 == tok64 and len(its32) == len(its64)
        if same:
            C.attach_fp64(w32, C.fp64_diffs(w32, w64))
        w32.add("input_ids", s["input_ids"], "prompt ids with ONE <image> id (llava-tiny-a); OPERA's own ids hold -200 there", C.EXACT)
        w32.save(os.path.join(args.out, "tensors", sid + ".safetensors"))
        rb = [(k, it["response_len"], it["rollback_pos"]) for k, it in enumerate(its32) if it["rollback_pos"] >= 0]
        top = torch.stack([it["top2k_scores"] for it in its32])[:, :NUM_BEAMS + 1]
        gaps = top[:, :-1] - top[:, 1:]
        k_it, k_pos = divmod(int(torch.argmin(gaps)), NUM_BEAMS)
        near = {"min_gap_top2k_first_beams_plus_1": float(gaps.min()), "at_iteration": k_it, "at_position": k_pos,
                "note": "the order of the first B+1 beam-step scores decides which row each new beam takes, and the rollback "
                        "history is kept per row: an implementation whose scores differ by more than this gap may take "
                        "another path"}
        samples_out.append(dict(id=sid, llava_tiny_a_sample=sid, prompt=s["meta"]["prompt"], input_ids=s["input_ids"][0].tolist(),
                                key_position=kp, iterations=len(its32), rollbacks=[{"iteration": k, "response_len": n,
                                                                                    "rollback_pos": p} for k, n, p in rb],
                                tokens=tok32, fp64_same_path=same, fp64_tokens=tok64, near_ties=near,
                                tensors_file=f"tensors/{sid}.safetensors", tensors=w32.entries))
        print(sid, tok32, "iterations", len(its32), "rollbacks", rb, "fp64 same path", same)
    manifest = {
        "case": "interventions/opera",
        "computed_with": "HF transformers 5.18.0 LlavaForConditionalGeneration, eager attention, float32, CPU, 1 thread, driven by "
                         "OPERA's own opera_beam_search, BeamSearchScorer, _update_model_kwargs_for_generation, _reorder_cache and "
                         "prepare_inputs_for_generation (shikiw/OPERA@61426ef) executed unchanged; fp64 rerun for the observed differences",
        "official_source": {"repo": "shikiw/OPERA@61426ef", "functions_and_lines": {k: list(v) for k, v in lines.items()},
                            "files": ["transformers-4.29.2/src/transformers/generation/utils.py",
                                      "transformers-4.29.2/src/transformers/generation/beam_search.py",
                                      "transformers-4.29.2/src/transformers/models/llama/modeling_llama.py",
                                      "minigpt4/models/llava_llama.py", "minigpt4/models/llava.py (key_position, lines 205-210)",
                                      "chair_eval.py (arguments lines 85-88, generate lines 170-184)"]},
        "model_dir": "../shared/golden/llava-tiny-a (relative to the worktree; pixel_values from its tensors/<sample>.safetensors)",
        "parameters": {"num_beams": NUM_BEAMS, "scale_factor": SCALE, "num_attn_candidates": N_CAND, "penalty_weights": PENALTY,
                       "threshold": THRESHOLD, "window_size": 512, "max_new_tokens": NEW_TOKENS, "length_penalty": 1.0,
                       "early_stopping": False, "eos_token_id": 2, "pad_token_id": 32001},
        "official_defaults_llava15": {"num_beams": 5, "scale_factor": 50, "num_attn_candidates": 5, "penalty_weights": 1.0,
                                      "threshold": 15, "window_size": 512, "max_new_tokens": 512, "do_sample": False,
                                      "output_attentions": True, "dtype": "float16"},
        "tolerance_rule": "elementwise |actual - golden| <= atol + rtol * |golden| (numpy.allclose semantics)",
        "samples": samples_out,
    }
    C.write_manifest(os.path.join(args.out, "manifest.json"), manifest)


if __name__ == "__main__":
    main()
