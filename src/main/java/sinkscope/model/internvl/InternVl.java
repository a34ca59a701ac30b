package sinkscope.model.internvl;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import sinkscope.model.DecoderNames;
import sinkscope.model.Activations;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.HfTokenizer;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.LayerNorm;
import sinkscope.model.Linear;
import sinkscope.model.LlamaModel;
import sinkscope.model.LmmBase;
import sinkscope.model.Merged;
import sinkscope.model.RgbImage;
import sinkscope.model.TileGrid;
import sinkscope.model.Weights;

/**
 * InternVLForConditionalGeneration (InternVL2.5/3/3.5 "-hf"): every tile of the image ({@link InternVlImageProcessor})
 * through InternViT ({@link InternVisionModel}); the last hidden state without CLS as a {@code G x G} grid; the pixel
 * shuffle at ratio 0.5 (HF's {@code pixel_shuffle}: column pairs, then row pairs merged, so token {@code (i, j)} holds
 * patches {@code (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1)} in that channel order); the projector
 * {@code linear_2(act(linear_1(layer_norm(x))))}; the tiles' {@code (G/2)^2} tokens each, tile after tile (thumbnail
 * last), replace the prompt's {@code <IMG_CONTEXT>} run. The decoder is the shared one, Qwen2, Qwen3 or LLaMA as configured.
 *
 * <p>The prompt's one {@code <IMG_CONTEXT>} becomes {@code <img>}, {@code <IMG_CONTEXT>} x {@code tokens * tiles},
 * {@code </img>} (the processor's expansion); the image span is the {@code <IMG_CONTEXT>} run; its layout has one
 * {@code (G/2) x (G/2)} panel per tile and the thumbnail ({@link TileGrid#layout}).
 *
 * <p>Weights are read under the released "-hf" names ({@code vision_tower.*}, {@code multi_modal_projector.*},
 * {@code language_model.model.*}, {@code language_model.lm_head}) or transformers 5's module names
 * ({@code model.vision_tower.*}, {@code model.multi_modal_projector.*}, {@code model.language_model.*}, {@code lm_head}).
 */
public final class InternVl extends LmmBase {
    /** InternVL-hf's chat format with the assistant turn open (a {@code PromptTemplate} template). */
    public static final String CHAT_TEMPLATE = "<|im_start|>user\n<IMG_CONTEXT>\n{question}<|im_end|>\n<|im_start|>assistant\n";
    static final String IMG_CONTEXT = "<IMG_CONTEXT>";

    private final InternVlConfig config;
    private final InternVisionModel vision;
    private final Projector projector;
    private final InternVlImageProcessor images;
    private final long imgStart;
    private final long imgEnd;

    /** The multimodal projector: {@code linear_2(act(linear_1(layer_norm(x))))} on pixel-shuffled features [.., 4 d_v]. */
    record Projector(LayerNorm norm, Linear linear1, Linear linear2, String act) {
        NDArray forward(NDArray x) {
            return linear2.forward(Activations.apply(act, linear1.forward(norm.forward(x))));
        }
    }

    private InternVl(NDManager manager, InternVlConfig config, InternVisionModel vision, Projector projector, LlamaModel language,
            InternVlImageProcessor images, HuggingFaceTokenizer tokenizer, long imgStart, long imgEnd, Set<Integer> eos, Device device, DataType dtype) {
        super(manager, language, device, dtype);
        attach(tokenizer, tokenizer, eos);
        this.config = config;
        this.vision = vision;
        this.projector = projector;
        this.images = images;
        this.imgStart = imgStart;
        this.imgEnd = imgEnd;
    }

    /** Transformers 5's module names to the released "-hf" names. */
    public static String[] aliases(String name) {
        if (name.startsWith("model.language_model.")) {
            return new String[] {"language_model.model." + name.substring("model.language_model.".length())};
        }
        if (name.startsWith("model.")) {
            return new String[] {name.substring("model.".length())};
        }
        if (name.startsWith("lm_head.")) {
            return new String[] {"language_model." + name};
        }
        return new String[0];
    }

