package dev.distill.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.distill.core.Devices;
import dev.distill.core.io.AtomicFiles;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.MemoryEstimate;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./distill bench}: distillation step throughput split by phase with an efficiency ratio,
 * teacher-versus-student inference latency, teacher-output cache build/read rates and sizes, and
 * a native-memory soak of the real training loop. Prints one JSON object per measurement on
 * standard output (progress goes to standard error); the first line describes the machine.
 * See {@code docs/benchmarks.md} for measured figures and the command lines.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark distillation; one JSON object per measurement on stdout:",
                "  step       throughput split into teacher forward, student forward, loss,",
                "             backward and optimiser, achieved FLOP/s against a large matmul",
                "  inference  teacher vs student latency and speed-up (batch 1 and 32)",
                "  cache      top-k cache build and read rates, bytes per position vs fp32",
                "  soak       RSS over a long run of the real trainer",
                "Defaults: a random 12x384 teacher (bge-small's shape), a 6x384 student,",
                "batch 32 x 128 tokens: a few minutes per part on 2 CPU cores. The soak",
                "wants small shapes and a pre-touched heap, e.g.",
                "  JAVA_OPTS=\"-Xms256m -Xmx256m -XX:+AlwaysPreTouch\" ./distill bench --what soak",
                "    --teacher-layers 2 --student-layers 1 --hidden 64 --heads 4 --seq 32",
                "    --batch 8",
                "See docs/benchmarks.md for measured figures."})
public final class BenchCommand implements Callable<Integer> {

    /** The parts a run can measure. */
    enum Part { STEP, INFERENCE, CACHE, SOAK }

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues()
            .create();

    @Option(names = "--what", defaultValue = "step,inference,cache", paramLabel = "step|inference|cache|soak|all",
            description = "What to measure, comma-separated (default: ${DEFAULT-VALUE}; all adds the soak).")
    String what;

    @Option(names = "--teacher", defaultValue = "random", paramLabel = "random|<name|path>",
            description = "A random-weight teacher of the shape below, or a known name, Hugging Face directory or"
                    + " .onnx file (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--teacher-layers", description = "Random teacher's layers (default: 12).")
    Integer teacherLayers;

    @Option(names = "--hidden", description = "Random teacher's width (default: 384).")
    Integer hidden;

    @Option(names = "--heads", description = "Random teacher's attention heads (default: 12).")
    Integer heads;

    @Option(names = "--ffn", description = "Random teacher's feed-forward width (default: 4 x hidden).")
    Integer ffn;

    @Option(names = "--vocab", description = "Random teacher's vocabulary (default: 30522); the student shares it.")
    Integer vocab;

    @Option(names = "--student-layers", description = "Student layers (default: half the teacher's).")
    Integer studentLayers;

    @Option(names = "--student-hidden", description = "Student width (default: the teacher's).")
    Integer studentHidden;

    @Option(names = "--student-heads", description = "Student heads (default: the teacher's).")
    Integer studentHeads;

    @Option(names = "--student-ffn", description = "Student feed-forward width (default: the teacher's ratio).")
    Integer studentFfn;

