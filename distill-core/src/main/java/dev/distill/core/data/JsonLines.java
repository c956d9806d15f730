package dev.distill.core.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Objects;

/**
 * JSON Lines: one JSON object per line, e.g. {@code {"text": "...", "label": "pos"}}. The text
 * field must hold a string; the optional pair field a string; the optional label field a string,
 * a number or a boolean (kept as written). Blank lines are passed over; anything else that is not
 * an object with those fields is a data error naming the line.
 */
public final class JsonLines {

    private JsonLines() {}

    /**
     * Streams a JSON Lines file, one JSON object per line, one example per object.
     *
     * @param file the file, UTF-8
     * @param textField the field holding the text (required in every record)
     * @param pairField the field holding the second text of a pair, or {@code null}
     * @param labelField the field holding the label, or {@code null}
     * @param policy what a bad line does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples; close it after use
     */
    public static RecordStream<TextExample> open(Path file, String textField, String pairField, String labelField,
            ErrorPolicy policy) {
        Objects.requireNonNull(textField, "textField");
        Utf8Lines lines = Utf8Lines.open(file);
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
                    try {
                        return parse(line.text(), lines.source() + ":" + line.number());
                    } catch (RecordError e) {
                        refuse(new DataException(lines.source(), line.number(), e.getMessage()));
                    }
                }
                return null;
            }

            private TextExample parse(String text, String origin) {
                JsonElement el;
                try {
                    el = JsonParser.parseString(text);
                } catch (JsonParseException e) {
                    throw new RecordError("not valid JSON (" + rootCause(e) + ")");
                }
                if (!el.isJsonObject()) {
                    throw new RecordError("expected a JSON object per line, found " + kind(el));
                }
                JsonObject o = el.getAsJsonObject();
                String t = string(o, textField, true, false);
                String p = pairField == null ? null : string(o, pairField, true, false);
                String l = labelField == null ? null : string(o, labelField, true, true);
                return new TextExample(t, p, l, origin);
            }

            @Override
            protected void closeSource() {
                lines.close();
            }
        };
    }

    private static String string(JsonObject o, String field, boolean required, boolean scalarOk) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            if (required) {
                throw new RecordError("field \"" + field + "\" is missing; fields present: " + o.keySet());
            }
            return null;
        }
        if (v.isJsonPrimitive() && (v.getAsJsonPrimitive().isString() || scalarOk)) {
            return v.getAsString();
        }
        throw new RecordError("field \"" + field + "\" must be a " + (scalarOk ? "string, number or boolean" : "string")
                + ", found " + kind(v));
    }

    private static String kind(JsonElement e) {
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        return e.getAsJsonPrimitive().isString() ? "a string" : e.getAsJsonPrimitive().isNumber() ? "a number"
                : "a boolean";
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** A record-level problem, turned into a {@link DataException} with file and line by the caller. */
    static final class RecordError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RecordError(String message) {
            super(message, null, false, false);
        }
    }
}
