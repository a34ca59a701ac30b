package sinkscope.spark;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * TEST HARNESS: gives a test a {@link StandaloneCluster} or a {@link MiniHdfs} parameter, each started on first use and
 * kept in the root store, so one of each serves every test of the JVM; JUnit closes both when the whole run ends.
 */
public final class ClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == StandaloneCluster.class || type == MiniHdfs.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        // the root store outlives every test class and closes its CloseableResources at the end of the run
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(type, t -> {
            try {
                return t == StandaloneCluster.class ? StandaloneCluster.start() : MiniHdfs.start();
            } catch (Exception e) {
                throw new ParameterResolutionException("cannot start the " + t.getSimpleName(), e);
            }
        });
    }
}