    public static InternVl load(Path dir, Device device, DataType dtype) {
        InternVlConfig config = InternVlConfig.load(Checkpoint.configFile(dir));
        InternVlImageProcessor images = InternVlImageProcessor.load(dir.resolve("preprocessor_config.json"), config.vision().imageSize());
        HuggingFaceTokenizer tok = HfTokenizer.load(dir, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        try {
            long ctx = single(tok, IMG_CONTEXT, dir);
            if (ctx != config.imageTokenId()) {
                throw CheckpointException.of(dir.resolve("tokenizer_config.json"), IMG_CONTEXT + " is id " + ctx + " but config.json's image_token_id is "
                        + config.imageTokenId());
            }
            long start = single(tok, "<img>", dir);
            long end = single(tok, "</img>", dir);
            try (Checkpoint ck = Checkpoint.open(dir, InternVl::aliases)) {
                return create(config, ck, images, tok, start, end, HfTokenizer.eosIds(dir, config.text()), device, dtype);
            }
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    private static long single(HuggingFaceTokenizer tok, String token, Path dir) {
        long[] ids = tok.encode(token).getIds();
        if (ids.length != 1) {
            throw CheckpointException.of(dir.resolve("tokenizer_config.json"), token + " is not one token (encodes to " + java.util.Arrays.toString(ids)
                    + "): field 'added_tokens_decoder' must declare it");
        }
        return ids[0];
    }

    /** A model of {@code config} from {@code weights} without tokenizer or image processor (random weights for benchmarks). */
    public static InternVl create(InternVlConfig config, Weights weights, Device device, DataType dtype) {
        return create(config, weights, null, null, -1, -1, null, device, dtype);
    }

    private static InternVl create(InternVlConfig config, Weights w, InternVlImageProcessor images, HuggingFaceTokenizer tok, long start, long end,
            Set<Integer> eos, Device device, DataType dtype) {
        return build(device, "internvl", m -> {
            InternVisionModel vision = InternVisionModel.load(w, m, config.vision(), "model.vision_tower.", dtype, device);
            int in = 4 * config.vision().hiddenSize();
            int d = config.text().hiddenSize();
            String p = "model.multi_modal_projector.";
            if (!w.has(p + "linear_1.weight")) {
                Path file = w instanceof Checkpoint ck ? ck.dir() : config.file();
                throw CheckpointException.tensor(file, "multi_modal_projector.linear_1.weight",
                        "missing: an InternVL checkpoint needs its projector (layer_norm, linear_1, linear_2)");
            }
            Projector projector = new Projector(new LayerNorm(w.load(m, p + "layer_norm.weight", dtype, device, in),
                    w.load(m, p + "layer_norm.bias", dtype, device, in), 1e-5),
                    Linear.load(w, m, p + "linear_1", in, d, true, dtype, device), Linear.load(w, m, p + "linear_2", d, d, true, dtype, device),
                    config.projectorHiddenAct());
            LlamaModel language = LlamaModel.load(w, m, config.text(), dtype, device, DecoderNames.hf("model.language_model.", "lm_head"));
            return new InternVl(m, config, vision, projector, language, images, tok, start, end, eos, device, dtype);
        });
    }

    @Override
    public InternVlConfig config() {
        return config;
    }

    @Override
    public String imagePlaceholder() {
        return IMG_CONTEXT;
    }

    public InternVlImageProcessor imageProcessor() {
        return present(images, "image processor");
    }

    /** Tokenizes the prompt and tiles the image as the checkpoint's processor does; no image option applies. */
    @Override
    public Inputs encode(NDManager m, String prompt, BufferedImage image, ImageOptions options) {
        if (options.mode() != null || options.minPixels() > 0 || options.maxPixels() > 0) {
            throw new IllegalArgumentException("InternVL tiles the image by aspect ratio (max_patches of preprocessor_config.json); "
                    + "--image-mode and min/max pixels do not apply");
        }
        if (image == null) {
            return new Inputs(expand(prompt, null), null, null, 0, 0, 0, 0, options);
        }
        InternVlImageProcessor.Result r = imageProcessor().process(RgbImage.of(image));
        int s = config.vision().imageSize();
        NDArray pixels = m.create(r.pixelValues(), new Shape(r.grid().numTiles(), 3, s, s));
        return inputs(prompt, pixels, r.grid(), image.getWidth(), image.getHeight(), options);
    }

    /**
     * Stored pixel values [tiles, 3, S, S] with {@code imageSizes} = the original image's {@code (height, width)} (as
     * {@code inspect} writes them), from which the tile grid follows; null: one tile.
     */
    @Override
    public Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageSizes) {
        if (imageSizes == null) {
            return inputs(prompt, pixelValues, new TileGrid(1, 1, config.vision().imageSize(), false), 0, 0, ImageOptions.DEFAULT);
        }
        if (imageSizes.length != 2 || imageSizes[0] <= 0 || imageSizes[1] <= 0) {
            throw new IllegalArgumentException("InternVL pixel values need the original image size (height, width), got " + java.util.Arrays.toString(imageSizes));
        }
        int h = (int) imageSizes[0];
        int w = (int) imageSizes[1];
        return inputs(prompt, pixelValues, imageProcessor().grid(w, h), w, h, ImageOptions.DEFAULT);
    }

    private Inputs inputs(String prompt, NDArray pixels, TileGrid grid, int width, int height, ImageOptions options) {
        int s = config.vision().imageSize();
        long[] shape = pixels.getShape().getShape();
        if (shape.length != 4 || shape[0] != grid.numTiles() || shape[1] != 3 || shape[2] != s || shape[3] != s) {
            throw new IllegalArgumentException("pixel values " + pixels.getShape() + " do not fit a " + grid.cols() + "x" + grid.rows() + " tile grid"
                    + (grid.thumbnail() ? " with thumbnail" : "") + ": expected [" + grid.numTiles() + ", 3, " + s + ", " + s + "]");
        }
        int side = config.vision().gridSize() / 2;
        return new Inputs(expand(prompt, grid), pixels, null, side, side, width, height, options, grid.layout(side));
    }

    /** The prompt's ids with its one {@code <IMG_CONTEXT>} expanded to {@code <img> <IMG_CONTEXT> x N </img>}. */
    private long[] expand(String prompt, TileGrid grid) {
        long[] ids = tokenizer().encode(prompt).getIds();
        long ctx = config.imageTokenId();
        int at = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == ctx) {
                if (at >= 0) {
                    throw new IllegalArgumentException("prompt has more than one " + IMG_CONTEXT);
                }
                at = i;
            }
        }
        if ((at >= 0) != (grid != null)) {
            throw new IllegalArgumentException(at >= 0 ? "prompt has an image placeholder but no image was given"
                    : "an image was given but the prompt has no " + IMG_CONTEXT + " placeholder");
        }
        if (at < 0) {
            return ids;
        }
        int n = config.imageSeqLength() * grid.numTiles();
        long[] out = new long[ids.length + n + 1];
        System.arraycopy(ids, 0, out, 0, at);
        out[at] = imgStart;
        java.util.Arrays.fill(out, at + 1, at + 1 + n, ctx);
        out[at + 1 + n] = imgEnd;
        System.arraycopy(ids, at + 1, out, at + n + 2, ids.length - at - 1);
        return out;
    }

