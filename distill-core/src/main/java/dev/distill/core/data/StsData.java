package dev.distill.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Semantic textual similarity data: sentence pairs with a gold similarity score (0 to 5), in
 * the SemEval STS layout (an input file of tab-separated pairs and a gold file with one score
 * per line).
 *
 * <p>{@link #semEvalTest()} reads the SemEval 2012 and 2013 test sets out of the
 * {@code org.dkpro.similarity:dkpro-similarity-uima-data-asl:2.3.0} jar on the classpath:
 * 3,108 + 2,250 pairs in 9 subsets. GLUE's STS-B was built from these sets.
 */
public final class StsData {

    /** Maven coordinates of the jar that holds the SemEval STS files. */
    public static final String MAVEN_COORDINATES = "org.dkpro.similarity:dkpro-similarity-uima-data-asl:2.3.0";

    /**
     * One sentence pair and its gold score.
     *
     * @param first the first sentence
     * @param second the second sentence
     * @param score the gold similarity, 0 (unrelated) to 5 (equivalent)
     */
    public record Pair(String first, String second, double score) {}

    /**
     * A named subset such as 2012 MSRpar.
     *
     * @param name e.g. {@code 2012.MSRpar}
     * @param pairs the pairs, in file order
     */
    public record Subset(String name, List<Pair> pairs) {
        /**
         * Copies the pairs.
         *
         * @param name the subset's name
         * @param pairs the pairs
         * @throws NullPointerException if {@code pairs} or an element is null
         */
        public Subset {
            pairs = List.copyOf(pairs);
        }
    }

    private static final String[] SUBSETS_2012 = {"MSRpar", "MSRvid", "SMTeuroparl", "OnWN", "SMTnews"};
    private static final String[] SUBSETS_2013 = {"headlines", "OnWN", "FNWN", "SMT"};

    private StsData() {}

    /**
     * The 9 SemEval STS 2012 and 2013 test subsets, in the order the tasks list them.
     *
     * @return a new list of 9 subsets, 5,358 pairs
     * @throws IllegalStateException if the jar is not on the classpath
     */
    public static List<Subset> semEvalTest() {
        List<Subset> out = new ArrayList<>();
        for (String s : SUBSETS_2012) {
            out.add(fromClasspath("2012." + s, "datasets/semeval-2012/test/STS.input." + s + ".txt",
                    "goldstandards/semeval-2012/test/STS.gs." + s + ".txt"));
        }
        for (String s : SUBSETS_2013) {
            out.add(fromClasspath("2013." + s, "datasets/sts-2013/test/STS.input." + s + ".txt",
                    "goldstandards/sts-2013/test/STS.gs." + s + ".txt"));
        }
        return out;
    }

    /**
     * The SemEval 2012 training pairs (2,234 pairs in 3 subsets), e.g. for fine-tuning.
     *
     * @return a new list of 3 subsets
     * @throws IllegalStateException if the jar is not on the classpath
     */
    public static List<Subset> semEval2012Train() {
        List<Subset> out = new ArrayList<>();
        for (String s : new String[] {"MSRpar", "MSRvid", "SMTeuroparl"}) {
            out.add(fromClasspath("2012.train." + s, "datasets/semeval-2012/train/STS.input." + s + ".txt",
                    "goldstandards/semeval-2012/train/STS.gs." + s + ".txt"));
        }
        return out;
    }

    /**
     * Reads a subset from a pair of files on disk (same layout as SemEval's).
     *
     * @param name the subset's name
     * @param input tab-separated sentence pairs, one per line, UTF-8
     * @param gold one score per line, as many lines as {@code input}
     * @return the subset
     * @throws java.io.UncheckedIOException if a file cannot be read
     * @throws IllegalArgumentException naming the file and line when the line counts differ, a line has
     *         no tab or a score is not a number in [0, 5]
     */
    public static Subset fromFiles(String name, Path input, Path gold) {
        try (InputStream in = Files.newInputStream(input);
                InputStream g = Files.newInputStream(gold)) {
            return parse(name, in, input.toString(), g, gold.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read STS files " + input + " and " + gold, e);
        }
    }

    private static Subset fromClasspath(String name, String input, String gold) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = StsData.class.getClassLoader();
        }
        try (InputStream in = cl.getResourceAsStream(input);
                InputStream g = cl.getResourceAsStream(gold)) {
            if (in == null || g == null) {
                throw new IllegalStateException("STS resource " + (in == null ? input : gold)
                        + " is not on the classpath; add the Maven dependency " + MAVEN_COORDINATES);
            }
            return parse(name, in, "classpath:" + input, g, "classpath:" + gold);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read STS resource " + input, e);
        }
    }

    static Subset parse(String name, InputStream input, String inputName, InputStream gold, String goldName)
            throws IOException {
        List<String> lines = readLines(input, inputName);
        List<String> scores = readLines(gold, goldName);
        if (lines.size() != scores.size()) {
            throw new IllegalArgumentException(inputName + " has " + lines.size() + " pairs but " + goldName
                    + " has " + scores.size() + " scores; they must have one line per pair");
        }
        List<Pair> pairs = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String[] parts = line.split("\t", -1);
            if (parts.length < 2) {
                throw new IllegalArgumentException(inputName + ":" + (i + 1)
                        + ": expected two tab-separated sentences, found no tab in '" + abbreviate(line) + "'");
            }
            String s = scores.get(i).trim();
            double score;
            try {
                score = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(goldName + ":" + (i + 1) + ": score '" + s
                        + "' is not a number", e);
            }
            if (!(score >= 0 && score <= 5)) {
                throw new IllegalArgumentException(goldName + ":" + (i + 1) + ": score " + score
                        + " is outside the STS range [0, 5]");
            }
            pairs.add(new Pair(parts[0], parts[1], score));
        }
        return new Subset(name, pairs);
    }

    private static List<String> readLines(InputStream in, String name) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(name + ": not valid UTF-8 after line " + lines.size()
                    + " (" + e.getMessage() + "); re-encode the file as UTF-8", e);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /**
     * The form used to keep STS test text out of training: lower case, whitespace collapsed, and
     * trailing punctuation and surrounding quotes removed (STS's OnWN sentences are WordNet
     * glosses with a full stop added, so a plain comparison would miss them).
     *
     * @param text any sentence
     * @return the normalised form
     */
    public static String normalize(String text) {
        String s = text.toLowerCase(Locale.ROOT).trim().replaceAll("\\s+", " ");
        s = s.replaceAll("^[\"'`]+|[\"'`]+$", "");
        return s.replaceAll("[\\s.;,:!?]+$", "");
    }
}
