package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import sinkscope.model.Torch;

/**
 * HeadFork (Stage 2): which (batch, head, query) rows of a layer's post-softmax attention {@code A} [B, H, Q, K]
 * are image-centric. With the image keys {@code I = [im, im+pa)} and the layer's visual sinks {@code V} of item b:
 *
 * <pre>  summation[b,h,q] = sum_{j in I} A[b,h,q,j]
 *  portion[b,h,q]   = sum_{v in V} A[b,h,q,v] / sum_{j in I} (A[b,h,q,j] + 1e-6)     (denominator = summation + pa*1e-6)</pre>
 *
 * <ul>
 *   <li>{@link VarParams.HeadRule#OFFICIAL} (the released code): selected iff {@code portion <= rho} and
 *       {@code summation >= summ}.</li>
 *   <li>{@link VarParams.HeadRule#PAPER}: selected iff {@code share >= rho} and {@code summation >= summ}, with the
 *       non-sink share {@code share = sum_{j in I \ V} A[b,h,q,j] / sum_{j in I} (A[b,h,q,j] + 1e-6)}
 *       (= 1 - portion, summed directly rather than subtracted).</li>
 * </ul>
 *
 * Items without a visual sink select nothing. Every query row is evaluated (rows before the image have
 * summation 0). Sums, the per-element 1e-6 and both comparisons are done in the attention's dtype, the thresholds
 * rounded to that dtype first (float16 on a GPU turns summ = 0.2 into 0.19995, as in the released model).
 *
 * <p>An instance holds what one layer's selection needs for one sample (the sink indicator over the image keys,
 * which items have a visual sink, the thresholds as 0-dim arrays), made once at prefill and applied to the prefill's attention and
 * to every decode step's; its arrays belong to the manager given to {@link #of}.
 */
public final class ImageCentricHeads {
    private static final int[] LAST = {-1};

    private final long imageStart;
    private final long imageEnd;
    private final NDArray keys;
    private final NDArray hasVisual;
    private final boolean noVisual;
    private final NDArray rho;
    private final NDArray summ;
    private final NDArray eps;
    private final VarParams.HeadRule rule;

    private ImageCentricHeads(long imageStart, long imageEnd, NDArray keys, NDArray hasVisual, boolean noVisual, NDArray rho, NDArray summ,
            NDArray eps, VarParams.HeadRule rule) {
        this.imageStart = imageStart;
        this.imageEnd = imageEnd;
        this.keys = keys;
        this.hasVisual = hasVisual;
        this.noVisual = noVisual;
        this.rho = rho;
        this.summ = summ;
        this.eps = eps;
        this.rule = rule;
    }

    /** HeadFork's two ratios, each [B, H, Q, 1] (or [B, H, Q] from the static form) in the attention's dtype. */
    public record Ratios(NDArray summation, NDArray portion) {}

    /**
     * HeadFork for attention of {@code dtype} over the visual sinks {@code visualSinks} [B, T] of one layer
     * ({@code T >= imageStart + imageLength}); its arrays go to {@code manager}. Reads back, once, which items have a
     * visual sink.
     */
    public static ImageCentricHeads of(NDManager manager, NDArray visualSinks, int imageStart, int imageLength, VarParams params,
            DataType dtype) {
        return of(manager, visualSinks, imageStart, imageLength, params.headRule(), new VarConstants(manager, params, dtype));
    }

    /** As {@link #of(NDManager, NDArray, int, int, VarParams, DataType)} with the thresholds made beforehand. */
    static ImageCentricHeads of(NDManager manager, NDArray visualSinks, int imageStart, int imageLength, VarParams.HeadRule rule,
            VarConstants c) {
        return of(manager, visualSinks, imageStart, imageLength, rule, c.dtype, c.rho, c.summ, c.eps);
    }

