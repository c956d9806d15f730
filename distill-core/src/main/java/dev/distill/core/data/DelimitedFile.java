package dev.distill.core.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tab- or comma-separated files with a header row naming the columns; the text, pair and label
 * columns are chosen by name. Fields may be quoted with {@code "} (a quote inside is written
 * {@code ""}, RFC 4180); a quoted field may not span lines (a data error says so). Every row must
 * have as many fields as the header. Blank lines are passed over.
 */
public final class DelimitedFile {

    /** Tab-separated values; quotes are still honoured. */
    public static final char TAB = '\t';
    /** Comma-separated values. */
    public static final char COMMA = ',';

    private DelimitedFile() {}

    /**
     * The separator implied by the file name: tab for {@code .tsv}/{@code .tab}, comma otherwise.
     *
     * @param file the file
     * @return {@link #TAB} or {@link #COMMA}
     */
    public static char separatorFor(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".tsv") || n.endsWith(".tab") ? TAB : COMMA;
    }

    /**
     * Streams the rows of a delimited file with a header row, one example per row (RFC 4180
     * quoting; a quoted field may not span lines).
     *
     * @param file the file, UTF-8
     * @param separator {@link #TAB} or {@link #COMMA} (any single character works)
     * @param textColumn header name of the text column (required)
     * @param pairColumn header name of the second text, or {@code null}
     * @param labelColumn header name of the label, or {@code null}
     * @param policy what a bad row does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples; close it after use
     * @throws DataException if the header is missing or lacks a chosen column (whatever the policy)
     */
    public static RecordStream<TextExample> open(Path file, char separator, String textColumn, String pairColumn,
            String labelColumn, ErrorPolicy policy) {
        Objects.requireNonNull(textColumn, "textColumn");
        Utf8Lines lines = Utf8Lines.open(file);
        try {
            Utf8Lines.Line header;
            do {
                header = lines.next();
            } while (header != null && header.ok() && header.text().isBlank());
            if (header == null) {
                throw new DataException(file.toString(), 1, "the file is empty; it needs a header row naming the"
                        + " columns (e.g. text" + separator + "label)");
            }
            if (!header.ok()) {
                throw new DataException(file.toString(), header.number(), "header " + header.error());
            }
            List<String> names;
            try {
                names = split(header.text(), separator);
            } catch (JsonLines.RecordError e) {
                throw new DataException(file.toString(), header.number(), "header: " + e.getMessage());
            }
            int ti = column(names, textColumn, file, header.number());
            int pi = pairColumn == null ? -1 : column(names, pairColumn, file, header.number());
            int li = labelColumn == null ? -1 : column(names, labelColumn, file, header.number());
            int width = names.size();
            return new RecordStream<>(policy) {
                @Override
                protected TextExample readNext() {
                    Utf8Lines.Line line;
                    while ((line = lines.next()) != null) {
                        if (!line.ok()) {
                            refuse(new DataException(lines.source(), line.number(), line.error()));
                            continue;
                        }
                        if (line.text().isBlank()) {
                            continue;
                        }
                        List<String> f;
                        try {
                            f = split(line.text(), separator);
                        } catch (JsonLines.RecordError e) {
                            refuse(new DataException(lines.source(), line.number(), e.getMessage()));
                            continue;
                        }
                        if (f.size() != width) {
                            refuse(new DataException(lines.source(), line.number(), "expected " + width
                                    + " fields as in the header " + names + ", found " + f.size()
                                    + (separator == TAB ? " (tab-separated)" : " (separator '" + separator + "')")));
                            continue;
                        }
                        return new TextExample(f.get(ti), pi < 0 ? null : f.get(pi), li < 0 ? null : f.get(li),
                                lines.source() + ":" + line.number());
                    }
                    return null;
                }

                @Override
                protected void closeSource() {
                    lines.close();
                }
            };
        } catch (RuntimeException e) {
            lines.close();
            throw e;
        }
    }

    private static int column(List<String> names, String wanted, Path file, long line) {
        int i = names.indexOf(wanted);
        if (i < 0) {
            throw new DataException(file.toString(), line, "no column named '" + wanted + "' in the header; columns: "
                    + names);
        }
        return i;
    }

    /** Splits one line into fields, honouring RFC 4180 quotes. */
    static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            cur.setLength(0);
            if (i < n && line.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            cur.append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    cur.append(c);
                    i++;
                }
                if (!closed) {
                    throw new JsonLines.RecordError("unterminated quoted field (quoted fields may not span lines;"
                            + " a quote inside a field is written \"\")");
                }
                if (i < n && line.charAt(i) != sep) {
                    throw new JsonLines.RecordError("unexpected character '" + line.charAt(i) + "' after a closing"
                            + " quote at column " + (i + 1));
                }
            } else {
                while (i < n && line.charAt(i) != sep) {
                    cur.append(line.charAt(i));
                    i++;
                }
            }
            out.add(cur.toString());
            if (i >= n) {
                return out;
            }
            i++; // the separator
            if (i == n) {
                out.add("");
                return out;
            }
        }
    }

}
