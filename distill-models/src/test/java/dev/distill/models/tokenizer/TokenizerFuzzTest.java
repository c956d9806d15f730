package dev.distill.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.models.KnownModel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every tokenizer the suite loads (bge-small-en-v1.5's and all-MiniLM-L6-v2's tokenizer.json from
 * their Maven jars) gets 3,000 seeded random Unicode strings (astral-plane characters, stacked
 * combining marks, control characters, lone surrogates, bidi controls, special-token text, long
 * runs) through every encoding path of {@link TextTokenizer}, in a child JVM: a native abort
 * fails this test instead of killing the suite.
 */
class TokenizerFuzzTest {

    static final int COUNT = 3000;

    @Test
    void randomUnicodeNeverAbortsTheJvm() throws Exception {
        ChildJvm.Result r = ChildJvm.run(TokenizerFuzzMain.class, "20261203", Integer.toString(COUNT));
        assertEquals(0, r.exitCode(), "the child JVM died (134 = native abort):\n" + r.output());
        for (KnownModel m : KnownModel.values()) {
            assertTrue(r.output().contains("FUZZ " + m.id() + " " + COUNT + " "), r.output());
        }
        assertTrue(r.output().contains("DONE"), r.output());
    }

    @Test
    void theGeneratorCoversTheHardCases() {
        SplittableRandom r = new SplittableRandom(20261203);
        boolean astral = false;
        boolean loneSurrogate = false;
        boolean combining = false;
        boolean control = false;
        for (int i = 0; i < COUNT; i++) {
            String s = TokenizerFuzzMain.randomText(r);
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                boolean pair = Character.isHighSurrogate(c) && k + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(k + 1));
                boolean afterHigh = Character.isLowSurrogate(c) && k > 0 && Character.isHighSurrogate(s.charAt(k - 1));
                astral |= pair;
                loneSurrogate |= Character.isSurrogate(c) && !pair && !afterHigh;
                combining |= c >= 0x300 && c < 0x370;
                control |= Character.isISOControl(c);
            }
        }
        assertTrue(astral && loneSurrogate && combining && control,
                "astral " + astral + ", lone surrogate " + loneSurrogate + ", combining " + combining + ", control "
                        + control);
    }
}
