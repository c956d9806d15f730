package dev.distill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** Schedules against torch's LambdaLR with Hugging Face's lambdas (make_optim_fixtures.py). */
class LearningRateScheduleTest {

    @Test
    void matchesHuggingFaceSchedulesAtEveryStep() {
        int checked = 0;
        for (JsonElement e : OptimFixtures.root().getAsJsonArray("schedules")) {
            JsonObject s = e.getAsJsonObject();
            float peak = s.get("peak").getAsFloat();
            long warmup = s.get("warmup").getAsLong();
            long total = s.get("total").getAsLong();
            LearningRateSchedule schedule = s.get("kind").getAsString().equals("linear")
                    ? LearningRateSchedule.linearWarmupLinearDecay(peak, warmup, total)
                    : LearningRateSchedule.linearWarmupCosineDecay(peak, warmup, total, s.get("cycles").getAsDouble());
            float[] want = OptimFixtures.floats(s.get("values"));
            for (int t = 0; t < want.length; t++) {
                assertEquals(want[t], schedule.at(t), 1e-7, schedule + " at step " + t);
                checked++;
            }
        }
        assertTrue(checked > 50, "checked " + checked);
    }

    @Test
    void pastTheEndTheRateStaysAtItsFinalValue() {
        assertEquals(0f, LearningRateSchedule.linearWarmupLinearDecay(1e-3f, 2, 10).at(25));
        // Hugging Face's cosine would climb again here (½(1 + cos(1.5π)) = 0.5); ours stays at 0.
        assertEquals(0f, LearningRateSchedule.linearWarmupCosineDecay(1e-3f, 0, 10).at(15));
        assertEquals(2e-4f, LearningRateSchedule.constant(2e-4f).at(1_000_000L));
    }

    @Test
    void handDerivedPoints() {
        LearningRateSchedule lin = LearningRateSchedule.linearWarmupLinearDecay(1f, 4, 12);
        assertEquals(0f, lin.at(0));
        assertEquals(0.5f, lin.at(2));
        assertEquals(1f, lin.at(4));
        assertEquals(0.5f, lin.at(8));
        LearningRateSchedule cos = LearningRateSchedule.linearWarmupCosineDecay(1f, 0, 8);
        assertEquals(1f, cos.at(0));
        assertEquals(0.5f, cos.at(4), 1e-7f);
        assertEquals((float) (0.5 * (1 + Math.cos(Math.PI / 4))), cos.at(2), 1e-7f);
    }

    @Test
    void invalidArgumentsSayWhatIsWrong() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.linearWarmupLinearDecay(1e-3f, 12, 10)).getMessage();
        assertTrue(m.contains("warmupSteps (12) must not exceed totalSteps (10)"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.linearWarmupCosineDecay(1e-3f, 0, 0)).getMessage();
        assertTrue(m.contains("totalSteps (0) must be > 0"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.linearWarmupCosineDecay(1e-3f, -1, 5)).getMessage();
        assertTrue(m.contains("warmupSteps (-1) must be >= 0"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.constant(Float.NaN)).getMessage();
        assertTrue(m.contains("learning rate (NaN)"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.linearWarmupCosineDecay(1e-3f, 0, 5, 0)).getMessage();
        assertTrue(m.contains("numCycles (0.0)"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.constant(1f).at(-3)).getMessage();
        assertTrue(m.contains("step (-3) must be >= 0"), m);
    }
}
