package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The parts every family's {@link Lmm} has: the manager owning its weights, the decoder, device and dtype, and the
 * processor or tokenizer it closes (null when built from weights alone). A family extends it and adds its vision tower,
 * projector and processing.
 */
public abstract class LmmBase implements Lmm {
    protected final NDManager manager;
    protected final LlamaModel language;
    protected final Device device;
    protected final DataType dtype;
    private AutoCloseable processor;

    protected LmmBase(NDManager manager, LlamaModel language, Device device, DataType dtype) {
        this.manager = manager;
        this.language = language;
        this.device = device;
        this.dtype = dtype;
    }

    /** The processor or tokenizer {@link #close} closes with the model (a model built from weights alone has none). */
    protected void attach(AutoCloseable processor) {
        this.processor = processor;
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
