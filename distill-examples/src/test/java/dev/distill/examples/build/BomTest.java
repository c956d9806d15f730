package dev.distill.examples.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * distill-bom has no parent (importing it must not import the parent's test-only management), so
 * its version and the DJL versions it pins are written twice: they must equal the parent's.
 */
class BomTest {

    private static String first(String xml, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(xml);
        assertTrue(m.find(), what + " not found");
        return m.group(1);
    }

    @Test
    void bomVersionsEqualTheParents() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String parent = Files.readString(root.resolve("pom.xml"));
        String bom = Files.readString(root.resolve("distill-bom").resolve("pom.xml"));
        assertEquals(first(parent, "<artifactId>distill-parent</artifactId>\\s*<version>([^<]+)</version>", "parent version"),
                first(bom, "<artifactId>distill-bom</artifactId>\\s*<version>([^<]+)</version>", "bom version"));
        for (String property : new String[] {"djl.version", "pytorch.jni.version", "pytorch.native.version"}) {
            String regex = "<" + Pattern.quote(property) + ">([^<]+)</";
            assertEquals(first(parent, regex, "parent " + property), first(bom, regex, "bom " + property), property);
        }
    }
}