    @Option(names = "--seq", defaultValue = "128", description = "Sequence length (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size of training steps and cache builds (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "20",
            description = "Timed repetitions after warm-up: training steps and inference passes (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed repetitions first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--losses", defaultValue = "hidden,embedding,attention,cosine",
            description = "Loss set, name[:weight] comma-separated, of " + "hidden, embedding, attention, cosine, minilm, kd"
                    + " (default: ${DEFAULT-VALUE}).")
    String losses;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|gpu:N|auto",
            description = "Device (default: ${DEFAULT-VALUE}: the first GPU if there is one).")
    String device;

    @Option(names = "--inference-batches", defaultValue = "1,32", split = ",",
            description = "Batch sizes of the inference comparison (default: ${DEFAULT-VALUE}).")
    List<Integer> inferenceBatches;

    @Option(names = "--cache-k", defaultValue = "8,32,128", split = ",",
            description = "Top-k values of the cache benchmark (default: ${DEFAULT-VALUE}).")
    List<Integer> cacheK;

    @Option(names = "--cache-reads", defaultValue = "50",
            description = "Timed batch reads per k after --warmup untimed ones (default: ${DEFAULT-VALUE}).")
    int cacheReads;

    @Option(names = "--cache-examples", defaultValue = "256", description = "Examples cached per k (default: ${DEFAULT-VALUE}).")
    int cacheExamples;

    @Option(names = "--matmul-size", defaultValue = "0",
            description = "n of the n x n reference matmul; 0 picks 2048 on CPU, 8192 on GPU (default: ${DEFAULT-VALUE}).")
    int matmulSize;

    @Option(names = "--soak-steps", defaultValue = "2000", description = "Trainer steps of the soak (default: ${DEFAULT-VALUE}).")
    int soakSteps;

    @Option(names = "--soak-from", defaultValue = "500",
            description = "Step whose RSS is the reference for the growth (default: ${DEFAULT-VALUE}).")
    int soakFrom;

    @Option(names = "--soak-every", defaultValue = "100", description = "RSS sample interval in steps (default: ${DEFAULT-VALUE}).")
    int soakEvery;

    @Option(names = "--work-dir", paramLabel = "<dir>",
            description = "Where the cache and the soak's run directory go (default: a temporary directory, deleted).")
    Path workDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of weights and data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quiet", description = "No progress on standard error.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Set<Part> parts = parseWhat(what);
        requirePositive("--seq", seq);
        requirePositive("--batch", batch);
        requirePositive("--steps", steps);
        requirePositive("--cache-reads", cacheReads);
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup (" + warmup + ") must be >= 0");
        }
        for (int b : inferenceBatches) {
            requirePositive("--inference-batches", b);
        }
        if (parts.contains(Part.SOAK) && (soakFrom < 1 || soakFrom >= soakSteps)) {
            throw new IllegalArgumentException("--soak-from (" + soakFrom + ") must be in [1, --soak-steps "
                    + soakSteps + "); the issue's setting is --soak-from 500 --soak-steps 2000");
        }
        LossSpec lossSpec = LossSpec.parse(losses);
        Device dev = Devices.parse(device);
        PrintStream progress = quiet ? null : System.err;
        PrintStream out = System.out;

        boolean tempDir = workDir == null;
        Path work = tempDir ? Files.createTempDirectory("distill-bench") : workDir;
        BenchModels.Shape shape = new BenchModels.Shape(teacher, teacherLayers, hidden, heads, ffn, vocab,
                studentLayers, studentHidden, studentHeads, studentFfn, seq, seed);
        try (BenchModels models = BenchModels.create(shape, lossSpec.needsMlmHead(), dev)) {
            requireMemory(models, parts, dev);
            emit(out, Machine.describe(dev));
            if (parts.contains(Part.STEP)) {
                int n = matmulSize > 0 ? matmulSize : dev.isGpu() ? 8192 : 2048;
                emit(out, MatmulPeak.measure(models.manager(), n, Math.max(3, Math.min(steps, 10))));
                try (MatmulPeak interleaved = new MatmulPeak(models.manager(), n)) {
                    emit(out, StepBench.run(models, lossSpec, batch, seq, steps, warmup, seed, interleaved, progress));
                }
            }
            if (parts.contains(Part.INFERENCE)) {
                try (NDManager m = models.manager().newSubManager()) {
                    Encoder student = models.newStudent(m, seed);
                    for (int b : inferenceBatches) {
                        emit(out, InferenceBench.run(models, student, b, seq, steps, warmup, seed, progress));
                    }
                }
            }
            if (parts.contains(Part.CACHE)) {
                for (int k : cacheK) {
                    Path dir = work.resolve("cache-k" + k);
                    emit(out, CacheBench.run(models, k, cacheExamples, batch, seq, cacheReads, warmup, seed, dir, progress));
                }
            }
            if (parts.contains(Part.SOAK)) {
                Path runDir = work.resolve("soak-run");
                if (Files.exists(runDir)) {
                    AtomicFiles.deleteTree(runDir); // a soak always starts from step 0
                }
                emit(out, SoakBench.run(models, lossSpec, batch, seq, soakSteps, soakFrom, soakEvery, seed, runDir,
                        progress));
            }
        } finally {
            if (tempDir) {
                AtomicFiles.deleteTree(work);
            }
        }
        return 0;
    }

    /**
     * Refuses up front a shape whose memory lower bound ({@link MemoryEstimate}) exceeds the
     * device's: {@code --seq 100000} once tried to allocate 960 GB mid-run.
     */
    private void requireMemory(BenchModels models, Set<Part> parts, Device dev) {
        EncoderConfig s = models.studentConfig();
        Encoder t = models.teacherEncoder();
        int tBytes = t.dataType().getNumOfBytes();
        if (parts.contains(Part.STEP) || parts.contains(Part.SOAK) || parts.contains(Part.CACHE)) {
            long teacherForward = MemoryEstimate.forwardBytes(t.config(), batch, seq, tBytes);
            long student = MemoryEstimate.trainingBytes(s, batch, seq);
            long need = saturatingSum(t.sizeInBytes(), teacherForward, student);
            MemoryEstimate.requireFits(need, dev, "bench --batch " + batch + " --seq " + seq + " (teacher weights "
                    + MemoryEstimate.format(t.sizeInBytes()) + " and activations " + MemoryEstimate.format(teacherForward)
                    + ", student weights, gradients, AdamW moments and activations " + MemoryEstimate.format(student)
                    + ")", "lower --seq or --batch");
        }
        if (parts.contains(Part.INFERENCE)) {
            for (int b : inferenceBatches) {
                long forward = MemoryEstimate.forwardBytes(s, b, seq, 4);
                long need = saturatingSum(t.sizeInBytes(), MemoryEstimate.parameterBytes(s), forward);
                MemoryEstimate.requireFits(need, dev, "bench inference at batch " + b + " --seq " + seq
                        + " (student activations " + MemoryEstimate.format(forward) + ")",
                        "lower --seq or --inference-batches");
            }
        }
    }

    private static long saturatingSum(long... values) {
        long sum = 0;
        for (long v : values) {
            sum = sum > Long.MAX_VALUE - v ? Long.MAX_VALUE : sum + v;
        }
        return sum;
    }

    private static void emit(PrintStream out, JsonObject o) {
        out.println(GSON.toJson(o));
        out.flush();
    }

    private static void requirePositive(String flag, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " (" + v + ") must be positive");
        }
    }

    static Set<Part> parseWhat(String spec) {
        Set<Part> parts = EnumSet.noneOf(Part.class);
        List<String> valid = new ArrayList<>();
        for (Part p : Part.values()) {
            valid.add(p.name().toLowerCase(Locale.ROOT));
        }
        for (String s : spec.split(",")) {
            String w = s.trim().toLowerCase(Locale.ROOT);
            if (w.equals("all")) {
                parts.addAll(EnumSet.allOf(Part.class));
            } else if (valid.contains(w)) {
                parts.add(Part.valueOf(w.toUpperCase(Locale.ROOT)));
            } else if (!w.isEmpty()) {
                throw new IllegalArgumentException("--what '" + spec + "': unknown part '" + w + "'; use "
                        + String.join(", ", valid) + " or all, comma-separated");
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("--what is empty; use " + String.join(", ", valid) + " or all");
        }
        return parts;
    }
}
