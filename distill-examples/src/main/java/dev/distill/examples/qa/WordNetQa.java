package dev.distill.examples.qa;

import dev.distill.core.data.DataException;
import dev.distill.core.data.Seeds;
import dev.distill.core.data.SquadReader;
import dev.distill.core.data.WordNetText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An extractive question-answering set built from WordNet 3.1, so the QA example has real,
 * labelled data without SQuAD (which Maven cannot fetch). It is a stand-in, not SQuAD: the
 * questions are all of one form and the contexts are single sentences.
 *
 * <p>For every synset and every quoted usage sentence of its gloss that contains one of the
 * synset's words verbatim (case-sensitive, at word boundaries; underscores in WordNet's lemmas
 * read as spaces, adjective markers such as {@code (a)} dropped):
 *
 * <pre>
 * question  "Which word means: &lt;the synset's definition&gt;?"
 * context   the usage sentence
 * answer    the first verbatim occurrence of the first of the synset's words that occurs
 * </pre>
 *
 * For example the synset {@code sleep, slumber} ("a natural and periodic state of rest …") with
 * the usage "he didn't get enough sleep last night" gives the answer "sleep" at offset 21. Usages
 * where the word appears only inflected ("ran" for run) are skipped. Train and development
 * questions come from disjoint synsets: a synset goes to the development side with probability
 * {@code devFraction}, decided by a seeded hash of its part of speech and offset.
 */
final class WordNetQa {

    /**
     * The questions of both sides.
     *
     * @param usagesSeen usage sentences read
     */
    record Split(List<SquadReader.Question> train, List<SquadReader.Question> dev, int usagesSeen) {}

    private WordNetQa() {}

    /** Builds every question, split by synset. */
    static Split build(double devFraction, long seed) {
        if (!(devFraction > 0 && devFraction < 1)) {
            throw new IllegalArgumentException("devFraction (" + devFraction + ") must lie in (0, 1)");
        }
        List<SquadReader.Question> train = new ArrayList<>();
        List<SquadReader.Question> dev = new ArrayList<>();
        int usages = 0;
        for (int p = 0; p < WordNetText.PARTS_OF_SPEECH.size(); p++) {
            String pos = WordNetText.PARTS_OF_SPEECH.get(p);
            String resource = "net/sf/extjwnl/data/wordnet/wn31/data." + pos;
            try (InputStream in = WordNetQa.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("WordNet resource " + resource + " is not on the classpath; add "
                            + "the Maven dependency " + WordNetText.MAVEN_COORDINATES);
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                long number = 0;
                while ((line = r.readLine()) != null) {
                    number++;
                    if (line.isEmpty() || line.charAt(0) == ' ') {
                        continue; // licence header
                    }
                    Synset s = parse(line, "classpath:" + resource, number);
                    boolean toDev = Seeds.random(seed, p, s.offset).nextDouble() < devFraction;
                    for (int u = 0; u < s.usages.size(); u++) {
                        usages++;
                        SquadReader.Question q = question(s, pos, u, "classpath:" + resource + ":" + number);
                        if (q != null) {
                            (toDev ? dev : train).add(q);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read WordNet resource " + resource, e);
            }
        }
        return new Split(train, dev, usages);
    }

    /** One synset line: its offset, words and gloss parts. */
    record Synset(long offset, List<String> words, String definition, List<String> usages) {}

    /**
     * Parses {@code offset lex_filenum ss_type w_cnt (word lex_id)×w_cnt … | gloss}; w_cnt is two
     * hexadecimal digits.
     */
    static Synset parse(String line, String source, long number) {
        int bar = line.indexOf(" | ");
        if (bar < 0) {
            throw new DataException(source, number, "synset line without a ' | ' gloss separator");
        }
        String[] f = line.substring(0, bar).split(" ");
        try {
            long offset = Long.parseLong(f[0]);
            int count = Integer.parseInt(f[3], 16);
            List<String> words = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String w = f[4 + 2 * i].replaceAll("\\([a-z]+\\)$", "").replace('_', ' ');
                words.add(w);
            }
            String gloss = line.substring(bar + 3).strip();
            String[] parts = gloss.split(";\\s*\"");
            List<String> usages = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String u = parts[i];
                int end = u.lastIndexOf('"');
                u = (end >= 0 ? u.substring(0, end) : u).strip();
                if (!u.isEmpty()) {
                    usages.add(u);
                }
            }
            return new Synset(offset, words, parts[0].strip(), usages);
        } catch (RuntimeException e) {
            throw new DataException(source, number, "malformed synset line (" + e.getMessage() + ")");
        }
    }

    /** The question for usage {@code u} of {@code s}, or null when no word of s occurs in it verbatim. */
    static SquadReader.Question question(Synset s, String pos, int u, String origin) {
        String context = s.usages.get(u);
        for (String w : s.words) {
            int at = find(context, w);
            if (at >= 0) {
                String id = pos + "-" + s.offset + "-" + u;
                String q = "Which word means: " + s.definition + "?";
                return new SquadReader.Question(id, pos + " " + s.offset, context, q,
                        List.of(new SquadReader.Answer(context.substring(at, at + w.length()), at)), origin);
            }
        }
        return null;
    }

    /** The first index of {@code word} in {@code text} with no letter or digit on either side, or −1. */
    static int find(String text, String word) {
        if (word.isEmpty()) {
            return -1;
        }
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            int end = at + word.length();
            boolean before = at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1));
            boolean after = end == text.length() || !Character.isLetterOrDigit(text.charAt(end));
            if (before && after) {
                return at;
            }
        }
        return -1;
    }

    /** For messages: the share of usages kept. */
    static String describe(Split s) {
        return String.format(Locale.ROOT, "%,d train and %,d development questions from %,d usage sentences",
                s.train().size(), s.dev().size(), s.usagesSeen());
    }
}
