package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.List;
import java.util.Objects;

/**
 * The learnable map W from the student's hidden width H_s to the teacher's H_t that TinyBERT puts
 * in front of its hidden-state and embedding losses (Jiao et al. 2020, eq. 7 and 10:
 * MSE(H^S·W_h, H^T)).
 *
 * <pre>
 *   y = x · Wᵀ (+ b)      x: (…, H_s)   weight W: (H_t, H_s)   bias b: (H_t)   y: (…, H_t)
 * </pre>
 *
 * The weight uses PyTorch's {@code nn.Linear} layout (out, in), so it loads as TinyBERT's
 * {@code fit_dense.weight}. The paper's formula has no bias; {@code withBias} adds the one
 * TinyBERT's code uses. W is initialised like BERT's weights, N(0, 0.02²), the bias with zeros.
 * Parameter names are {@code <prefix>.weight} and {@code <prefix>.bias}.
 */
public final class Projection {

    private final int studentWidth;
    private final int teacherWidth;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param prefix the parameter-name prefix, unique among the losses of one run
     * @param studentWidth H_s
     * @param teacherWidth H_t
     * @param withBias whether to add a bias b
     */
    public Projection(String prefix, int studentWidth, int teacherWidth, boolean withBias) {
        this(prefix, studentWidth, teacherWidth, withBias, null);
    }

    /**
     * As {@link #Projection(String, int, int, boolean)}, with W drawn from {@code weightInit}
     * (null: N(0, 0.02²)).
     *
     * @param prefix the parameter-name prefix, unique among the losses of one run
     * @param studentWidth H_s, &gt; 0
     * @param teacherWidth H_t, &gt; 0
     * @param withBias whether to add a bias b
     * @param weightInit how W is filled, called with shape (H_t, H_s); null for N(0, 0.02²)
     * @throws IllegalArgumentException if a width is not positive
     * @throws NullPointerException if {@code prefix} is null
     */
    public Projection(String prefix, int studentWidth, int teacherWidth, boolean withBias, Initializer weightInit) {
        Objects.requireNonNull(prefix, "prefix");
        if (studentWidth <= 0 || teacherWidth <= 0) {
            throw new IllegalArgumentException("projection widths must be positive: student " + studentWidth
                    + ", teacher " + teacherWidth);
        }
        this.studentWidth = studentWidth;
        this.teacherWidth = teacherWidth;
        weight = Parameter.builder()
                .setName(prefix + ".weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(teacherWidth, studentWidth))
                .optInitializer(weightInit != null ? weightInit : new NormalInitializer(0.02f))
                .build();
        bias = withBias
                ? Parameter.builder()
                        .setName(prefix + ".bias")
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(teacherWidth))
                        .optInitializer(Initializer.ZEROS)
                        .build()
                : null;
    }

    /**
     * An initializer that sets W to the given (H_t, H_s) row-major values, e.g. a pruned
     * student's channel selection (W[c_i][i] = 1). The shape asked for must match.
     *
     * @param teacherWidth H_t, the number of rows
     * @param studentWidth H_s, the number of columns
     * @param values H_t·H_s values, row-major; copied, so later changes to the array do not matter
     * @return an initializer that creates a new array with storage of its own, in the dtype asked for;
     *         it throws {@link IllegalArgumentException} when asked for any other shape
     * @throws IllegalArgumentException if {@code values} does not hold H_t·H_s values
     */
    public static Initializer fromMatrix(int teacherWidth, int studentWidth, float[] values) {
        Objects.requireNonNull(values, "values");
        if (values.length != (long) teacherWidth * studentWidth) {
            throw new IllegalArgumentException("a (" + teacherWidth + ", " + studentWidth + ") projection needs "
                    + (long) teacherWidth * studentWidth + " values; got " + values.length);
        }
        float[] copy = values.clone();
        return (manager, shape, dataType) -> {
            if (!shape.equals(new Shape(teacherWidth, studentWidth))) {
                throw new IllegalArgumentException("this initializer holds a (" + teacherWidth + ", " + studentWidth
                        + ") matrix but the projection has shape " + shape
                        + "; build it from the student and teacher widths of this run");
            }
            // manager.create borrows the Java buffer (from_blob) and toType to the same dtype returns
            // an alias even when asked to copy (docs/djl-traps.md); the parameter outlives this
            // call, so it gets storage of its own from duplicate() (a PyTorch clone).
            NDArray borrowed = manager.create(copy, shape);
            NDArray cast = borrowed.toType(dataType, false);
            NDArray owned = cast.duplicate();
            if (cast != borrowed) {
                cast.close();
            }
            borrowed.close();
            return owned;
        };
    }

