package sinkscope.spark;

import java.io.Serializable;
import java.util.List;

/**
 * How to build a {@link SampleRunner}: everything that identifies one loaded model. Two equal specs share one
 * runner per executor and device ({@link ExecutorModels}).
 *
 * @param factoryClass a {@link SampleRunnerFactory} with a public no-argument constructor, loaded by name on
 *     the driver (to fail early) and on each executor
 * @param modelDir a llava-hf model directory (config.json, safetensors, tokenizer files)
 * @param dtype {@code float32}, {@code float16} or {@code bfloat16}; {@code auto} = fp32 on CPU, bf16 on GPU
 * @param threads CPU intra-op threads per runner (0 = the cores available)
 * @param sinkDims D_sink, the hidden dimensions the sink score looks at; empty = the runner's known dims for
 *     the model's LLM
 * @param tau a token is a sink at a layer when {@code phi > tau} (paper: 20); NaN or {@code <= 0}: {@code 0.3125 sqrt(hidden)}
 * @param template prompt template: a family's template name ({@code Families.templates()}: {@code llava_hf},
 *     {@code vicuna_v1}, {@code qwen2_vl}, ...), a custom template with {@code {question}}, or {@code model} (the
 *     checkpoint's conversation format)
 * @param maxNewTokens generation length limit for evaluation
 * @param seed the run's seed ({@code --seed}): each (sample, config) draws from
 *     {@link sinkscope.intervention.Context#seed(long, String, String)} of it (sampled decoding, VCD's noise)
 */
public record RunnerSpec(
        String factoryClass,
        String modelDir,
        String dtype,
        int threads,
        List<Integer> sinkDims,
        double tau,
        String template,
        int maxNewTokens,
        long seed) implements Serializable {

    /** The factory the commands use unless {@code --runner} names another. */
    public static final String DEFAULT_FACTORY = "sinkscope.spark.ModelRunnerFactory";

    public RunnerSpec {
        sinkDims = List.copyOf(sinkDims);
    }

    /** A spec with run seed 0. */
    public RunnerSpec(String factoryClass, String modelDir, String dtype, int threads, List<Integer> sinkDims, double tau, String template,
            int maxNewTokens) {
        this(factoryClass, modelDir, dtype, threads, sinkDims, tau, template, maxNewTokens, 0);
    }

    /**
     * Loads {@link #factoryClass()} and makes one; fails with a message naming the class and the
     * {@code --runner} flag when it is not on the classpath or is not a {@link SampleRunnerFactory}.
     */
    public SampleRunnerFactory factory() {
        Class<?> c;
        try {
            c = Class.forName(factoryClass, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("runner factory class " + factoryClass
                    + " is not on the classpath; build the model runtime into the jar or name another"
                    + " sinkscope.spark.SampleRunnerFactory with --runner CLASS");
        }
        if (!SampleRunnerFactory.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("runner factory class " + factoryClass + " does not implement "
                    + SampleRunnerFactory.class.getName());
        }
        try {
            return (SampleRunnerFactory) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("runner factory class " + factoryClass
                    + " needs a public no-argument constructor: " + e);
        }
    }
}