    private static ImageCentricHeads of(NDManager manager, NDArray visualSinks, int imageStart, int imageLength, VarParams.HeadRule rule,
            DataType dtype, NDArray rho, NDArray summ, NDArray eps) {
        long end = (long) imageStart + imageLength;
        if (visualSinks.getShape().dimension() != 2 || imageStart < 0 || imageLength <= 0 || end > visualSinks.getShape().get(1)) {
            throw new IllegalArgumentException("visual sinks [B, T] " + visualSinks.getShape() + " do not cover the image span [" + imageStart
                    + ", " + end + ")");
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int b = (int) visualSinks.getShape().get(0);
            NDArray sinkImage = Torch.narrow(visualSinks, 1, imageStart, end);
            boolean[] flat = sinkImage.toBooleanArray();
            boolean[] itemHasVisual = new boolean[b];
            for (int i = 0; i < flat.length; i++) {
                itemHasVisual[i / imageLength] |= flat[i];
            }
            boolean all = true;
            boolean none = true;
            for (boolean v : itemHasVisual) {
                all &= v;
                none &= !v;
            }
            NDArray keys = (rule == VarParams.HeadRule.OFFICIAL ? sinkImage : sinkImage.logicalNot())
                    .toType(dtype, false).reshape(b, 1, 1, imageLength);
            NDArray hasVisual = all ? null : manager.create(itemHasVisual).reshape(b, 1, 1, 1);
            return new ImageCentricHeads(imageStart, end, own(manager, keys), own(manager, hasVisual), none, rho, summ, eps, rule);
        }
    }

    /** False when no item has a visual sink: {@link #select} is all false. */
    public boolean canSelect() {
        return !noVisual;
    }

    /** summation and portion (PAPER rule: the non-sink share) of {@code attn} [B, H, Q, K], each [B, H, Q, 1]. */
    public Ratios ratios(NDArray attn) {
        long b = keys.getShape().get(0);
        if (attn.getShape().dimension() != 4 || attn.getShape().get(0) != b || attn.getShape().get(3) < imageEnd) {
            throw new IllegalArgumentException("attention must be [B, H, Q, K] with B = " + b + " (the sinks' batch) and K >= " + imageEnd
                    + ", got " + attn.getShape());
        }
        NDArray image = Torch.narrow(attn, 3, imageStart, imageEnd);
        NDArray numerator = image.mul(keys).sum(LAST, true);
        return new Ratios(image.sum(LAST, true), numerator.div(image.add(eps).sum(LAST, true)));
    }

    /** The selected rows [B, H, Q, 1] (boolean), per the head rule. */
    public NDArray select(NDArray attn) {
        if (noVisual) {
            Shape s = attn.getShape();
            return attn.getManager().zeros(new Shape(s.get(0), s.get(1), s.get(2), 1), DataType.BOOLEAN);
        }
        Ratios r = ratios(attn);
        NDArray share = rule == VarParams.HeadRule.OFFICIAL ? r.portion().lte(rho) : r.portion().gte(rho);
        NDArray selected = share.logicalAnd(r.summation().gte(summ));
        return hasVisual == null ? selected : selected.logicalAnd(hasVisual);
    }

    /** {@link #ratios(NDArray)} once, each [B, H, Q]. */
    public static Ratios ratios(NDArray attn, NDArray visualSinks, int imageStart, int imageLength, VarParams.HeadRule rule) {
        try (NDManager m = attn.getManager().newSubManager()) {
            NDArray eps = m.create(1e-6f);
            Ratios r = of(m, visualSinks, imageStart, imageLength, rule, attn.getDataType(), null, null, eps).ratios(attn);
            return new Ratios(r.summation().squeeze(3), r.portion().squeeze(3));
        }
    }

    /** {@link #select(NDArray)} once: the selected rows [B, H, Q] (boolean). */
    public static NDArray select(NDArray attn, NDArray visualSinks, int imageStart, int imageLength, VarParams params) {
        try (NDManager m = attn.getManager().newSubManager()) {
            return of(m, visualSinks, imageStart, imageLength, params, attn.getDataType()).select(attn).squeeze(3);
        }
    }

    /** Moves {@code a} out of any enclosing {@link NDScope} into {@code manager} (null stays null). */
    static NDArray own(NDManager manager, NDArray a) {
        if (a != null) {
            NDScope.unregister(a);
            a.attach(manager);
        }
        return a;
    }
}
