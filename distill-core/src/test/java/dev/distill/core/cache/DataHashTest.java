package dev.distill.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link CacheFingerprint#dataHash} against SHA-256 of the documented byte layout written out in
 * one piece, over enough examples of varied lengths that the hasher's 64 KiB buffer fills at
 * every alignment (it once overflowed writing a position count into a full buffer).
 */
class DataHashTest {

    @Test
    void equalsDigestOfTheDocumentedLayout() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        List<CacheExample> examples = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // Example 0 takes 4 + 8·3275 + 4 + 8·3275 + 4 + 4·3275 = 65,512 bytes; example 1 (one token)
        // then ends its token types exactly at the 65,536th byte, right before its position count.
        for (int i = 0; i < 6002; i++) {
            int n = i == 0 ? 3275 : i == 1 ? 1 : 1 + r.nextInt(40);
            long[] ids = new long[n];
            long[] types = new long[n];
            for (int j = 0; j < n; j++) {
                ids[j] = r.nextInt(30522);
                types[j] = r.nextInt(2);
            }
            int[] pos = i == 0 ? java.util.stream.IntStream.range(0, n).toArray()
                    : java.util.stream.IntStream.range(0, n).filter(j -> r.nextInt(7) == 0).toArray();
            examples.add(new CacheExample(ids, types, pos));
            ByteBuffer b = ByteBuffer.allocate(4 + 8 * n + 4 + 8 * n + 4 + 4 * pos.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(n);
            for (long v : ids) {
                b.putLong(v);
            }
            b.putInt(n);
            for (long v : types) {
                b.putLong(v);
            }
            b.putInt(pos.length);
            for (int p : pos) {
                b.putInt(p);
            }
            bytes.write(b.array());
        }
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        assertEquals(want, CacheFingerprint.dataHash(examples));
    }
}