    /** What the vision side computes for tiles [T, 3, S, S], attached to {@code m}. */
    public record VisionOutput(NDList hiddenStates, NDArray shuffled, NDArray projected) {}

    /** InternViT's states (all with {@code keepStates}, else the last), the pixel-shuffled features [T, (G/2)^2, 4 d_v] and the projector's [T, (G/2)^2, D]. */
    public VisionOutput visionOutput(NDManager m, NDArray pixels, boolean keepStates) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList states = vision.forward(pixels.toDevice(device, false), keepStates);
            NDArray last = states.get(states.size() - 1);
            int g = config.vision().gridSize();
            long t = last.getShape().get(0);
            long dv = last.getShape().get(2);
            NDArray grid = last.get(new NDIndex(":, 1:, :")).reshape(t, g, g, dv);
            NDArray shuffled = pixelShuffle(grid).reshape(t, (long) g * g / 4, 4 * dv);
            NDArray projected = projector.forward(shuffled);
            NDList keep = new NDList(states);
            keep.add(shuffled);
            keep.add(projected);
            for (NDArray a : keep) {
                NDScope.unregister(a);
            }
            keep.attach(m);
            return new VisionOutput(states, shuffled, projected);
        }
    }

    /** HF's {@code pixel_shuffle(x, 0.5)} of [T, R, C, ch] (R, C even): [T, R/2, C/2, 4 ch]. */
    static NDArray pixelShuffle(NDArray x) {
        long t = x.getShape().get(0);
        long r = x.getShape().get(1);
        long c = x.getShape().get(2);
        long ch = x.getShape().get(3);
        return x.reshape(t, r, c / 2, ch * 2).transpose(0, 2, 1, 3).reshape(t, c / 2, r / 2, ch * 4).transpose(0, 2, 1, 3);
    }

    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        try (NDManager tmp = m.newSubManager()) {
            NDArray projected = visionOutput(tmp, inputs.pixelValues(), false).projected();
            NDArray flat = projected.reshape(-1, projected.getShape().get(2));
            flat.attach(m);
            return flat;
        }
    }

    /** Embeds the prompt and puts {@code features} [N, D] in its run of N {@code <IMG_CONTEXT>} ids (the image span). */
    @Override
    public Merged merge(NDManager m, Inputs inputs, NDArray features) {
        long[] ids = inputs.inputIds();
        long ctx = config.imageTokenId();
        int start = -1;
        int end = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == ctx) {
                if (start < 0) {
                    start = i;
                } else if (end >= 0) {
                    throw new IllegalArgumentException("the image's " + IMG_CONTEXT + " tokens are not one run");
                }
            } else {
                if (start >= 0 && end < 0) {
                    end = i;
                }
                if (ids[i] < 0 || ids[i] >= config.text().vocabSize()) {
                    throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + config.text().vocabSize());
                }
            }
        }
        if (start >= 0 && end < 0) {
            end = ids.length;
        }
        int n = start < 0 ? 0 : end - start;
        if ((features == null) != (n == 0) || (features != null && features.getShape().get(0) != n)) {
            throw new IllegalArgumentException("the prompt has " + n + " " + IMG_CONTEXT + " tokens but the image has "
                    + (features == null ? 0 : features.getShape().get(0)) + " features");
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray embeds = language.embed(m.create(ids).toDevice(device, false));
            if (n > 0) {
                NDArray img = features.toType(embeds.getDataType(), false).toDevice(device, false);
                embeds = NDArrays.concat(new NDList(embeds.get(new NDIndex("0:{}", start)), img, embeds.get(new NDIndex("{}:", end))), 0);
            }
            embeds = embeds.expandDims(0);
            NDScope.unregister(embeds);
            embeds.attach(m);
            return new Merged(embeds, start, n == 0 ? -1 : end);
        }
    }

    /**
     * The image tokens (over the whole span, tile after tile) an object's box covers: in each canvas tile the tokens
     * whose centre lies in the box mapped onto the canvas ({@code cols * S / w}, {@code rows * S / h}), in the
     * thumbnail those whose centre lies in the box scaled to {@code S x S}; a box too small to hold a centre gets, in
     * each panel it touches, the token under its centre.
     */
    @Override
    public boolean[] objectPatches(Inputs inputs, double[] box) {
        if (inputs.width() <= 0) {
            throw new IllegalArgumentException("object boxes need the original image size");
        }
        TileGrid grid = imageProcessor().grid(inputs.width(), inputs.height());
        int side = config.vision().gridSize() / 2;
        boolean[] on = new boolean[inputs.numImageTokens()];
        double sx = grid.cols() * side / (double) inputs.width();
        double sy = grid.rows() * side / (double) inputs.height();
        double[] canvas = {box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy};
        for (int r = 0; r < grid.rows(); r++) {
            for (int c = 0; c < grid.cols(); c++) {
                mark(on, (r * grid.cols() + c) * side * side, side, canvas, r * side, c * side);
            }
        }
        if (grid.thumbnail()) {
            double tx = side / (double) inputs.width();
            double ty = side / (double) inputs.height();
            mark(on, grid.cols() * grid.rows() * side * side, side, new double[] {box[0] * tx, box[1] * ty, box[2] * tx, box[3] * ty}, 0, 0);
        }
        return on;
    }

    /** Marks the tokens of one {@code side x side} panel at token offset {@code offset}, whose cell (0, 0) sits at ({@code row0}, {@code col0}) in box units. */
    private static void mark(boolean[] on, int offset, int side, double[] b, int row0, int col0) {
        boolean any = false;
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                double cx = col0 + j + 0.5;
                double cy = row0 + i + 0.5;
                if (cx >= b[0] && cx < b[2] && cy >= b[1] && cy < b[3]) {
                    on[offset + i * side + j] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            int j = (int) Math.floor((b[0] + b[2]) / 2) - col0;
            int i = (int) Math.floor((b[1] + b[3]) / 2) - row0;
            if (i >= 0 && i < side && j >= 0 && j < side && b[2] > col0 && b[0] < col0 + side && b[3] > row0 && b[1] < row0 + side) {
                on[offset + i * side + j] = true;
            }
        }
    }

}
