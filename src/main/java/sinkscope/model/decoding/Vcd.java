package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Visual Contrastive Decoding (Leng et al., CVPR 2024), as {@code DAMO-NLP-SG/VCD} implements it after its July-2024
 * fix (commit c637c85: the contrast branch keeps its own KV cache across steps):
 *
 * <ul>
 *   <li>the contrast input is the same prompt with the image's processed pixel values diffusion-noised
 *       ({@code vcd_utils/vcd_add_noise.py}, {@link #noise}), applied after the image processor's normalisation, before
 *       the vision tower;
 *   <li>each step ({@code vcd_utils/vcd_sample.py}, "version 2" cutoff): {@code cutoff = log(beta) + max(l)},
 *       {@code (1 + alpha) * l - alpha * l'} with every token where {@code l < cutoff} set to {@code -inf}; then the
 *       sampling warpers, softmax and a multinomial draw. The POPE script ({@code experiments/cd_scripts/
 *       llava1.5_pope.bash}, {@code eval/object_hallucination_vqa_llava.py}) runs alpha 1, beta 0.2, noise step 500,
 *       temperature 1, top_p 1 and {@code top_k=None}, which {@code generate} writes over the config's 50: no warper at
 *       all, plain multinomial sampling over the surviving tokens.
 * </ul>
 *
 * @param alpha the contrast weight ({@code cd_alpha}, >= 0)
 * @param beta the adaptive plausibility threshold ({@code cd_beta}, in (0, 1])
 */
public record Vcd(double alpha, double beta) implements LogitsRule {

    /** The POPE script's settings for LLaVA-1.5. */
    public static final Vcd OFFICIAL = new Vcd(1, 0.2);
    /** The script's noise step. */
    public static final int NOISE_STEP = 500;
    /** The sampling the POPE script runs (no warper; seed 55, the bash default). */
    public static final Decoding OFFICIAL_SAMPLING = Decoding.sample(1, 0, 1, 55);

    public Vcd {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("vcd: alpha must be a finite number >= 0, got " + alpha);
        }
        if (!(beta > 0 && beta <= 1)) {
            throw new IllegalArgumentException("vcd: beta must be in (0, 1], got " + beta);
        }
    }

    @Override
    public NDArray apply(NDArray main, NDArray contrast) {
        try (NDArray a = main.mul((float) (1 + alpha)); NDArray b = contrast.mul((float) alpha); NDArray diffs = a.sub(b)) {
            return LogitsRule.plausible(diffs, main, beta);
        }
    }

    /**
     * {@code add_diffusion_noise(x, step)}: {@code sqrt(abar_t) * x + sqrt(1 - abar_t) * eps} with {@code eps ~ N(0, 1)}
     * of {@code x}'s shape (drawn from {@code draws}, row-major) and the code's schedule of 1000 steps:
     * {@code beta_i = sigmoid(linspace(-6, 6, 1000))_i * (5e-3 - 1e-5) + 1e-5}, {@code abar_t = prod_{i<=t} (1 - beta_i)},
     * in float32 as torch computes it. The result is float32, attached to {@code m}.
     */
    public static NDArray noise(NDManager m, NDArray pixels, int step, Draws draws) {
        if (step < 0 || step >= 1000) {
            throw new IllegalArgumentException("vcd: noise step must be in [0, 1000), got " + step);
        }
        float[] coef = schedule(step);
        long n = pixels.getShape().size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("vcd: pixel tensor too large to noise: " + pixels.getShape());
        }
        NDArray x = pixels.toType(ai.djl.ndarray.types.DataType.FLOAT32, false); // pixels itself when already float32
        try (NDArray eps = m.create(draws.gaussian((int) n), pixels.getShape()).toDevice(pixels.getDevice(), false);
                NDArray a = x.mul(coef[0]); NDArray b = eps.mul(coef[1])) {
            NDArray out = a.add(b);
            out.attach(m);
            return out;
        } finally {
            if (x != pixels) {
                x.close();
            }
        }
    }

    /**
     * {sqrt(abar_t), sqrt(1 - abar_t)} of the code's schedule, computed by libtorch's own float32 kernels as the code
     * does ({@code linspace}, {@code sigmoid}, {@code cumprod}): a sequential float32 product differs from torch's by
     * ~1e-7 relative, which shows after the noise's cancellations.
     */
    static float[] schedule(int t) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
                NDArray x = m.linspace(-6f, 6f, 1000); NDArray sig = ai.djl.nn.Activation.sigmoid(x);
                NDArray betas = sig.mul(0.5e-2f - 1e-5f).add(1e-5f); NDArray alphas = betas.neg().add(1f);
                NDArray prod = alphas.cumProd(0); NDArray at = prod.get(t)) {
            try (NDArray a = at.sqrt(); NDArray b = at.neg().add(1f).sqrt()) {
                return new float[] {a.getFloat(), b.getFloat()};
            }
        }
    }
}
