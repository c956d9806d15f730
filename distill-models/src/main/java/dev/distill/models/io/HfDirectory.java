package dev.distill.models.io;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.MalformedFileException;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.MemoryEstimate;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.Head;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.SpanQaHead;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face model directory, read and written with Hugging Face's parameter names so that a
 * student trained here loads in Python ({@code AutoModel.from_pretrained(dir)}) and in DJL:
 *
 * <pre>
 * config.json              BertConfig (architectures names the head)
 * model.safetensors        weights; "bert." prefix on encoder weights when a head is present
 * tokenizer.json           the teacher's tokenizer, unchanged
 * tokenizer_config.json    do_lower_case (from the normaliser), model_max_length, special tokens
 * special_tokens_map.json  [CLS], [SEP], [PAD], [UNK], [MASK]
 * vocab.txt                WordPiece vocabulary (for the slow BertTokenizer)
 * modules.json, sentence_bert_config.json, 1_Pooling/, 2_Normalize/   sentence-transformers layout
 *                          ({@link SentenceTransformersLayout})
 * README.md                model card ({@link ModelCard})
 * </pre>
 *
 * <p>BERT's pooler: {@code BertModel} builds one and initialises it randomly when the weights
 * lack it. A model with a classification head writes its trained pooler; any other writes a
 * pooler of zeros ({@code pooler_output} is then exactly 0, never random), said in the model card.
 * On load, pooler weights that no head uses are ignored.
 *
 * <p>Sharded checkpoints ({@code model.safetensors.index.json}) are read. PyTorch pickles
 * ({@code pytorch_model.bin}) are refused with a hint: they execute code on load.
 */
