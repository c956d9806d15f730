package dev.distill.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Folders of data that live inside a Maven-fetched jar on the classpath, seen as a {@link Path}
 * (the jar is opened read-only as a zip file system and kept open for the life of the JVM).
 */
public final class ClasspathData {

    private ClasspathData() {}

    /**
     * The folder {@code resource} (e.g. {@code data/3news-bydate/train}) on the classpath.
     *
     * @param resource the folder's path inside the jar or classpath directory
     * @param mavenCoordinates named in the error when the jar is missing
     * @return the folder, inside a zip file system when it lies in a jar (opened once, kept open)
     * @throws IllegalStateException if the resource is not on the classpath
     */
    public static Path folder(String resource, String mavenCoordinates) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = ClasspathData.class.getClassLoader();
        }
        URL url = cl.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("data folder " + resource + " is not on the classpath; add the Maven"
                    + " dependency " + mavenCoordinates);
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                synchronized (ClasspathData.class) {
                    try {
                        fs = FileSystems.newFileSystem(uri, Map.of());
                    } catch (FileSystemAlreadyExistsException e) {
                        fs = FileSystems.getFileSystem(uri);
                    }
                }
                return fs.provider().getPath(uri);
            }
            return Paths.get(uri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad classpath URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + url, e);
        }
    }
}
