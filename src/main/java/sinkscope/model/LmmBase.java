package sinkscope.model;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Set;

/**
 * The parts every family's {@link Lmm} has: the manager owning its weights, the decoder, device and dtype, the
 * processor or tokenizer it closes, the checkpoint's Hugging Face tokenizer (generated ids decode with special tokens
 * skipped) and the ids that end a generation (the config's and {@code generation_config.json}'s,
 * {@link HfTokenizer#eosIds}); processor and tokenizer are null for a model built from weights alone, whose EOS ids are
 * the config's. A family extends it and adds its vision tower, projector and processing.
 */
public abstract class LmmBase implements Lmm {
    protected final NDManager manager;
    protected final LlamaModel language;
    protected final Device device;
    protected final DataType dtype;
    private AutoCloseable processor;
    private HuggingFaceTokenizer tokenizer;
    private Set<Integer> eos;

    protected LmmBase(NDManager manager, LlamaModel language, Device device, DataType dtype) {
        this.manager = manager;
        this.language = language;
        this.device = device;
        this.dtype = dtype;
    }

    /**
     * The checkpoint's processor, which {@link #close} closes with the model and which owns {@code tokenizer}, and the
     * EOS ids (null: the config's).
     */
    protected void attach(AutoCloseable processor, HuggingFaceTokenizer tokenizer, Set<Integer> eos) {
        this.processor = processor;
        this.tokenizer = tokenizer;
        this.eos = eos == null ? null : Set.copyOf(eos);
    }

    /** The checkpoint's tokenizer, or an error for a model built from weights alone. */
    protected HuggingFaceTokenizer tokenizer() {
        return present(tokenizer, "tokenizer");
    }

    /** {@code part} of the checkpoint directory (tokenizer, processor), or an error saying a model built from weights alone has none. */
    protected <T> T present(T part, String what) {
        if (part == null) {
            throw new IllegalStateException("this " + config().modelType() + " model was built from weights without a checkpoint directory: it has no " + what);
        }
        return part;
    }

    /**
     * A model built by {@code parts} in a new base manager on {@code device} named {@code name}, which is closed again
     * when building fails.
     */
    protected static <T extends LmmBase> T build(Device device, String name, java.util.function.Function<NDManager, T> parts) {
        NDManager m = NDManager.newBaseManager(device);
        m.setName(name);
        try {
            return parts.apply(m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public boolean isEos(long id) {
        return eos != null ? eos.contains((int) id) : config().text().isEos(id);
    }

    /** The text of {@code ids}, special tokens skipped. */
    @Override
    public String decodeText(long[] ids) {
        return tokenizer().decode(ids, true);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    @Override
    public LlamaModel language() {
        return language;
    }

    @Override
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public NDManager newSampleManager() {
        return manager.newSubManager();
    }

    /** Closes the processor (tokenizer), then every array of the model. */
    @Override
    public void close() {
        try {
            if (processor != null) {
                processor.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the processor of " + config().modelType() + ": " + e.getMessage(), e);
        } finally {
            manager.close();
        }
    }
}