public final class HfDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(HfDirectory.class);

    /** Weights file name. */
    public static final String WEIGHTS = "model.safetensors";
    private static final String INDEX = "model.safetensors.index.json";
    private static final String POOLER_WEIGHT = "pooler.dense.weight";
    private static final String BERT_PREFIX = "bert.";

    /**
     * What {@link #load} read.
     *
     * @param encoder the encoder, with its head if {@code config.json} names one, weights loaded
     * @param config the parsed {@code config.json}
     */
    public record Loaded(Encoder encoder, HfConfig config) {}

    private HfDirectory() {}

    /**
     * Reads the configuration, builds the matching encoder and head, and loads weights strictly.
     *
     * @param dir the model directory
     * @param manager the owner of the weights, on the device they are loaded to
     * @return the encoder and its configuration
     * @throws java.io.UncheckedIOException if a file cannot be read or is malformed (the message names
     *         it)
     * @throws IllegalArgumentException if the weights do not fit the configuration (every missing,
     *         unexpected and wrong-shape tensor is named)
     */
    public static Loaded load(Path dir, NDManager manager) {
        try {
            HfConfig config = HfConfig.read(dir);
            Path configFile = dir.resolve(HfConfig.FILE_NAME);
            // before anything is allocated: num_hidden_layers 1000000 would otherwise run into an OOM
            MemoryEstimate.requireParametersFit(config.encoder(), manager.getDevice(), configFile.toString());
            Head head = headFor(config, dir);
            Pooling pooling = SentenceTransformersConfig.read(dir, config.encoder().hiddenSize()).pooling();
            Encoder encoder = new Encoder(config.encoder(), pooling, head);
            Map<String, TensorData> tensors = new LinkedHashMap<>(stripPrefix(readWeights(dir), head != null));
            if (!encoder.namedParameters().containsKey(POOLER_WEIGHT)) {
                tensors.keySet().removeIf(k -> k.startsWith("pooler."));
            }
            ConfigWeightsCheck.check(config.encoder(), tensors, configFile, WEIGHTS);
            try {
                encoder.loadState(manager, tensors, true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
            }
            return new Loaded(encoder, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code encoder} (its head included) and the tokenizer as a Hugging Face directory,
     * atomically: the directory is either the previous one or the complete new one.
     *
     * @param encoder the model, with initialised weights
     * @param tokenizer its tokenizer, written as {@code tokenizer.json}
     * @param dir the target directory, replaced as a whole; its parent is created if needed
     * @throws java.io.UncheckedIOException if the directory cannot be written
     */
    public static void save(Encoder encoder, TextTokenizer tokenizer, Path dir) {
        save(encoder, tokenizer, dir, ModelCard.minimal(dir.getFileName().toString(), null));
    }

    /**
     * As {@link #save(Encoder, TextTokenizer, Path)}, with a model card that records the teacher,
     * data, recipe and measured figures (its details are filled in from the encoder).
     */
    public static void save(Encoder encoder, TextTokenizer tokenizer, Path dir, ModelCard card) {
        EncoderConfig c = encoder.config();
        if (!c.hasStandardHeadSize()) {
            LOG.warn("{}: heads × head size ({} × {}) != hidden size {}; Python transformers' BertModel cannot load "
                    + "this shape (distill can: config.json carries attention_head_size)", dir, c.numHeads(),
                    c.headSize(), c.hiddenSize());
        }
        HfConfig config = new HfConfig(c, taskOf(encoder));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        boolean prefixed = encoder.head().isPresent();
        Map<String, TensorData> state = encoder.stateDict();
        java.util.Set<String> headNames = new java.util.HashSet<>();
        encoder.head().ifPresent(h -> h.parameters().forEach(p -> headNames.add(p.getName())));
        for (Map.Entry<String, TensorData> e : state.entrySet()) {
            boolean encoderParam = !headNames.contains(e.getKey()) || e.getKey().startsWith("pooler.");
            tensors.put(prefixed && encoderParam ? BERT_PREFIX + e.getKey() : e.getKey(), e.getValue());
        }
        if (!state.containsKey(POOLER_WEIGHT)) {
            int h = c.hiddenSize();
            String p = prefixed ? BERT_PREFIX : "";
            tensors.put(p + POOLER_WEIGHT, TensorData.ofFloats(new long[] {h, h}, new float[h * h]));
            tensors.put(p + "pooler.dense.bias", TensorData.ofFloats(new long[] {h}, new float[h]));
        }
        String details = describe(encoder);
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            AtomicFiles.replaceDirectory(dir, tmp -> {
                Files.writeString(tmp.resolve(HfConfig.FILE_NAME), config.toJson(), StandardCharsets.UTF_8);
                SafeTensors.write(tmp.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
                Files.write(tmp.resolve("tokenizer.json"), tokenizer.json());
                int maxLength = Math.min(c.maxPositions(), 512);
                SentenceTransformersLayout.write(tmp, encoder.pooling(), c.hiddenSize(), maxLength);
                TokenizerFiles.write(tmp, tokenizer, maxLength);
                Files.writeString(tmp.resolve("README.md"), card.withDetails(details).render(), StandardCharsets.UTF_8);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the model card says about the model itself: architecture, shape, parameters, pooling,
     * and what {@code pooler_output} holds.
     */
    public static String describe(Encoder encoder) {
        EncoderConfig c = encoder.config();
        HfConfig.TaskHead task = taskOf(encoder);
        boolean zeroPooler = !encoder.namedParameters().containsKey(POOLER_WEIGHT);
        return String.format(java.util.Locale.ROOT, "%s, %d layers, hidden %d, %d heads, FFN %d, %,d parameters;"
                + " %s pooling, L2-normalised embeddings.%s", task.architectures().isEmpty() ? "BertModel"
                : task.architectures().get(0), c.numLayers(), c.hiddenSize(), c.numHeads(), c.intermediateSize(),
                encoder.parameterCount(), encoder.pooling().name().toLowerCase(java.util.Locale.ROOT),
                zeroPooler ? " BERT's pooler is written as zeros (this model was not trained with one), so"
                        + " `pooler_output` is 0: use the sentence-transformers pipeline, or `last_hidden_state` with"
                        + " the pooling of `1_Pooling/config.json` then L2 normalisation." : "");
    }

    private static HfConfig.TaskHead taskOf(Encoder encoder) {
        Head head = encoder.head().orElse(null);
        if (head == null) {
            return HfConfig.TaskHead.encoderOnly();
        }
        if (head instanceof ClassificationHead) {
            ClassificationHead ch = (ClassificationHead) head;
            return ch.isRegression() ? HfConfig.TaskHead.regression() : HfConfig.TaskHead.classification(ch.labels());
        }
        return new HfConfig.TaskHead(List.of(head.architecture()), List.of(), null);
    }

    private static Head headFor(HfConfig config, Path dir) {
        List<String> arch = config.task().architectures();
        EncoderConfig c = config.encoder();
        if (arch.isEmpty() || arch.contains("BertModel")) {
            return null;
        }
        String a = arch.get(0);
        switch (a) {
            case "BertForMaskedLM":
                return new MaskedLmHead(c);
            case "BertForQuestionAnswering":
                return new SpanQaHead(c);
            case "BertForSequenceClassification":
                if ("regression".equals(config.task().problemType()) || config.task().numLabels() == 1) {
                    return ClassificationHead.regression(c);
                }
                return new ClassificationHead(c, config.task().labels(), false);
            default:
                throw new IllegalArgumentException(dir.resolve(HfConfig.FILE_NAME) + ": architecture " + a
                        + " is not supported; use one of BertModel, BertForMaskedLM, BertForSequenceClassification,"
                        + " BertForQuestionAnswering (or set architectures to [\"BertModel\"] to load the encoder)");
        }
    }

    private static Map<String, TensorData> readWeights(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS);
        if (Files.isRegularFile(single)) {
            return SafeTensors.read(single).tensors();
        }
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            com.google.gson.JsonElement root = JsonFiles.read(index);
            JsonObject map = root.isJsonObject() && root.getAsJsonObject().get("weight_map") != null
                    && root.getAsJsonObject().get("weight_map").isJsonObject()
                    ? root.getAsJsonObject().getAsJsonObject("weight_map") : null;
            if (map == null) {
                throw new IllegalArgumentException(index + ": no \"weight_map\" object; it must map tensor names to shard files");
            }
            Map<String, TensorData> all = new LinkedHashMap<>();
            TreeSet<String> shards = new TreeSet<>();
            for (Map.Entry<String, com.google.gson.JsonElement> e : map.entrySet()) {
                if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                    throw new MalformedFileException(index, "weight_map[\"" + e.getKey() + "\"] must be a shard"
                            + " file name, found " + e.getValue());
                }
                shards.add(e.getValue().getAsString());
            }
            for (String shard : shards) {
                Path file = dir.resolve(shard).normalize();
                if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
                    throw new MalformedFileException(index, "names shard \"" + shard + "\", which is not a file in "
                            + dir + "; restore the shard or fix weight_map");
                }
                all.putAll(SafeTensors.read(file).tensors());
            }
            return all;
        }
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            throw new IllegalArgumentException(dir + " holds pytorch_model.bin but no " + WEIGHTS + "; distill reads"
                    + " safetensors only (pickles run code on load). Convert it in Python: "
                    + "model.save_pretrained(dir, safe_serialization=True)");
        }
        throw new IllegalArgumentException(dir + " has no " + WEIGHTS + " (nor " + INDEX + "); a model directory needs "
                + "config.json, model.safetensors and tokenizer.json");
    }

    private static Map<String, TensorData> stripPrefix(Map<String, TensorData> tensors, boolean hasHead) {
        boolean anyPrefixed = tensors.keySet().stream().anyMatch(k -> k.startsWith(BERT_PREFIX));
        if (!anyPrefixed) {
            return tensors;
        }
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String k = e.getKey();
            out.put(k.startsWith(BERT_PREFIX) ? k.substring(BERT_PREFIX.length()) : k, e.getValue());
        }
        return out;
    }
}
