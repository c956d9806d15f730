package dev.distill.core.cache;

import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a teacher-output cache was computed from. A cache is valid only for the same teacher
 * weights, tokenizer, data (the exact input ids and kept positions, so the masking too), maximum
 * length, k, masking seed and stored hidden layers; {@link #differences} lists what differs, and
 * readers refuse a mismatch with that list.
 *
 * @param teacherHash SHA-256 (hex) of the teacher's weights (names, shapes and values), head included
 * @param tokenizerHash SHA-256 (hex) of the tokenizer definition ({@code tokenizer.json} bytes)
 * @param dataHash SHA-256 (hex) of the examples as the teacher saw them: {@link #dataHash(Iterable)}
 * @param maxLength the truncation length the inputs were made with
 * @param k tokens kept per position
 * @param maskingSeed the seed of the masked-LM masking (−1 when inputs were not masked)
 * @param hiddenLayers the hidden-state indices stored per real token (0 = embedding output, l =
 *     output of layer l, as in {@code ModelOutputs.hiddenStates}), strictly ascending; empty when
 *     the cache holds no hidden states
 */
public record CacheFingerprint(String teacherHash, String tokenizerHash, String dataHash, int maxLength, int k,
        long maskingSeed, List<Integer> hiddenLayers) implements java.io.Serializable {

    /**
     * Checks the fields; a null layer list means none.
     *
     * @param teacherHash SHA-256 (hex) of the teacher's weights
     * @param tokenizerHash SHA-256 (hex) of the tokenizer definition
     * @param dataHash SHA-256 (hex) of the examples
     * @param maxLength the truncation length, &gt; 0
     * @param k tokens kept per position, &gt; 0
     * @param maskingSeed the masking seed, −1 for unmasked inputs
     * @param hiddenLayers stored hidden-state indices, strictly ascending, or null for none
     * @throws NullPointerException if a hash is null
     * @throws IllegalArgumentException if maxLength or k is not positive, or the layers are not strictly
     *         ascending indices &ge; 0
     */
    public CacheFingerprint {
        Objects.requireNonNull(teacherHash, "teacherHash");
        Objects.requireNonNull(tokenizerHash, "tokenizerHash");
        Objects.requireNonNull(dataHash, "dataHash");
        if (maxLength < 1 || k < 1) {
            throw new IllegalArgumentException("maxLength (" + maxLength + ") and k (" + k + ") must be positive");
        }
        hiddenLayers = List.copyOf(hiddenLayers == null ? List.of() : hiddenLayers);
        for (int i = 0; i < hiddenLayers.size(); i++) {
            if (hiddenLayers.get(i) < 0 || (i > 0 && hiddenLayers.get(i) <= hiddenLayers.get(i - 1))) {
                throw new IllegalArgumentException("hidden layers " + hiddenLayers + " must be strictly ascending"
                        + " hidden-state indices ≥ 0 (0 = embedding output, l = layer l), e.g. [0, 12]");
            }
        }
    }

    /**
     * A fingerprint of a cache without hidden states.
     *
     * @param teacherHash SHA-256 (hex) of the teacher's weights
     * @param tokenizerHash SHA-256 (hex) of the tokenizer definition
     * @param dataHash SHA-256 (hex) of the examples
     * @param maxLength the truncation length, &gt; 0
     * @param k tokens kept per position, &gt; 0
     * @param maskingSeed the masking seed, −1 for unmasked inputs
     */
    public CacheFingerprint(String teacherHash, String tokenizerHash, String dataHash, int maxLength, int k,
            long maskingSeed) {
        this(teacherHash, tokenizerHash, dataHash, maxLength, k, maskingSeed, List.of());
    }

    /**
     * This fingerprint for a cache that also stores the hidden states {@code layers} (ascending).
     *
     * @param layers hidden-state indices, strictly ascending
     * @return a new fingerprint, equal in every other field
     */
    public CacheFingerprint withHiddenLayers(List<Integer> layers) {
        return new CacheFingerprint(teacherHash, tokenizerHash, dataHash, maxLength, k, maskingSeed, layers);
    }

    /**
     * The fingerprint of {@code examples} with the data hash computed from them.
     *
     * @param teacherHash SHA-256 (hex) of the teacher's weights
     * @param tokenizerHash SHA-256 (hex) of the tokenizer definition
     * @param examples the examples, in data order
     * @param maxLength the truncation length, &gt; 0
     * @param k tokens kept per position, &gt; 0
     * @param maskingSeed the masking seed, −1 for unmasked inputs
     * @return the fingerprint, without hidden layers
     */
    public static CacheFingerprint of(String teacherHash, String tokenizerHash, Iterable<CacheExample> examples,
            int maxLength, int k, long maskingSeed) {
        return new CacheFingerprint(teacherHash, tokenizerHash, dataHash(examples), maxLength, k, maskingSeed);
    }

    /**
     * SHA-256 over every example in order: its input ids, token types and kept positions, each
     * length-prefixed, little-endian.
     *
     * @param examples the examples, in data order
     * @return 64 lowercase hex digits
     */
    public static String dataHash(Iterable<CacheExample> examples) {
        MessageDigest md = sha256();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (CacheExample e : examples) {
            put(md, b, e.inputIds());
            put(md, b, e.typeIds());
            flushIfFull(md, b, 4);
            b.putInt(e.positions().length);
            for (int p : e.positions()) {
                flushIfFull(md, b, 4);
                b.putInt(p);
            }
            flushIfFull(md, b, 8);
        }
        b.flip();
        md.update(b);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void put(MessageDigest md, ByteBuffer b, long[] a) {
        flushIfFull(md, b, 8);
        b.putInt(a.length);
        for (long v : a) {
            flushIfFull(md, b, 8);
            b.putLong(v);
        }
    }

    private static void flushIfFull(MessageDigest md, ByteBuffer b, int need) {
        if (b.remaining() < need) {
            b.flip();
            md.update(b);
            b.clear();
        }
    }

    /**
     * SHA-256 of bytes, hex (e.g. of a {@code tokenizer.json}).
     *
     * @param bytes the bytes
     * @return 64 lowercase hex digits
     */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * Each field that differs, as {@code name: this value vs other value}; empty when equal.
     *
     * @param other the fingerprint requested (e.g. of this run's inputs)
     * @return a new list; hashes are shortened to 12 hex digits
     */
    public List<String> differences(CacheFingerprint other) {
        List<String> out = new ArrayList<>();
        diff(out, "teacher weights", teacherHash, other.teacherHash);
        diff(out, "tokenizer", tokenizerHash, other.tokenizerHash);
        diff(out, "data", dataHash, other.dataHash);
        diff(out, "max length", maxLength, other.maxLength);
        diff(out, "k", k, other.k);
        diff(out, "masking seed", maskingSeed, other.maskingSeed);
        diff(out, "hidden layers", hiddenLayers, other.hiddenLayers);
        return out;
    }

    private static void diff(List<String> out, String name, Object a, Object b) {
        if (!a.equals(b)) {
            out.add(name + ": cache " + abbreviate(a) + " vs requested " + abbreviate(b));
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        if (!(o instanceof String)) {
            return s; // numbers and layer lists in full; hashes shortened
        }
        return s.length() > 16 ? s.substring(0, 12) + "…" : s;
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("teacher_sha256", teacherHash);
        o.addProperty("tokenizer_sha256", tokenizerHash);
        o.addProperty("data_sha256", dataHash);
        o.addProperty("max_length", maxLength);
        o.addProperty("k", k);
        o.addProperty("masking_seed", maskingSeed);
        com.google.gson.JsonArray layers = new com.google.gson.JsonArray();
        hiddenLayers.forEach(layers::add);
        o.add("hidden_layers", layers);
        return o;
    }

    static CacheFingerprint fromJson(JsonObject o) {
        List<Integer> layers = new ArrayList<>();
        o.getAsJsonArray("hidden_layers").forEach(e -> layers.add(e.getAsInt()));
        return new CacheFingerprint(o.get("teacher_sha256").getAsString(), o.get("tokenizer_sha256").getAsString(),
                o.get("data_sha256").getAsString(), o.get("max_length").getAsInt(), o.get("k").getAsInt(),
                o.get("masking_seed").getAsLong(), layers);
    }
}
