package dev.distill.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point's input expansion (stable order) and option parsing. */
class SparkCacheMainTest {

    @TempDir
    Path tmp;

    @Test
    void foldersExpandToTheirVisibleFilesSortedByName() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        for (String f : new String[] {"c.txt", "a.txt", "b.txt", ".hidden", "_SUCCESS"}) {
            Files.writeString(dir.resolve(f), f + "\n");
        }
        Path single = Files.writeString(tmp.resolve("z.txt"), "z\n");
        List<String> files = SparkCacheMain.expand(dir + "," + single, new Configuration());
        assertEquals(4, files.size(), files.toString());
        assertTrue(files.get(0).endsWith("/corpus/a.txt"), files.toString());
        assertTrue(files.get(1).endsWith("/corpus/b.txt"), files.toString());
        assertTrue(files.get(2).endsWith("/corpus/c.txt"), files.toString());
        assertTrue(files.get(3).endsWith("/z.txt"), files.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkCacheMain.expand(tmp.resolve("missing").toString(), new Configuration()));
        assertTrue(e.getMessage().contains("no such file or folder"), e.getMessage());
    }

    @Test
    void optionsNameWhatIsWrong() {
        SparkCacheMain.Options o = SparkCacheMain.Options.parse(new String[] {"--teacher", "t", "--input", "i", "--out",
            "o", "--k", "16", "--hidden-layers", "0,6"});
        assertEquals(16, o.k);
        assertEquals(List.of(0, 6), o.hiddenLayers);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SparkCacheMain.Options.parse(
                new String[] {"--teacher", "t", "--input", "i", "--out", "o", "--k", "many"})).getMessage()
                .contains("--k 'many' is not a whole number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SparkCacheMain.Options.parse(
                new String[] {"--teacher", "t"})).getMessage().contains("--teacher, --input and --out are required"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SparkCacheMain.Options.parse(
                new String[] {"--techer", "t"})).getMessage().contains("unknown option --techer"));
    }
}
