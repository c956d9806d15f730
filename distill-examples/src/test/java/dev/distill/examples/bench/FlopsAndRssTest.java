package dev.distill.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The FLOP formula against hand-counted products, and the VmRSS parser against a real status text. */
class FlopsAndRssTest {

    @Test
    void encoderFlopsCountEveryMatmulOnce() {
        // B=2, T=4, H=8, A=2, d=4, F=16, one layer; each product counted as 2·m·k·n:
        //   Q, K, V   3 × (8 x 8)·(8 x 8)               3 · 2·8·8·8 = 3,072
        //   scores    B·A = 4 × (4 x 4)·(4 x 4)         4 · 2·4·4·4 =   512
        //   context   4 × (4 x 4)·(4 x 4)               4 · 2·4·4·4 =   512
        //   output    (8 x 8)·(8 x 8)                       2·8·8·8 = 1,024
        //   FFN       (8 x 8)·(8 x 16) + (8 x 16)·(16 x 8)          = 4,096
        double byHand = 3072 + 512 + 512 + 1024 + 4096;
        assertEquals(byHand, Flops.encoderForward(2, 4, 1, 8, 2, 4, 16, 0));
        assertEquals(3 * byHand, Flops.encoderForward(2, 4, 3, 8, 2, 4, 16, 0));
        // MLM head over V = 10: transform 2·8·8·8 = 1,024, decoder 2·8·8·10 = 1,280
        assertEquals(byHand + 1024 + 1280, Flops.encoderForward(2, 4, 1, 8, 2, 4, 16, 10));
        assertEquals(100 + 3 * 7, Flops.distillationStep(100, 7));
        assertEquals(2.0 * 1024 * 1024 * 1024, Flops.squareMatmul(1024));
    }

    @Test
    void vmRssIsReadFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  345678 kB\nRssAnon:\t  300000 kB\n";
        assertEquals(345678, Rss.parseVmRss(status));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Rss.parseVmRss("Name:\tjava\n"));
        assertTrue(e.getMessage().contains("no VmRSS"), e.getMessage());
        if (Rss.available()) {
            assertTrue(Rss.kib() > 1000, "a JVM uses more than 1 MB");
        }
    }

    @Test
    void lossSpecParsesNamesAndWeights() {
        assertEquals("hidden,attention:0.01", LossSpec.parse(" hidden , attention:0.01").toString());
        assertTrue(LossSpec.parse("kd").needsMlmHead());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossSpec.parse("hidden:x"));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LossSpec.parse("hidden,hidden"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
