package dev.distill.models.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (DJL's Rust-backed
 * {@link HuggingFaceTokenizer}), with truncation to a maximum length and batching into padded
 * {@link TokenBatch}es. Single texts encode as {@code [CLS] a [SEP]}, pairs as
 * {@code [CLS] a [SEP] b [SEP]} with token type 1 on the second segment.
 *
 * <p>Keeps the original {@code tokenizer.json} bytes so an exported model can ship the same file.
 * The file is checked ({@link TokenizerSpec}) before the native library parses it: some files it
 * accepts would abort the JVM on the first unknown character or on any text.
 */
public final class TextTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private HuggingFaceTokenizer untruncated;
    private String[] vocabulary;
    private final byte[] json;
    private final int maxLength;
    private final long padId;
    private final TokenizerSpec spec;

    private TextTokenizer(byte[] json, int maxLength, long padId, String source, TokenizerSpec checked)
            throws IOException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength (" + maxLength + ") must be at least 2, room for [CLS] and [SEP]");
        }
        // checked before the native library sees the file: some files it accepts abort the JVM later
        this.spec = checked != null ? checked : TokenizerSpec.parse(json, source);
        this.json = json;
        this.maxLength = maxLength;
        this.padId = padId;
        Map<String, String> options = Map.of(
                "truncation", "true",
                "padding", "false",
                "maxLength", Integer.toString(maxLength),
                "addSpecialTokens", "true");
        try (InputStream in = new ByteArrayInputStream(json)) {
            this.tokenizer = HuggingFaceTokenizer.newInstance(in, options);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot parse tokenizer " + source + ": " + e.getMessage()
                    + "; it must be a Hugging Face tokenizer.json", e);
        }
    }

    /**
     * Loads a {@code tokenizer.json} file, or the one inside a model directory.
     *
     * @param path a {@code tokenizer.json} file or a directory holding one
     * @param maxLength sequences are truncated to this many tokens, special tokens included
     * @return the tokenizer; close it to free the native tokenizer
     * @throws IllegalArgumentException if the file does not exist
     * @throws java.io.UncheckedIOException if it cannot be read
     */
    public static TextTokenizer load(Path path, int maxLength) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer file " + file + " does not exist; a model directory"
                    + " must contain the Hugging Face tokenizer.json");
        }
        try {
            return new TextTokenizer(Files.readAllBytes(file), maxLength, 0, file.toString(), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        }
    }

    /**
     * Loads a {@code tokenizer.json} from a stream (e.g. a classpath resource).
     *
     * @param in the {@code tokenizer.json} bytes; read to the end, not closed
     * @param sourceName the name used in messages
     * @param maxLength sequences are truncated to this many tokens, special tokens included
     * @return the tokenizer; close it to free the native tokenizer
     * @throws java.io.UncheckedIOException if the stream cannot be read
     */
    public static TextTokenizer load(InputStream in, String sourceName, int maxLength) {
        try {
            return new TextTokenizer(in.readAllBytes(), maxLength, 0, sourceName, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + sourceName, e);
        }
    }

    /**
     * The same vocabulary with another maximum length.
     *
     * @param newMaxLength the new truncation length
     * @return a new tokenizer (close it too); this one is unchanged
     */
    public TextTokenizer withMaxLength(int newMaxLength) {
        try {
            return new TextTokenizer(json, newMaxLength, padId, spec.source(), spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@return what was checked in the {@code tokenizer.json} at load} {@link TokenizerSpec#checkFits}
     * checks it against a model.
     */
    public TokenizerSpec spec() {
        return spec;
    }

    /** {@return the truncation length, special tokens included} */
    public int maxLength() {
        return maxLength;
    }

    /**
     * The id batches are padded with (the tokenizer's [PAD]).
     *
     * @return the [PAD] id
     */
    public long padId() {
        return padId;
    }

    /**
     * The original {@code tokenizer.json} bytes.
     *
     * @return a copy of the bytes
     */
    public byte[] json() {
        return json.clone();
    }

    /**
     * Encodes one text: ids, token types, attention mask, character offsets.
     *
     * @param text the text
     * @return DJL's encoding, {@code [CLS] text [SEP]} truncated to {@link #maxLength()}
     */
    public Encoding encode(String text) {
        return tokenizer.encode(text);
    }

    /**
     * Encodes a pair as {@code [CLS] a [SEP] b [SEP]}.
     *
     * @param first the first text
     * @param second the second text
     * @return DJL's encoding, truncated to {@link #maxLength()}
     */
    public Encoding encodePair(String first, String second) {
        return tokenizer.encode(first, second);
    }

    /**
     * Word pieces of a text, without special tokens.
     *
     * @param text the text
     * @return the pieces, e.g. {@code [un, ##believ, ##able]}
     */
    public List<String> tokenize(String text) {
        return List.of(tokenizer.encode(text, false, false).getTokens());
    }

    /**
     * Encodes a text of any length without special tokens and without truncation, with character
     * offsets ({@link Encoding#getCharTokenSpans()}): for splitting long contexts into windows.
     *
     * @param text the text
     * @return DJL's encoding
     */
    public synchronized Encoding encodeUntruncated(String text) {
        if (untruncated == null) {
            try (InputStream in = new ByteArrayInputStream(json)) {
                untruncated = HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "false", "padding", "false",
                        "addSpecialTokens", "false"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return untruncated.encode(text, false, false);
    }

    /**
     * The id of a single token such as {@code [MASK]}; fails if it is not one vocabulary entry.
     *
     * @param token e.g. {@code [MASK]}
     * @return its id
     * @throws IllegalArgumentException if it does not encode to exactly one id
     */
    public long tokenId(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new IllegalArgumentException("'" + token + "' is not a single token of this vocabulary (it encodes"
                    + " to " + ids.length + " ids)");
        }
        return ids[0];
    }

    /**
     * The token string of every id, from the {@code model.vocab} table of {@code tokenizer.json}
     * (WordPiece and other vocabularies stored as a token → id map).
     *
     * @return a copy of the table, indexed by id
     * @throws IllegalStateException if {@code tokenizer.json} has no {@code model.vocab} map
     */
    public synchronized String[] vocabulary() {
        if (vocabulary == null) {
            com.google.gson.JsonObject root = com.google.gson.JsonParser.parseString(
                    new String(json, java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
            com.google.gson.JsonElement vocab = root.getAsJsonObject("model").get("vocab");
            if (vocab == null || !vocab.isJsonObject()) {
                throw new IllegalStateException("this tokenizer.json has no model.vocab token → id map");
            }
            int max = -1;
            for (Map.Entry<String, com.google.gson.JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                max = Math.max(max, e.getValue().getAsInt());
            }
            String[] v = new String[max + 1];
            for (Map.Entry<String, com.google.gson.JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                v[e.getValue().getAsInt()] = e.getKey();
            }
            vocabulary = v;
        }
        return vocabulary.clone();
    }

    /**
     * Decodes ids back to text, special tokens skipped.
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    /**
     * Encodes texts and pads them to the longest into one batch on {@code manager}.
     *
     * @param texts the texts, one row each
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch without labels
     */
    public TokenBatch batch(List<String> texts, NDManager manager) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        return pad(encodings, manager);
    }

    /**
     * Encodes pairs ({@code [CLS] a [SEP] b [SEP]}) into one padded batch.
     *
     * @param first the first texts
     * @param second the second texts, as many
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch without labels
     * @throws IllegalArgumentException if the lists differ in length
     */
    public TokenBatch batchPairs(List<String> first, List<String> second, NDManager manager) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("pair lists differ in length: " + first.size() + " vs " + second.size());
        }
        Encoding[] encodings = new Encoding[first.size()];
        for (int i = 0; i < encodings.length; i++) {
            encodings[i] = tokenizer.encode(first.get(i), second.get(i));
        }
        return pad(encodings, manager);
    }

    /**
     * Pads encodings to the longest with the pad id into (B, T) int64 arrays.
     *
     * @param encodings the encodings, one row each
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch without labels, T the longest encoding
     */
    public TokenBatch pad(Encoding[] encodings, NDManager manager) {
        if (encodings.length == 0) {
            throw new IllegalArgumentException("cannot build a batch from no texts");
        }
        int len = 0;
        for (Encoding e : encodings) {
            len = Math.max(len, e.getIds().length);
        }
        int b = encodings.length;
        long[] ids = new long[b * len];
        long[] mask = new long[b * len];
        long[] types = new long[b * len];
        java.util.Arrays.fill(ids, padId);
        long real = 0;
        for (int i = 0; i < b; i++) {
            long[] eIds = encodings[i].getIds();
            long[] eTypes = encodings[i].getTypeIds();
            long[] eMask = encodings[i].getAttentionMask();
            System.arraycopy(eIds, 0, ids, i * len, eIds.length);
            System.arraycopy(eTypes, 0, types, i * len, eTypes.length);
            System.arraycopy(eMask, 0, mask, i * len, eMask.length);
            for (long m : eMask) {
                real += m;
            }
        }
        Shape shape = new Shape(b, len);
        NDArray idArray = manager.create(ids, shape);
        NDArray maskArray = manager.create(mask, shape);
        NDArray typeArray = manager.create(types, shape);
        return new TokenBatch(idArray, maskArray, typeArray, null, real);
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
        if (untruncated != null) {
            untruncated.close();
        }
    }
}
