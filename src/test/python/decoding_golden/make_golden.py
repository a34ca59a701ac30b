"""Beam-search reference for SinkScope's decoding modes (docs/decoding.md).

Runs transformers' own beam search (GenerationMixin._beam_search) on the shared golden checkpoint llava-tiny-a
(LlavaForConditionalGeneration, eager attention, float32, CPU) from its stored input_ids and pixel_values, and
records the chosen sequences and their scores, for num_beams 1, 3 and 4 (length_penalty 1.0 and 0.5) with and
without EOS stopping. Usage (from the repository root):

    /work/venv-golden/bin/python src/test/python/decoding_golden/make_golden.py ../shared/golden/llava-tiny-a \
        src/test/resources/golden/decoding/beam_llava-tiny-a.json
"""
import json
import sys

import torch
import transformers
from safetensors.torch import load_file
from transformers import LlavaForConditionalGeneration


def main(model_dir, out_path):
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration.from_pretrained(model_dir, torch_dtype=torch.float32, attn_implementation="eager").eval()
    manifest = json.load(open(f"{model_dir}/manifest.json"))
    cases = []
    eos = model.generation_config.eos_token_id
    for sample in manifest["samples"][:2]:
        tensors = load_file(f"{model_dir}/{sample['tensors_file']}")
        # transformers 5 expects the processor's expanded prompt: the one <image> id repeated once per image token
        expanded = []
        for t in sample["input_ids"]:
            expanded += [t] * (sample["num_image_tokens"] if t == model.config.image_token_index else 1)
        ids = torch.tensor([expanded])
        pixels = tensors["pixel_values"]
        for beams, penalty, new, forced_eos in [(1, 1.0, 6, None), (3, 1.0, 6, None), (4, 0.5, 5, None), (3, 1.0, 6, "top2")]:
            kwargs = dict(input_ids=ids, pixel_values=pixels, attention_mask=torch.ones_like(ids), do_sample=False,
                          num_beams=beams, length_penalty=penalty, max_new_tokens=new, early_stopping=False,
                          return_dict_in_generate=True, output_scores=True)
            eos_id = eos
            if forced_eos == "top2":
                # make EOS reachable on a random model: the third token of the plain 3-beam result acts as EOS
                eos_id = [c for c in cases if c["sample"] == sample["id"] and c["num_beams"] == 3][0]["tokens"][2]
            kwargs["eos_token_id"] = eos_id
            kwargs["pad_token_id"] = model.generation_config.pad_token_id
            with torch.no_grad():
                out = model.generate(**kwargs)
            seq = out.sequences[0, ids.shape[1]:].tolist()
            while seq and seq[-1] == model.generation_config.pad_token_id:
                seq.pop()
            score = None if beams == 1 else float(out.sequences_scores[0])
            cases.append({"sample": sample["id"], "num_beams": beams, "length_penalty": penalty, "max_new_tokens": new,
                          "eos_token_id": eos_id, "tokens": seq, "sequence_score": score})
            print(cases[-1])
    json.dump({"computed_with": {"transformers": transformers.__version__, "torch": torch.__version__,
                                 "class": "LlavaForConditionalGeneration", "attn_implementation": "eager", "dtype": "float32"},
               "checkpoint": "shared golden llava-tiny-a (input_ids and tensors/s*.safetensors pixel_values)",
               "meaning": "transformers' beam search (early_stopping False, one returned sequence): the generated tokens of the best "
                          "finished hypothesis (EOS included, padding dropped) and its score sum(log p) / generated_length^length_penalty",
               "cases": cases}, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
