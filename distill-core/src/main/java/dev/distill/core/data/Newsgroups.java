package dev.distill.core.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The 3-newsgroups subset of 20-Newsgroups (rec.motorcycles, rec.sport.baseball,
 * rec.sport.hockey; 1,194 training and 1,795 test posts) from the
 * {@code org.cleartk:cleartk-examples:0.6.2} jar, one folder per topic, with each post's mail
 * headers stripped: the topic is the label, and the {@code Newsgroups:} and {@code Subject:}
 * lines would give it away. The posts are 1990s Usenet text, decoded as ISO-8859-1 (as
 * scikit-learn's {@code fetch_20newsgroups} does): a few are not valid UTF-8.
 */
public final class Newsgroups {

    /** Maven coordinates of the jar that holds the posts. */
    public static final String MAVEN_COORDINATES = "org.cleartk:cleartk-examples:0.6.2";

    private Newsgroups() {}

    /**
     * The training posts, labelled by topic.
     *
     * @param policy what an unusable post does (null: fail)
     * @return a stream of posts with headers stripped; close it after use
     * @throws IllegalStateException if the jar is not on the classpath
     */
    public static RecordStream<TextExample> train(ErrorPolicy policy) {
        return FolderCorpus.open(folder("train"), StandardCharsets.ISO_8859_1, Newsgroups::stripHeaders, policy);
    }

    /**
     * The test posts, labelled by topic.
     *
     * @param policy what an unusable post does (null: fail)
     * @return a stream of posts with headers stripped; close it after use
     * @throws IllegalStateException if the jar is not on the classpath
     */
    public static RecordStream<TextExample> test(ErrorPolicy policy) {
        return FolderCorpus.open(folder("test"), StandardCharsets.ISO_8859_1, Newsgroups::stripHeaders, policy);
    }

    /**
     * The folder of one split inside the jar.
     *
     * @param split {@code train} or {@code test}
     * @return the folder, inside the jar's zip file system
     * @throws IllegalStateException if the jar is not on the classpath
     */
    public static Path folder(String split) {
        return ClasspathData.folder("data/3news-bydate/" + split, MAVEN_COORDINATES);
    }

    /**
     * Drops the RFC 822 header block: everything up to and including the first empty line. A post
     * with no empty line is returned unchanged.
     *
     * @param post the raw post, {@code \n} or {@code \r\n} line ends
     * @return the body, with {@code \n} line ends
     */
    public static String stripHeaders(String post) {
        String p = post.replace("\r\n", "\n");
        int cut = p.indexOf("\n\n");
        return cut < 0 ? p : p.substring(cut + 2);
    }
}