    /**
     * Creates the arrays in {@code manager} (the student's, so they live on its device).
     *
     * @param manager the manager that owns W and b
     * @param type their dtype, which must match the student's activations
     */
    public void initialize(NDManager manager, DataType type) {
        weight.initialize(manager, type);
        if (bias != null) {
            bias.initialize(manager, type);
        }
    }

    /**
     * y = x·Wᵀ (+ b) for x of shape (…, H_s).
     *
     * @param x the student's hidden states (…, H_s), e.g. (B, T, H_s)
     * @return the projected states (…, H_t), in the graph for gradients into W and b
     * @throws IllegalStateException if {@link #initialize} was not called
     * @throws IllegalArgumentException if the last dimension of {@code x} is not H_s
     */
    public NDArray apply(NDArray x) {
        if (!weight.isInitialized()) {
            throw new IllegalStateException("projection " + weight.getName()
                    + " is not initialised: call the loss's initialize(manager, teacherDims, studentDims) before compute");
        }
        long width = x.getShape().get(x.getShape().dimension() - 1);
        if (width != studentWidth) {
            throw new IllegalArgumentException("projection " + weight.getName() + " maps width " + studentWidth
                    + " to " + teacherWidth + " but got an input of width " + width + " (shape " + x.getShape()
                    + "); the student's hidden size must match the ModelDims given to initialize");
        }
        return (bias == null
                ? Linear.linear(x, weight.getArray())
                : Linear.linear(x, weight.getArray(), bias.getArray())).singletonOrThrow();
    }

    /**
     * Copies {@code w} (H_t, H_s) into W, e.g. to start from known values.
     *
     * @param w the new weight (H_t, H_s); converted to W's dtype
     * @throws IllegalStateException if W is not initialised
     * @throws IllegalArgumentException if the shape differs
     */
    public void setWeight(NDArray w) {
        copyInto(weight, w);
    }

    /**
     * Copies {@code b} (H_t) into the bias.
     *
     * @param b the new bias (H_t); converted to the bias's dtype
     * @throws IllegalStateException if there is no bias or it is not initialised
     * @throws IllegalArgumentException if the shape differs
     */
    public void setBias(NDArray b) {
        if (bias == null) {
            throw new IllegalStateException("projection " + weight.getName() + " has no bias");
        }
        copyInto(bias, b);
    }

    private static void copyInto(Parameter p, NDArray value) {
        if (!p.isInitialized()) {
            throw new IllegalStateException(p.getName() + " is not initialised yet; initialize the loss first");
        }
        NDArray target = p.getArray();
        if (!target.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException(p.getName() + " has shape " + target.getShape()
                    + ", cannot copy an array of shape " + value.getShape());
        }
        // Raw copy into the leaf's storage: not an autograd op, so the array stays a leaf.
        target.set(value.toType(target.getDataType(), true).toByteBuffer());
    }

    /** {@return the weight W, shape (H_t, H_s), named {@code <prefix>.weight}} */
    public Parameter weight() {
        return weight;
    }

    /**
     * The bias, or null without one.
     *
     * @return the bias parameter (H_t), named {@code <prefix>.bias}, or null
     */
    public Parameter bias() {
        return bias;
    }

    /** {@return H_s, the width of the inputs} */
    public int studentWidth() {
        return studentWidth;
    }

    /** {@return H_t, the width of the outputs} */
    public int teacherWidth() {
        return teacherWidth;
    }

    /**
     * W, then b if present.
     *
     * @return an immutable list of one or two parameters
     */
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }
}
