package sinkscope.model.decoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * transformers 4.29's {@code BeamSearchScorer} with its {@code BeamHypotheses} (generation/beam_search.py), for one
 * sample, as OPERA's {@code opera_beam_search} drives it (it differs from transformers 5's beam search,
 * {@link BeamSearch}):
 *
 * <ul>
 *   <li>{@link #process}: over the {@code 2B} best (beam score + log p) continuations, best first, an EOS continuation
 *       among the first {@code B} becomes a finished hypothesis (the sequence without its EOS, scored
 *       {@code sum_logprobs / len^length_penalty} with {@code len} the WHOLE sequence, prompt included); the others
 *       fill the {@code B} next beams in order; then the sample is done when {@code B} hypotheses are kept and
 *       {@code worst_score >= best continuation / (len + 1)^length_penalty} ({@code early_stopping=False});
 *   <li>a hypothesis enters while fewer than {@code B} are kept or when it beats the worst; the worst is then dropped;
 *   <li>{@link #finalize}: unless done, every final beam is offered as a hypothesis; the best (the last added among
 *       equal scores) is returned, followed by the first EOS id when shorter than {@code max_length}.
 * </ul>
 * Scores are Python floats (double) here as there; beam scores stay float32.
 */
public final class LegacyBeamScorer {
    private final int beams;
    private final double lengthPenalty;
    private final LongPredicate isEos;
    private final List<Hyp> hyps;
    private double worst = 1e9;
    private boolean done;

    private record Hyp(double score, long[] tokens) {}

    /** What a step gives: per new beam its score, its token and the beam it continues. */
    public record Next(float[] scores, long[] tokens, int[] indices) {}

    public LegacyBeamScorer(int beams, double lengthPenalty, LongPredicate isEos) {
        this.beams = beams;
        this.lengthPenalty = lengthPenalty;
        this.isEos = isEos;
        this.hyps = new ArrayList<>();
    }

    private LegacyBeamScorer(LegacyBeamScorer o) {
        this.beams = o.beams;
        this.lengthPenalty = o.lengthPenalty;
        this.isEos = o.isEos;
        this.hyps = new ArrayList<>(o.hyps);
        this.worst = o.worst;
        this.done = o.done;
    }

    /** An independent copy ({@code copy.deepcopy(beam_scorer)}). */
    public LegacyBeamScorer copy() {
        return new LegacyBeamScorer(this);
    }

    public boolean done() {
        return done;
    }

    /**
     * One step. {@code sequences[b]}: beam b's whole sequence so far (prompt included, as the scorer's lengths count
     * it); {@code scores}, {@code tokens}, {@code indices}: the {@code 2B} best continuations, best first.
     */
    public Next process(long[][] sequences, float[] scores, long[] tokens, int[] indices) {
        float[] ns = new float[beams];
        long[] nt = new long[beams];
        int[] ni = new int[beams];
        int curLen = sequences[0].length + 1;
        if (done) {
            return new Next(ns, nt, ni); // the 4.29 scorer pads a finished sample (the loop stops before)
        }
        int b = 0;
        for (int rank = 0; rank < tokens.length; rank++) {
            if (isEos.test(tokens[rank])) {
                if (rank >= beams) {
                    continue;
                }
                add(sequences[indices[rank]], scores[rank]);
            } else {
                ns[b] = scores[rank];
                nt[b] = tokens[rank];
                ni[b] = indices[rank];
                b++;
            }
            if (b == beams) {
                break;
            }
        }
        if (b < beams) {
            throw new IllegalStateException("at most " + beams + " of the continuations " + Arrays.toString(tokens) + " may end the sequence");
        }
        float best = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            best = Math.max(best, s);
        }
        done = hyps.size() >= beams && worst >= best / Math.pow(curLen, lengthPenalty);
        return new Next(ns, nt, ni);
    }

    private void add(long[] sequence, double sumLogprobs) {
        double score = sumLogprobs / Math.pow(sequence.length, lengthPenalty);
        if (hyps.size() < beams || score > worst) {
            hyps.add(new Hyp(score, sequence));
            if (hyps.size() > beams) {
                // Python's sorted([(s, idx) ...]): by score, then index; the lowest goes, the next becomes the worst
                Integer[] order = new Integer[hyps.size()];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (x, y) -> hyps.get(x).score != hyps.get(y).score ? Double.compare(hyps.get(x).score, hyps.get(y).score)
                        : Integer.compare(x, y));
                double next = hyps.get(order[1]).score;
                hyps.remove((int) order[0]);
                worst = next;
            } else {
                worst = Math.min(score, worst);
            }
        }
    }

    /**
     * The best sequence, prompt included: unless done, the final beams ({@code sequences}, {@code scores}) are offered
     * first; the first EOS id {@code eos} follows when the sequence is shorter than {@code maxLength}.
     */
    public long[] finalize(long[][] sequences, float[] scores, int maxLength, long eos) {
        if (!done) {
            for (int b = 0; b < beams; b++) {
                add(sequences[b], scores[b]);
            }
        }
        Hyp best = null;
        for (Hyp h : hyps) {
            if (best == null || h.score >= best.score) {
                best = h; // sorted(...).pop(): the last of the equal best
            }
        }
        if (best.tokens.length < maxLength) {
            long[] out = Arrays.copyOf(best.tokens, best.tokens.length + 1);
            out[best.tokens.length] = eos;
            return out;
        }
        return best.tokens;
    }
}
