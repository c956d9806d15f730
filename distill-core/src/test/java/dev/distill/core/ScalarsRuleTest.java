package dev.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Enforces the rule of {@link Scalars} on every module's main sources: no {@code mul}, {@code div},
 * {@code pow}, {@code maximum}, {@code minimum} (or their in-place forms) of an NDArray by a Java
 * number. DJL frees such a constant as soon as the op returns, while autograd may still read it
 * in backward (docs/djl-traps.md), which gave garbage gradients at random. A call is flagged when
 * its argument is a number literal, a cast, a {@code Float}/{@code Double}/{@code Math} constant
 * or call, an identifier the same file declares as {@code float}, {@code double}, {@code int} or
 * {@code long}, or arithmetic of those. Arrays (anything else) pass. It cannot see a number
 * that arrives through a method returning one; the GC regression tests cover the paths we know.
 */
class ScalarsRuleTest {

    private static final Pattern CALL = Pattern.compile("\\.(mul|div|pow|maximum|minimum|muli|divi|powi)\\(");
    private static final Pattern PRIMITIVE_DECL =
            Pattern.compile("\\b(?:float|double|int|long)\\s+([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?=[=;,)])");
    private static final Pattern NUMERIC_TOKEN = Pattern.compile(
            "\\s*(?:\\((?:float|double|int|long)\\)|(?:Float|Double|Math)\\.[A-Za-z_]+(?:\\([^()]*\\))?"
                    + "|[0-9][0-9.eE]*[fFdDlL]?|[-+*/().\\s]|[a-zA-Z_][a-zA-Z0-9_]*)");

    @Test
    void noNdArrayArithmeticWithAJavaNumberInMainCode() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        for (String module : new String[] {"distill-core", "distill-losses", "distill-models", "distill-spark", "distill-examples"}) {
            Path src = root.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), "missing " + src + "; run the test from a module directory");
            try (Stream<Path> s = Files.walk(src)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        assertTrue(files.size() > 100, "found only " + files.size() + " source files");
        List<String> violations = new ArrayList<>();
        for (Path f : files) {
            if (f.getFileName().toString().equals("Scalars.java")) {
                continue;
            }
            violations.addAll(scan(root.relativize(f).toString(), Files.readString(f, StandardCharsets.UTF_8)));
        }
        assertEquals(List.of(), violations, "use dev.distill.core.Scalars for these (docs/djl-traps.md)");
    }

    @Test
    void theScannerFlagsNumbersAndPassesArrays() {
        String code = "class X { float t = 2f; int n; NDArray a, b;\n"
                + "void f() { a.mul(b); a.div(b.sum()); a.mul(2f);\n"
                + " a.div((float) n); a.mul(t * t); a.div((float) b.size()); a.maximum(Float.MIN_NORMAL); a.pow(Math.sqrt(2));\n"
                + " a.muli(0.5); Scalars.mul(a, t); a.div(b.mul(c)); } }";
        List<String> v = scan("X.java", code);
        assertEquals(7, v.size(), v.toString());
        assertTrue(v.get(0).contains("X.java:2") && v.get(0).contains("a.mul(2f)"), v.get(0));
    }

    private static List<String> scan(String name, String code) {
        String text = stripComments(code);
        Set<String> primitives = new HashSet<>();
        Matcher d = PRIMITIVE_DECL.matcher(text);
        while (d.find()) {
            primitives.add(d.group(1));
        }
        List<String> out = new ArrayList<>();
        Matcher m = CALL.matcher(text);
        while (m.find()) {
            int open = m.end() - 1;
            int close = matching(text, open);
            if (close < 0) {
                continue;
            }
            String arg = text.substring(open + 1, close);
            if (isNumber(arg, primitives) && !precededByScalars(text, m.start())) {
                int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                out.add(name + ":" + line + ": " + receiver(text, m.start()) + "." + m.group(1) + "(" + arg.trim()
                        + ")");
            }
        }
        return out;
    }

    /** True when every token of {@code arg} is numeric: literals, casts, constants, primitives, operators. */
    private static boolean isNumber(String arg, Set<String> primitives) {
        if (arg.trim().matches("\\((?:float|double|int|long)\\).*")) {
            return true; // a cast to a primitive: whatever follows is a number
        }
        if (arg.isBlank() || arg.contains(",")) {
            return false;
        }
        Matcher t = NUMERIC_TOKEN.matcher(arg);
        int at = 0;
        boolean sawValue = false;
        while (at < arg.length() && t.find(at) && t.start() == at) {
            String tok = t.group().trim();
            if (tok.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                if (!primitives.contains(tok)) {
                    return false; // an array or an object
                }
                sawValue = true;
            } else if (!tok.isEmpty() && !tok.matches("[-+*/().]")) {
                sawValue = true;
            }
            at = t.end();
        }
        return at == arg.length() && sawValue;
    }

    private static boolean precededByScalars(String text, int dot) {
        return text.substring(Math.max(0, dot - 8), dot).endsWith("Scalars");
    }

    private static String receiver(String text, int dot) {
        int s = dot;
        while (s > 0 && (Character.isJavaIdentifierPart(text.charAt(s - 1)) || text.charAt(s - 1) == ')')) {
            s--;
        }
        return text.substring(s, dot).trim();
    }

    private static int matching(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Comments and string literals replaced by spaces (newlines kept, so line numbers hold). */
    private static String stripComments(String code) {
        StringBuilder b = new StringBuilder(code.length());
        int i = 0;
        while (i < code.length()) {
            char c = code.charAt(i);
            if (c == '/' && i + 1 < code.length() && code.charAt(i + 1) == '/') {
                while (i < code.length() && code.charAt(i) != '\n') {
                    b.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < code.length() && code.charAt(i + 1) == '*') {
                int end = code.indexOf("*/", i + 2);
                end = end < 0 ? code.length() : end + 2;
                for (; i < end; i++) {
                    b.append(code.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else if (c == '"') {
                b.append(' ');
                i++;
                while (i < code.length() && code.charAt(i) != '"') {
                    if (code.charAt(i) == '\\') {
                        b.append(' ');
                        i++;
                    }
                    b.append(code.charAt(i) == '\n' ? '\n' : ' ');
                    i++;
                }
                b.append(' ');
                i++;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }
}
