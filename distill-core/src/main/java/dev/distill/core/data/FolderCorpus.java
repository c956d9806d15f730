package dev.distill.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A labelled corpus laid out as one folder per label, one document per file
 * ({@code root/<label>/<any name>}), as in the 20-Newsgroups "bydate" distribution. Labels and
 * files are visited in name order, so the order is the same on every machine. Each document is
 * read whole as strict UTF-8 (an undecodable file is a data error naming it) or in a given charset, passed through an
 * optional cleaner (e.g. {@link Newsgroups#stripHeaders}), and dropped silently if it is blank
 * afterwards. Works on any {@link Path}, including one inside a jar opened as a zip file system.
 */
public final class FolderCorpus {

    private FolderCorpus() {}

    /**
     * The label folders under {@code root}, in name order.
     *
     * @param root the corpus folder
     * @return the folder names, sorted
     * @throws IllegalArgumentException if {@code root} is not a folder
     * @throws java.io.UncheckedIOException if it cannot be listed
     */
    public static List<String> labels(Path root) {
        requireDirectory(root);
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> stripSlash(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /**
     * Streams every document under {@code root}.
     *
     * @param root the corpus folder
     * @param cleaner applied to each document's text before it becomes an example (identity if null)
     * @param policy what a bad document does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples labelled by their folder; close it after use
     * @throws IllegalArgumentException if {@code root} is not a folder
     * @throws DataException if it has no label folder
     */
    public static RecordStream<TextExample> open(Path root, UnaryOperator<String> cleaner, ErrorPolicy policy) {
        return open(root, null, cleaner, policy);
    }

    /**
     * Streams every document under {@code root} decoded with {@code charset}: {@code null} means
     * strict UTF-8 (undecodable files are data errors); a single-byte charset such as ISO-8859-1
     * decodes anything.
     *
     * @param root the corpus folder
     * @param charset the documents' charset, or null for strict UTF-8
     * @param cleaner applied to each document's text (identity if null)
     * @param policy what a bad document does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples labelled by their folder; close it after use
     * @throws IllegalArgumentException if {@code root} is not a folder
     * @throws DataException if it has no label folder
     */
    public static RecordStream<TextExample> open(Path root, Charset charset, UnaryOperator<String> cleaner,
            ErrorPolicy policy) {
        List<String> labels = labels(root);
        if (labels.isEmpty()) {
            throw new DataException(root.toString(), "-", "no label folders; a folder corpus holds one folder per"
                    + " label with one document per file");
        }
        UnaryOperator<String> clean = cleaner == null ? UnaryOperator.identity() : cleaner;
        Iterator<String> labelIt = labels.iterator();
        return new RecordStream<>(policy) {
            private String label;
            private Iterator<Path> files = java.util.Collections.emptyIterator();

            @Override
            protected TextExample readNext() {
                while (true) {
                    while (!files.hasNext()) {
                        if (!labelIt.hasNext()) {
                            return null;
                        }
                        label = labelIt.next();
                        files = listFiles(root.resolve(label)).iterator();
                    }
                    Path f = files.next();
                    String text;
                    try (InputStream in = Files.newInputStream(f)) {
                        byte[] bytes = in.readAllBytes();
                        text = charset == null ? Utf8.decode(bytes) : new String(bytes, charset);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read " + f, e);
                    } catch (Utf8.DecodeError e) {
                        refuse(new DataException(f.toString(), "byte " + e.offset(), e.getMessage()));
                        continue;
                    }
                    text = clean.apply(text).strip();
                    if (!text.isEmpty()) {
                        return new TextExample(text, null, label, f.toString());
                    }
                }
            }

            @Override
            protected void closeSource() {}
        };
    }

    private static List<Path> listFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile).toList());
            out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void requireDirectory(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("corpus folder " + root + " does not exist or is not a folder");
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
