package dev.distill.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {

    private static String error(TrainerConfig.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void everyBadValueIsNamedWithTheRuleAndTheFix() {
        assertEquals("steps is not set; call setSteps(n) with the number of optimizer updates",
                error(TrainerConfig.builder()));
        assertEquals("steps (0) must be > 0", error(TrainerConfig.builder().setSteps(0)));
        assertEquals("learningRate (0.0) must be finite and > 0; 1e-5 to 1e-3 is usual",
                error(TrainerConfig.builder().setSteps(10).optLearningRate(0)));
        assertEquals("warmupFraction (1.0) must be in [0, 1); 0.05 to 0.1 is usual, 0 disables warm-up",
                error(TrainerConfig.builder().setSteps(10).optWarmupFraction(1)));
        assertEquals("clipNorm (-1.0) must be finite and >= 0; 1.0 is usual, 0 disables clipping",
                error(TrainerConfig.builder().setSteps(10).optClipNorm(-1)));
        assertEquals("accumulation (0) must be > 0; use 1 for no gradient accumulation",
                error(TrainerConfig.builder().setSteps(10).optAccumulation(0)));
        assertEquals("keepLast (0) must be > 0; keep at least the newest checkpoint, or resume is impossible",
                error(TrainerConfig.builder().setSteps(10).optKeepLast(0)));
        assertEquals("earlyStoppingPatience (3) counts evaluations, but evalInterval is 0 (evaluate only at the end); "
                + "set optEvalInterval(n) or patience 0",
                error(TrainerConfig.builder().setSteps(10).optEarlyStoppingPatience(3)));
        // fp16 is allowed on CPU (memory, not speed); the trainer checks the teacher's type
        assertTrue(TrainerConfig.builder().setSteps(10).optFp16(true).optDevices(Device.cpu(), Device.cpu()).build()
                .fp16());
    }

    @Test
    void warmupAndScheduleFollowHuggingFace() {
        TrainerConfig c = TrainerConfig.builder().setSteps(100).optLearningRate(1e-3f).optWarmupFraction(0.055).build();
        assertEquals(6, c.warmupSteps()); // ceil(5.5)
        assertEquals(0f, c.learningRateSchedule().at(0));
        assertEquals(1e-3f * 3 / 6, c.learningRateSchedule().at(3), 1e-9);
        assertEquals(1e-3f * 47 / 94, c.learningRateSchedule().at(53), 1e-9);
        TrainerConfig cos = c.toBuilder().optSchedule(TrainerConfig.Schedule.COSINE).build();
        // half a cosine: at the middle of the decay 0.5 * (1 + cos(pi/2)) = 0.5
        assertEquals(0.5e-3f, cos.learningRateSchedule().at(53), 1e-9);
        TrainerConfig constant = c.toBuilder().optSchedule(TrainerConfig.Schedule.CONSTANT).build();
        assertEquals(1e-3f, constant.learningRateSchedule().at(99), 0);
    }

    @Test
    void trajectoryFieldsAreWhatResumeCompares() {
        TrainerConfig c = TrainerConfig.builder().setSteps(10).build();
        assertEquals(List.of("steps", "learningRate", "warmupFraction", "schedule", "weightDecay", "clipNorm",
                "accumulation", "seed", "fp16"), List.copyOf(c.trajectoryFields().keySet()));
        assertEquals(c, c.toBuilder().build());
        Map<String, String> other = c.toBuilder().optLogInterval(1).optKeepLast(9).build().trajectoryFields();
        assertEquals(c.trajectoryFields(), other);
    }
}
