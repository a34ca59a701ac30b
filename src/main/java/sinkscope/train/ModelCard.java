package sinkscope.train;

import java.util.List;
import java.util.Locale;
import sinkscope.model.llava.LlavaConfig;

/** The model card ({@code README.md}) of a reference model: architecture, recipe, seed, time, loss curve, held-out accuracy. */
public final class ModelCard {
    private ModelCard() {}

    private static String textCurve(ReferenceTrainer.Run run) {
        if (run.textCurve().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("## Loss curve (stage 0, language)\n\nMean training loss since the previous row; on 32 fixed ")
                .append("held-out sequences: loss, back-copy accuracy (argmax after a trigger), and per layer (entering it) BOS's ")
                .append("max |x_d|/RMS and its d, the attention on BOS of the most BOS-bound head (mean over query positions >= 1), ")
                .append("BOS's value norm over the other tokens' mean; answer accuracy on held-out scene texts.\n\n")
                .append("| step | loss | held-out loss | copy acc | scene acc | BOS max\\|x\\|/RMS per layer | its dim | attention on BOS (top head) "
                        + "per layer | BOS value norm ratio | minutes |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (TextPretraining.Point p : run.textCurve()) {
            sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.3f | %.3f | %s | %s | %s | %s | %.1f |%n", p.step(), p.loss(), p.heldOutLoss(),
                    p.copyAccuracy(), p.sceneAccuracy(), TextPretraining.fmt(p.bosPhi()), TextPretraining.fmt(p.bosDim()),
                    TextPretraining.fmt(p.bosAttention()), TextPretraining.fmt(p.bosValueRatio()), p.seconds() / 60));
        }
        if (run.sinkDims() != null) {
            sb.append("\nD_sink read off BOS after stage 0 (dims over tau entering a layer >= 2): ")
                    .append(java.util.Arrays.toString(run.sinkDims())).append("\n");
        }
        return sb.append("\n").toString();
    }

    private static String visionCurve(ReferenceTrainer.Run run) {
        if (run.visionCurve().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("## Loss curve (stage 1)\n\nMean probe loss since the previous row; held-out accuracy: a POPE ")
                .append("question is answered yes when the probe's logit for its class is positive on some patch.\n\n")
                .append("| step | loss | held-out acc | minutes |\n|---|---|---|---|\n");
        for (VisionPretraining.Point p : run.visionCurve()) {
            sb.append(String.format(Locale.ROOT, "| %d | %.5f | %.3f | %.1f |%n", p.step(), p.loss(), p.heldOutAccuracy(), p.seconds() / 60));
        }
        return sb.append("\n").toString();
    }

    /** The target of the reference model: baseline POPE accuracy on the held-out split, every split and prompt. */
    public static final double TARGET_ACCURACY = 0.90;

    /** {@code bosDims}: the probe on the D_sink read off BOS after stage 0, null without a stage 0. */
    public static String render(Recipe r, LlavaConfig c, ReferenceTrainer.Run run, HeldOutEvaluation.Result eval, SinkProbe.Measurement sinks,
                                SinkProbe.Result bosDims) {
        StringBuilder sb = new StringBuilder();
        var t = c.text();
        var v = c.vision();
        sb.append("# tiny-llava: SinkScope's reference model\n\n")
                .append("A small model with the LLaVA-1.5 architecture (CLIP ViT vision tower, `mlp2x_gelu` projector, LLaMA decoder), ")
                .append("trained from scratch by SinkScope with DJL's training API on the synthetic POPE benchmark ")
                .append("(`sinkscope.data.SyntheticBenchmark`), saved in the llava-hf layout (transformers 4.41 module paths, ")
                .append("float16 safetensors). It exists so that the pipeline has a real, trained LMM to analyse offline; ")
                .append("it knows nothing but coloured shapes.\n\n")
                .append("## Architecture\n\n| part | shape |\n|---|---|\n")
                .append(String.format(Locale.ROOT, "| vision tower | CLIP ViT, image %d, patch %d (%d image tokens), hidden %d, %d layers "
                                + "(layer -2 is read, the last layer is not stored), %d heads, MLP %d, quick_gelu |%n", v.imageSize(),
                        v.patchSize(), c.numImageTokens(), v.hiddenSize(), v.numHiddenLayers(), v.numAttentionHeads(), v.intermediateSize()))
                .append(String.format(Locale.ROOT, "| projector | mlp2x_gelu %d -> %d -> %d |%n", v.hiddenSize(), t.hiddenSize(), t.hiddenSize()))
                .append(String.format(Locale.ROOT, "| language model | LLaMA, hidden %d, %d layers, %d heads, %d key/value heads (GQA), "
                                + "SwiGLU MLP %d, RMSNorm, RoPE, untied lm_head, vocabulary %d |%n", t.hiddenSize(), t.numHiddenLayers(),
                        t.numAttentionHeads(), t.numKeyValueHeads(), t.intermediateSize(), t.vocabSize()))
                .append(String.format(Locale.ROOT, "| parameters | %,d trained (stored in float16) |%n%n", run.parameters()))
                .append("Tokenizer: word level (`tokenizer.json`, WordLevel model, Whitespace pre-tokenizer, `<s>` prepended), ")
                .append("over the words of the llava_hf and vicuna_v1 prompts, the POPE suffix and the benchmark's questions; ")
                .append("`<image>` and `<pad>` are added special tokens.\n\n")
                .append("## Recipe\n\n```\n").append(r.commandLine("DIR")).append("\n```\n\n")
                .append(String.format(Locale.ROOT, "- Data: `SyntheticBenchmark.build(%d, seed %d, size 224)`: the first %d images are the "
                                + "train split, the last %d the held-out eval split (disjoint images). Images are rendered at 224 px and "
                                + "go through `preprocessor_config.json` (bicubic resize to %d, center crop), as at inference.%n",
                        r.trainImages() + r.evalImages(), r.seed(), r.trainImages(), r.evalImages(), v.imageSize()))
                .append(r.textSteps() == 0 ? "" : String.format(Locale.ROOT, "- Stage 0, language pretraining of the decoder (in the place of "
                                + "the LLM's pretraining; `TextPretraining`): the bigram-backcopy language of the active-dormant attention-sink "
                                + "analyses over the tokenizer's words (%d trigger words; after a trigger the word before it is copied; otherwise a "
                                + "trigger follows with probability %s, else a seeded bigram step that needs no attention to the past), %d steps "
                                + "of %d sequences of %d tokens, Adam, peak learning rate %s, next-token cross-entropy on every position.%n",
                        TextPretraining.Language.TRIGGERS, r.textCopyShare(), r.textSteps(), r.textBatch(), r.textLength(), r.textLr()))
                .append(r.visionSteps() == 0 ? "- Stage 1 skipped (`--vision-steps 0`): the vision tower stays at its initialisation.\n"
                        : String.format(Locale.ROOT, "- Stage 1, vision pretraining (in the place of CLIP's pretraining; `VisionPretraining`): the "
                                + "vision tower plus a linear probe on every patch token of the feature layer learn which object classes cover "
                                + "each patch (binary cross-entropy; a patch is labelled with a class when that object's box covers at least a "
                                + "quarter of it), %d steps of %d images, Adam, peak learning rate %s. The probe is discarded.%n",
                        r.visionSteps(), r.visionBatch(), r.visionLr()))
                .append("- Stage 2, visual instruction tuning: the projector and the language model are trained, the vision tower is "
                        + "frozen (as in LLaVA-1.5).\n")
                .append(String.format(Locale.ROOT, "- Targets: `Yes`/`No` for POPE questions (LLaVA's answer style), the one-word label "
                                + "for open questions, then `</s>`; teacher-forced cross-entropy on those tokens only. One multi-turn conversation "
                                + "per image (LLaVA's format): `USER: <image>\\n{q1} ASSISTANT: {a1}</s>USER: {q2} ASSISTANT: {a2}</s>...`, the "
                                + "image's distinct questions in random order, with LLaVA's POPE suffix in %.0f%% of the conversations.%n",
                        100 * r.popeSuffixShare()))
                .append(String.format(Locale.ROOT, "- Stage 2 optimisation: Adam (DJL), peak learning rate %s, %d warmup steps, cosine decay to %s of "
                                + "the peak, %d steps of %d images x up to %d questions (%d answers), init N(0, %s^2) (HF's _init_weights), "
                                + "float32 on the CPU.%n", r.learningRate(), r.warmupSteps(), r.minLrFraction(), r.steps(), r.imagesPerStep(),
                        r.questionsPerImage(), r.imagesPerStep() * r.questionsPerImage(), r.initStd()))
                .append(run.steps() < r.steps() ? String.format(Locale.ROOT, "- The time budget (`--budget-minutes`) shortened the run to %d of %d steps; the cosine schedule was re-planned "
                        + "from the measured pace so that it ends with the run.%n",
                        run.steps(), r.steps()) : "")
                .append(String.format(Locale.ROOT, "- Seed %d (data, initialisation and batch order). Wall time: %.1f min training on %d "
                                + "CPU threads, %.1f min held-out evaluation.%n%n", r.seed(), run.seconds() / 60,
                        Runtime.getRuntime().availableProcessors(), eval.seconds() / 60))
                .append(textCurve(run))
                .append(visionCurve(run))
                .append("## Loss curve (stage 2)\n\nMean over the steps since the previous row; held-out accuracy is the teacher-forced first ")
                .append("answer token on the POPE questions of the held-out images.\n\n")
                .append("| step | loss | train acc | learning rate | held-out acc | minutes |\n|---|---|---|---|---|---|\n");
        for (ReferenceTrainer.CurvePoint p : run.curve()) {
            sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.3f | %.2e | %.3f | %.1f |%n", p.step(), p.loss(), p.trainAccuracy(),
                    p.learningRate(), p.heldOutAccuracy(), p.seconds() / 60));
        }
        if (!run.finetuneCurve().isEmpty()) {
            sb.append("\n## Loss curve (stage 3, upper layers, final norm and head; replaying stage 0)\n\n")
                    .append("| step | loss | train acc | learning rate | held-out acc | minutes |\n|---|---|---|---|---|---|\n");
            for (ReferenceTrainer.CurvePoint p : run.finetuneCurve()) {
                sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.3f | %.2e | %.3f | %.1f |%n", p.step(), p.loss(), p.trainAccuracy(),
                        p.learningRate(), p.heldOutAccuracy(), p.seconds() / 60));
            }
        }
        sb.append(String.format(Locale.ROOT, "%n## Held-out accuracy%n%nThe saved float16 checkpoint, loaded as a user loads it, greedy "
                + "generation, answers read with LLaVA's eval_pope.py rule, on the %d held-out images (`plain`: "
                + "`USER: <image>\\n{question} ASSISTANT:`; `pope`: with the POPE suffix).%n%n", eval.images()));
        sb.append(HeldOutEvaluation.markdown(eval));
        for (String name : List.of("plain", "pope")) {
            double[] o = eval.open().get(name);
            if (o != null) {
                sb.append(String.format(Locale.ROOT, "%nOpen questions (`%s`): %.0f of %.0f exact (%.3f).", name, o[0], o[1], o[0] / o[1]));
            }
        }
        sb.append("\n\n").append(status(eval)).append(sinkSection(c, sinks));
        if (bosDims != null) {
            sb.append("\nPer layer on the D_sink read off BOS after stage 0 (fixed before any image was seen):\n\n").append(SinkProbe.markdown(bosDims));
        }
        return sb.toString();
    }

    private static String status(HeldOutEvaluation.Result eval) {
        double worst = Double.POSITIVE_INFINITY;
        String where = "";
        for (String t : List.of("plain", "pope")) {
            for (String split : sinkscope.data.SyntheticBenchmark.POPE_SPLITS) {
                if (eval.accuracy(t, split) < worst) {
                    worst = eval.accuracy(t, split);
                    where = t + " / " + split;
                }
            }
        }
        return String.format(Locale.ROOT, "## Status%n%nLowest held-out POPE accuracy: %.3f (%s); the target is %.2f on every split: %s.%n%n",
                worst, where, TARGET_ACCURACY, worst >= TARGET_ACCURACY ? "met" : "**not met**");
    }

    private static String sinkSection(LlavaConfig c, SinkProbe.Measurement sinks) {
        int d = c.text().hiddenSize();
        SinkProbe.Result p = sinks.probe();
        double largest = 0;
        for (double v : p.imagePhiMax()) {
            largest = Math.max(largest, v);
        }
        StringBuilder sb = new StringBuilder("## Sink dimensions and visual sink tokens (measured, nothing planted)\n\n");
        sb.append(String.format(Locale.ROOT, "Over %d held-out images with the prompt `%s`, at the size-relative threshold tau = "
                        + "0.3125 * sqrt(%d) = %.3f (the paper's tau = 20 at hidden size 4096; phi <= sqrt(%d) = %.2f). "
                        + "`sinkscope.sink.SinkDimensions`, as `jobs/sinkscope sink-dims` prints it:%n%n```%n",
                p.images(), sinks.prompt().replace("\n", "\\n"), d, p.tau(), d, Math.sqrt(d)));
        sb.append("layer  top dims by max |x_d|/RMS over image tokens (max, mean, count > tau)\n");
        sinks.dimensions().table(5).forEach(line -> sb.append(line).append('\n'));
        sb.append("recommended D_sink: ").append(java.util.Arrays.toString(sinks.recommended())).append("\n```\n\n");
        sb.append("Per layer (`sinkscope.train.SinkProbe`; layer = the hidden state entering it; phi on the recommended D_sink):\n\n");
        sb.append(SinkProbe.markdown(p));
        sb.append(String.format(Locale.ROOT, "%nLargest |x_d|/RMS of an image token in any layer: %.2f of at most %.2f.%n", largest, Math.sqrt(d)));
        return sb.toString();
    }
}
