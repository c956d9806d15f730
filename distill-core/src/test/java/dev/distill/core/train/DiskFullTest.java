package dev.distill.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.distill.core.io.SmallFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up during training, on a real 4 MiB tmpfs ({@link SmallFileSystem}): the
 * checkpoint or the metrics line being written fails with a message that says the disk is full
 * and what is intact, the previous checkpoint and the earlier metrics stay readable, and once
 * space is freed the run resumes.
 */
class DiskFullTest {

    NDManager root;
    @TempDir
    Path tmp;
    SmallFileSystem fs;

    @BeforeAll
    static void oneThread() {
        OneThread.use();
    }

    @BeforeEach
    void setUp() throws Exception {
        fs = SmallFileSystem.mount(tmp.resolve("small"), "4m");
        root = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (root != null) {
            root.close();
        }
        fs.close();
    }

    private DistillationTrainer trainer(TrainerConfig config) {
        TinyModel teacher = new TinyModel(root.newSubManager(), DistillationTrainerTest.VOCAB, 8,
                DistillationTrainerTest.CLASSES, 0f, 1);
        TinyModel student = new TinyModel(root.newSubManager(), DistillationTrainerTest.VOCAB, 6,
                DistillationTrainerTest.CLASSES, 0f, 2);
        return new DistillationTrainer(TinyModel.frozen(teacher, "t"), student,
                new DistillationTrainerTest.ProjectedLoss(), config);
    }

    private static void fillAtLog(DistillationTrainer t, SmallFileSystem fs, long step) {
        t.addListener(new TrainingListener() {
            @Override
            public void onLog(StepReport r) {
                if (r.step() == step) {
                    try {
                        fs.fill();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        });
    }

    @Test
    void aCheckpointOnAFullDiskFailsClearlyAndLeavesThePreviousOne() throws IOException {
        Path run = fs.root().resolve("run");
        // logInterval > steps: metrics are written only just before each checkpoint (steps 3 and 6);
        // the disk fills right after the line of step 6, so the checkpoint of step 6 is what fails.
        TrainerConfig config = DistillationTrainerTest.config(6).optCheckpointInterval(3).optLogInterval(100).build();
        DistillationTrainer first = trainer(config);
        fillAtLog(first, fs, 6);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> first.fit(DistillationTrainerTest.data(), run));
        String m = e.getMessage();
        assertTrue(m.startsWith("training run " + run + " failed on I/O: cannot write "
                + run.resolve("checkpoints/step-6") + ": No space left on device"), m);
        assertTrue(m.contains("(the disk is full); what was there before is unchanged; free some space and run again"),
                m);
        assertEquals(List.of(run.resolve("checkpoints/step-3")), Checkpoint.list(run), "no partial step-6");
        assertEquals(3, Checkpoint.read(run.resolve("checkpoints/step-3")).step());

        fs.free();
        TrainingResult resumed = trainer(config).fit(DistillationTrainerTest.data(), run);
        assertEquals(run.resolve("checkpoints/step-3"), resumed.resumedFrom());
        assertEquals(6, resumed.step());
    }

    @Test
    void metricsOnAFullDiskFailClearlyAndKeepTheLinesBefore() throws IOException {
        Path run = fs.root().resolve("run");
        // one line per step and no checkpoint before the end: the append is what meets the full disk
        // (tmpfs allocates 4 KiB pages, so a few lines still fit in the file's last page)
        TrainerConfig config = DistillationTrainerTest.config(60).optLogInterval(1).build();
        DistillationTrainer first = trainer(config);
        fillAtLog(first, fs, 3);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> first.fit(DistillationTrainerTest.data(), run));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot append to " + run.resolve("metrics.jsonl") + ": No space left on device"
                + " (the disk is full); the lines before are intact"), m);
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertTrue(lines.size() >= 3, "the lines written before the disk filled: " + lines.size());
        for (int i = 0; i < lines.size() - 1; i++) {
            assertEquals(i + 1, JsonParser.parseString(lines.get(i)).getAsJsonObject().get("step").getAsLong());
        }
        String last = lines.get(lines.size() - 1);
        try {
            JsonParser.parseString(last).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException torn) {
            // a torn last line is allowed: the next session drops it
        }

        fs.free();
        TrainingResult again = trainer(DistillationTrainerTest.config(4).optLogInterval(1).build())
                .fit(DistillationTrainerTest.data(), run);
        assertEquals(4, again.step());
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonParser.parseString(line).getAsJsonObject(); // every line whole again
        }
    }
}
