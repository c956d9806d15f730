package dev.distill.models.io;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
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
 * modules.json             sentence-transformers pipeline (Transformer, Pooling)
 * 1_Pooling/config.json    the pooling mode (cls or mean)
 * </pre>
 *
 * <p>Sharded checkpoints ({@code model.safetensors.index.json}) are read. PyTorch pickles
 * ({@code pytorch_model.bin}) are refused with a hint: they execute code on load.
 */
public final class HfDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(HfDirectory.class);

    /** Weights file name. */
    public static final String WEIGHTS = "model.safetensors";
    private static final String INDEX = "model.safetensors.index.json";
    private static final String POOLING_CONFIG = "1_Pooling/config.json";
    private static final String BERT_PREFIX = "bert.";

    /** What {@link #load} read. */
    public record Loaded(Encoder encoder, HfConfig config) {}

    private HfDirectory() {}

    /** Reads the configuration, builds the matching encoder and head, and loads weights strictly. */
    public static Loaded load(Path dir, NDManager manager) {
        try {
            HfConfig config = HfConfig.read(dir);
            Path configFile = dir.resolve(HfConfig.FILE_NAME);
            // before anything is allocated: num_hidden_layers 1000000 would otherwise run into an OOM
            MemoryEstimate.requireParametersFit(config.encoder(), manager.getDevice(), configFile.toString());
            Head head = headFor(config, dir);
            Pooling pooling = SentenceTransformersConfig.readPooling(dir, config.encoder().hiddenSize());
            Map<String, TensorData> tensors = stripPrefix(readWeights(dir), head != null);
            ConfigWeightsCheck.check(config.encoder(), tensors, configFile, WEIGHTS);
            Encoder encoder = new Encoder(config.encoder(), pooling, head);
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
     */
    public static void save(Encoder encoder, TextTokenizer tokenizer, Path dir) {
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
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            AtomicFiles.replaceDirectory(dir, tmp -> {
                Files.writeString(tmp.resolve(HfConfig.FILE_NAME), config.toJson(), StandardCharsets.UTF_8);
                SafeTensors.write(tmp.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
                Files.write(tmp.resolve("tokenizer.json"), tokenizer.json());
                writeSentenceTransformers(tmp, encoder);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model directory " + dir + ": " + e.getMessage(), e);
        }
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

    private static void writeSentenceTransformers(Path dir, Encoder encoder) throws IOException {
        JsonArray modules = new JsonArray();
        JsonObject transformer = new JsonObject();
        transformer.addProperty("idx", 0);
        transformer.addProperty("name", "0");
        transformer.addProperty("path", "");
        transformer.addProperty("type", "sentence_transformers.models.Transformer");
        modules.add(transformer);
        JsonObject pooling = new JsonObject();
        pooling.addProperty("idx", 1);
        pooling.addProperty("name", "1");
        pooling.addProperty("path", "1_Pooling");
        pooling.addProperty("type", "sentence_transformers.models.Pooling");
        modules.add(pooling);
        Files.writeString(dir.resolve("modules.json"), modules.toString(), StandardCharsets.UTF_8);
        JsonObject pc = new JsonObject();
        pc.addProperty("word_embedding_dimension", encoder.config().hiddenSize());
        pc.addProperty("pooling_mode_cls_token", encoder.pooling() == Pooling.CLS);
        pc.addProperty("pooling_mode_mean_tokens", encoder.pooling() == Pooling.MEAN);
        pc.addProperty("pooling_mode_max_tokens", false);
        pc.addProperty("pooling_mode_mean_sqrt_len_tokens", false);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve(POOLING_CONFIG), pc.toString(), StandardCharsets.UTF_8);
    }
}
