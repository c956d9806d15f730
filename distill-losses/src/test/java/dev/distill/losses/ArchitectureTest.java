package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** distill-losses and distill-models never depend on each other (architecture.md). */
class ArchitectureTest {

    @Test
    void lossesDoNotDependOnModels() throws IOException {
        Path module = Path.of("").toAbsolutePath();
        Path sources = module.resolve("src/main/java");
        assertTrue(Files.isDirectory(sources), "run from the module directory: " + module);
        List<String> offenders;
        try (Stream<Path> files = Files.walk(sources)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).contains("dev.distill.models");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).collect(Collectors.toList());
        }
        assertTrue(offenders.isEmpty(), "sources referring to dev.distill.models: " + offenders);
        String pom = Files.readString(module.resolve("pom.xml"));
        assertFalse(pom.contains("<artifactId>distill-models</artifactId>"), "pom.xml depends on distill-models");
    }

    @Test
    void modelsClassesAreNotOnTheClasspath() {
        // If distill-models leaked in transitively, its classes would load here.
        boolean present;
        try {
            Class.forName("dev.distill.models.encoder.EncoderConfig");
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        assertFalse(present, "dev.distill.models is on distill-losses' classpath");
    }
}
