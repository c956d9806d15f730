package dev.distill.models.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.core.ModelDims;
import dev.distill.core.train.TrainableModel;
import dev.distill.models.encoder.Encoder;
import java.util.Objects;

/**
 * What every {@link TrainableModel} built around one {@link Encoder} shares: the encoder, the
 * manager of its parameters (taken from the word embeddings at construction), and the
 * architecture fingerprint the subclass computes. Subclasses check the encoder before calling
 * this constructor ({@link #requireInitialised}), since it reads the word embeddings' array.
 */
public abstract class EncoderBackedModel implements TrainableModel {

    /** The wrapped encoder, for subclasses' {@code forward}; never null. */
    protected final Encoder encoder;
    private final NDManager manager;
    private final String configFingerprint;

    /**
     * @param encoder the wrapped encoder, parameters initialised
     * @param configFingerprint what {@link #configFingerprint()} returns
     */
    protected EncoderBackedModel(Encoder encoder, String configFingerprint) {
        this.encoder = encoder;
        this.manager = encoder.wordEmbeddings().getArray().getManager();
        this.configFingerprint = configFingerprint;
    }

    /**
     * {@code encoder} itself, after checking it is not null ({@code NullPointerException}) and its
     * parameters are initialised ({@code IllegalArgumentException} with {@code message}).
     *
     * @param encoder the encoder to check
     * @param message the exception's message when its parameters are not initialised
     * @return {@code encoder}
     */
    protected static Encoder requireInitialised(Encoder encoder, String message) {
        Objects.requireNonNull(encoder, "encoder");
        if (!encoder.wordEmbeddings().isInitialized()) {
            throw new IllegalArgumentException(message);
        }
        return encoder;
    }

    /**
     * The wrapped encoder, e.g. to export it after training.
     *
     * @return the encoder (the same object, not a copy)
     */
    public Encoder encoder() {
        return encoder;
    }

    @Override
    public ModelDims dims() {
        return encoder.dims();
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public String configFingerprint() {
        return configFingerprint;
    }
}
