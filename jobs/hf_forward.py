"""transformers' eager LLaMA decoder on bench-forward's shape: prefill, capture, generate (medians).

Called by jobs/compare-hf.sh; prints one line per figure (``hf_prefill_ms: 123.4``). A random LlamaForCausalLM
(float32, attn_implementation="eager", torch.set_num_threads(--threads)) takes random inputs_embeds [1, S, D] as
bench-forward's decoder does:
  prefill   model(inputs_embeds, use_cache=True, logits_to_keep=1) (last logits only, as generate() and SinkScope)
  capture   the same with output_hidden_states=True and output_attentions=True (every layer's map kept)
  generate  prefill then --decode-steps greedy steps through the cache (argmax fed back), as SinkScope's greedy loop
Each figure is the median of --runs timed repetitions after one untimed warm-up.
"""
import argparse
import statistics
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    p = argparse.ArgumentParser()
    for name, default in [("hidden", 1024), ("heads", 16), ("kv-heads", 16), ("layers", 8), ("intermediate", 2816),
                          ("vocab", 32000), ("image-tokens", 576), ("text-tokens", 40), ("runs", 5), ("decode-steps", 16),
                          ("threads", 2)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    config = LlamaConfig(hidden_size=a.hidden, num_attention_heads=a.heads, num_key_value_heads=a.kv_heads,
                         num_hidden_layers=a.layers, intermediate_size=a.intermediate, vocab_size=a.vocab,
                         max_position_embeddings=max(2048, a.image_tokens + a.text_tokens + a.decode_steps + 8),
                         rms_norm_eps=1e-5)
    config._attn_implementation = "eager"
    model = LlamaForCausalLM(config).eval()
    s = a.image_tokens + a.text_tokens
    embeds = torch.randn(1, s, a.hidden)

    def prefill(capture=False):
        out = model(inputs_embeds=embeds, use_cache=True, output_hidden_states=capture, output_attentions=capture, logits_to_keep=1)
        out.logits[0, -1].argmax().item()
        return out

    def generate():
        out = prefill()
        past = out.past_key_values
        token = out.logits[0, -1].argmax()
        for _ in range(a.decode_steps):
            out = model(input_ids=token.view(1, 1), past_key_values=past, use_cache=True, logits_to_keep=1)
            past = out.past_key_values
            token = out.logits[0, -1].argmax()
        token.item()

    def timed(fn):
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3

    with torch.inference_mode():
        prefill(), prefill(True), generate()
        times = {"prefill": [], "capture": [], "generate": []}
        for _ in range(a.runs):
            times["prefill"].append(timed(prefill))
            times["capture"].append(timed(lambda: prefill(True)))
            times["generate"].append(timed(generate))
    print(f"hf: transformers eager, torch {torch.__version__}, threads {torch.get_num_threads()}, {s} tokens")
    for k, v in times.items():
        print(f"hf_{k}_ms: {statistics.median(v):.1f}")


if __name__ == "__main__":
    main()
