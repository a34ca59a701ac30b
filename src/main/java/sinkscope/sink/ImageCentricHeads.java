package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

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
 */
public final class ImageCentricHeads {
    private ImageCentricHeads() {}

    /** HeadFork's two ratios, each [B, H, Q] in the attention's dtype. */
    public record Ratios(NDArray summation, NDArray portion) {}

    /**
     * summation and portion for {@code attn} [B, H, Q, K] and the visual sinks {@code visualSinks} [B, T]
     * ({@code T >= imageStart + imageLength}). For the PAPER rule portion is replaced by the non-sink share.
     */
    public static Ratios ratios(NDArray attn, NDArray visualSinks, int imageStart, int imageLength, VarParams.HeadRule rule) {
        checkShapes(attn, visualSinks, imageStart, imageLength);
        int end = imageStart + imageLength;
        long b = attn.getShape().get(0);
        NDArray image = attn.get(":, :, :, " + imageStart + ":" + end);
        NDArray sinkImage = visualSinks.get(":, " + imageStart + ":" + end).reshape(b, 1, 1, imageLength);
        NDArray keys = rule == VarParams.HeadRule.OFFICIAL ? sinkImage : sinkImage.logicalNot();
        NDArray numerator = image.mul(keys.toType(attn.getDataType(), false)).sum(new int[] {-1});
        NDArray denominator = image.add(1e-6).sum(new int[] {-1});
        return new Ratios(image.sum(new int[] {-1}), numerator.div(denominator));
    }

    /** The selected rows [B, H, Q] (boolean), per {@code params.headRule()}. */
    public static NDArray select(NDArray attn, NDArray visualSinks, int imageStart, int imageLength, VarParams params) {
        Ratios r = ratios(attn, visualSinks, imageStart, imageLength, params.headRule());
        DataType dt = attn.getDataType();
        NDArray rho = attn.getManager().create(params.rho()).toType(dt, false);
        NDArray summ = attn.getManager().create(params.summ()).toType(dt, false);
        NDArray share = params.headRule() == VarParams.HeadRule.OFFICIAL ? r.portion().lte(rho) : r.portion().gte(rho);
        long b = attn.getShape().get(0);
        NDArray hasVisual = visualSinks.get(":, " + imageStart + ":" + (imageStart + imageLength))
                .toType(DataType.INT32, false).sum(new int[] {1}).gt(0).reshape(b, 1, 1);
        return share.logicalAnd(r.summation().gte(summ)).logicalAnd(hasVisual);
    }

    private static void checkShapes(NDArray attn, NDArray visualSinks, int imageStart, int imageLength) {
        if (attn.getShape().dimension() != 4) {
            throw new IllegalArgumentException("attention must be [B, H, Q, K], got " + attn.getShape());
        }
        if (visualSinks.getShape().dimension() != 2 || visualSinks.getShape().get(0) != attn.getShape().get(0)) {
            throw new IllegalArgumentException("visual sinks must be [B, T] with B = " + attn.getShape().get(0) + ", got " + visualSinks.getShape());
        }
        long end = (long) imageStart + imageLength;
        if (imageStart < 0 || imageLength <= 0 || end > attn.getShape().get(3) || end > visualSinks.getShape().get(1)) {
            throw new IllegalArgumentException("image span [" + imageStart + ", " + end + ") does not fit " + attn.getShape().get(3)
                    + " keys and " + visualSinks.getShape().get(1) + " tokens");
        }
    }
}
