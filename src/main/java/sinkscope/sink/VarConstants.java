package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The scalars of Stages 2 and 3 for one {@link VarParams} and attention dtype, as 0-dim arrays made once: HeadFork's
 * {@code rho} and {@code summ} and VAR's {@code p} and {@code 1-p} rounded to the dtype (as the released model's
 * half-precision tensors round them), HeadFork's per-entry {@code 1e-6} (float32: the bits of the Python scalar),
 * and 0 and 1 in the dtype. An op with a Java number would make such a scalar on every call, a host-to-device copy
 * that costs more than the op itself.
 */
final class VarConstants {
    final DataType dtype;
    final NDArray rho;
    final NDArray summ;
    final NDArray p;
    final NDArray oneMinusP;
    final NDArray eps;
    final NDArray zero;
    final NDArray one;

    /** The constants of {@code params} in {@code dtype}; the arrays belong to {@code manager}. */
    VarConstants(NDManager manager, VarParams params, DataType dtype) {
        this.dtype = dtype;
        this.rho = scalar(manager, params.rho(), dtype);
        this.summ = scalar(manager, params.summ(), dtype);
        this.p = scalar(manager, params.p(), dtype);
        this.oneMinusP = scalar(manager, 1.0 - params.p(), dtype);
        this.eps = ImageCentricHeads.own(manager, manager.create(1e-6f));
        this.zero = scalar(manager, 0, dtype);
        this.one = scalar(manager, 1, dtype);
    }

    private static NDArray scalar(NDManager manager, double value, DataType dtype) {
        try (NDArray v = manager.create(value)) {
            return ImageCentricHeads.own(manager, v.toType(dtype, true));
        }
    }
}
