package dev.distill.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.distill.models.io.TinyModelDir;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two tokenizer.json files that aborted the JVM (issue 19), each in a child JVM: fed straight
 * to the native library the child dies (exit 134); loaded through distill it is refused with one
 * line naming the file, the key, the value and the fix, and the child exits normally.
 */
class TokenizerAbortTest {

    @TempDir
    static Path tmp;

    static Path intact;

    @BeforeAll
    static void model() {
        intact = TinyModelDir.create(tmp.resolve("intact"), TinyModelDir.SMALL);
    }

    private static Path broken(String name, java.util.function.Consumer<JsonObject> edit) throws Exception {
        Path dir = tmp.resolve(name);
        TinyModelDir.copy(intact, dir);
        TinyModelDir.editJson(dir.resolve("tokenizer.json"), edit);
        return dir;
    }

    private static String refusal(ChildJvm.Result r) {
        assertEquals(0, r.exitCode(), "the child JVM died (134 = native abort):\n" + r.output());
        String line = r.output().lines().filter(l -> l.startsWith("REFUSED ")).findFirst().orElse(null);
        assertTrue(line != null, "not refused:\n" + r.output());
        return line;
    }

    @Test
    void unknownTokenMissingFromTheVocabularyIsRefusedNotAborted() throws Exception {
        Path dir = broken("unk", o -> o.getAsJsonObject("model").addProperty("unk_token", "[NOPE]"));
        ChildJvm.Result raw = ChildJvm.run(LoadAndEncodeMain.class, "raw", dir.toString(), "\u2603");
        assertNotEquals(0, raw.exitCode(), "the native library no longer aborts on this file (keep the check,"
                + " drop this assertion):\n" + raw.output());
        assertFalse(raw.output().contains("RAW "), raw.output());

        String line = refusal(ChildJvm.run(LoadAndEncodeMain.class, "checked", dir.toString(), "\u2603"));
        assertTrue(line.contains(dir.resolve("tokenizer.json").toString()), line);
        assertTrue(line.contains("model.unk_token is \"[NOPE]\""), line);
        assertTrue(line.contains("\"unk_token\": \"[UNK]\""), line); // the fix
    }

    @Test
    void templateNamingAMissingSpecialTokenIsRefusedNotAborted() throws Exception {
        Path dir = broken("template", o -> o.getAsJsonObject("post_processor").getAsJsonObject("special_tokens")
                .remove("[SEP]"));
        ChildJvm.Result raw = ChildJvm.run(LoadAndEncodeMain.class, "raw", dir.toString(), "hello");
        assertNotEquals(0, raw.exitCode(), "the native library no longer aborts on this file (keep the check,"
                + " drop this assertion):\n" + raw.output());

        String line = refusal(ChildJvm.run(LoadAndEncodeMain.class, "checked", dir.toString(), "hello"));
        assertTrue(line.contains("post_processor.single names special token \"[SEP]\""), line);
        assertTrue(line.contains("\"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [102]"), line); // the fix, with bge's id
    }

    @Test
    void theIntactDirectoryEncodesTheSameCharacter() throws Exception {
        ChildJvm.Result r = ChildJvm.run(LoadAndEncodeMain.class, "checked", intact.toString(), "\u2603");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ENCODED 3 32"), r.output()); // [CLS] [UNK] [SEP], 32-wide embedding
    }
}
