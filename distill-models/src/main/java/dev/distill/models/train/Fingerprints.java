package dev.distill.models.train;

import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/** SHA-256 fingerprints of an encoder's architecture and weights, as lower-case hex. */
final class Fingerprints {

    private Fingerprints() {}

    /** The configuration, pooling, head architecture and head size: what the weights must fit. */
    static String architecture(Encoder encoder) {
        MessageDigest md = sha256();
        md.update(architectureText(encoder).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** The architecture plus every parameter's name, shape, type and bytes, in name order. */
    static String weights(Encoder encoder) {
        MessageDigest md = sha256();
        md.update(architectureText(encoder).getBytes(StandardCharsets.UTF_8));
        Map<String, TensorData> state = encoder.stateDict();
        for (String name : new java.util.TreeSet<>(state.keySet())) {
            TensorData t = state.get(name);
            md.update((name + ":" + t.dtype() + Arrays.toString(t.shape()) + ";").getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = t.data().duplicate();
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String architectureText(Encoder encoder) {
        return encoder.config() + "|pooling=" + encoder.pooling() + "|head="
                + encoder.head().map(h -> h.architecture() + "/" + h.numOutputs()).orElse("none");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256, which every Java platform must provide", e);
        }
    }
}
