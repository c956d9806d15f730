package dev.distill.core.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * SQuAD v1.1 JSON ({@code {"version": …, "data": [{"title", "paragraphs": [{"context", "qas":
 * [{"id", "question", "answers": [{"text", "answer_start"}]}]}]}]}}), streamed one article at a
 * time so a large file is never held whole. Each question becomes one {@link Question}; its answers
 * are checked: {@code answer_start} must be a character offset into the context where the
 * answer text occurs verbatim (a data error names the question id otherwise). Offsets are UTF-16
 * code units, as Python's str indices are for text in the Basic Multilingual Plane.
 */
public final class SquadReader {

    /**
     * One answer: its text and the character offset where it starts in the context.
     *
     * @param text the answer as written in the context
     * @param start its first character's offset into the context, in UTF-16 code units
     */
    public record Answer(String text, int start) {
        /**
         * One past the last character.
         *
         * @return {@code start + text.length()}
         */
        public int end() {
            return start + text.length();
        }
    }

    /**
     * One question about one context.
     *
     * @param id the question's id in the file
     * @param title the article's title
     * @param context the paragraph the question is about
     * @param question the question
     * @param answers at least one for training data (v1.1 has no unanswerable questions)
     * @param origin where it was read, e.g. {@code train.json:question-id}
     */
    public record Question(String id, String title, String context, String question, List<Answer> answers,
            String origin) {
        /**
         * Checks the texts and copies the answers.
         *
         * @param id the question's id
         * @param title the article's title
         * @param context the paragraph; not null
         * @param question the question; not null
         * @param answers the answers; copied
         * @param origin where it was read
         * @throws NullPointerException if the context, the question or the answer list is null
         */
        public Question {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(question, "question");
            answers = List.copyOf(answers);
        }
    }

    private SquadReader() {}

    /**
     * Streams the questions of a SQuAD v1.1 file.
     *
     * @param file a SQuAD v1.1 JSON file, UTF-8
     * @param policy what a bad question does: fail, or be skipped and counted (null: fail)
     * @return a stream of questions in file order; close it after use
     */
    public static RecordStream<Question> open(Path file, ErrorPolicy policy) {
        String src = file.toString();
        Reader r;
        try {
            r = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
        JsonReader json = new JsonReader(r);
        try {
            json.beginObject();
            boolean found = false;
            while (json.hasNext()) {
                String name = json.nextName();
                if (name.equals("data")) {
                    found = true;
                    break;
                }
                json.skipValue();
            }
            if (!found) {
                throw new DataException(src, "top level", "no \"data\" array; a SQuAD v1.1 file is {\"version\": …,"
                        + " \"data\": [articles]}");
            }
            if (json.peek() != JsonToken.BEGIN_ARRAY) {
                throw new DataException(src, "data", "\"data\" must be an array of articles, found " + json.peek());
            }
            json.beginArray();
        } catch (IOException | IllegalStateException | JsonParseException e) {
            closeQuietly(json);
            throw new DataException(src, "top level", "not a SQuAD JSON file: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(json);
            throw e;
        }
        return new RecordStream<>(policy) {
            private int article = -1;
            private final List<Question> pending = new ArrayList<>();

            @Override
            protected Question readNext() {
                while (pending.isEmpty()) {
                    JsonElement el;
                    try {
                        if (!json.hasNext()) {
                            return null;
                        }
                        article++;
                        el = JsonParser.parseReader(json);
                    } catch (IOException | JsonParseException | IllegalStateException e) {
                        // The document itself is broken: nothing after this point can be trusted.
                        throw new DataException(src, "article " + article, "malformed JSON: " + e.getMessage());
                    }
                    parseArticle(el, article, src, pending, this::refuse);
                }
                return pending.remove(0);
            }

            @Override
            protected void closeSource() {
                closeQuietly(json);
            }
        };
    }

    private static void parseArticle(JsonElement el, int index, String src, List<Question> out,
            java.util.function.Consumer<DataException> refuse) {
        String where = "article " + index;
        if (!el.isJsonObject() || !el.getAsJsonObject().has("paragraphs")
                || !el.getAsJsonObject().get("paragraphs").isJsonArray()) {
            refuse.accept(new DataException(src, where, "an article must be an object with a \"paragraphs\" array"));
            return;
        }
        JsonObject a = el.getAsJsonObject();
        String title = a.has("title") && a.get("title").isJsonPrimitive() ? a.get("title").getAsString() : "";
        int p = -1;
        for (JsonElement pe : a.getAsJsonArray("paragraphs")) {
            p++;
            String pWhere = where + " paragraph " + p;
            if (!pe.isJsonObject() || !isString(pe.getAsJsonObject(), "context")
                    || !pe.getAsJsonObject().has("qas") || !pe.getAsJsonObject().get("qas").isJsonArray()) {
                refuse.accept(new DataException(src, pWhere, "a paragraph needs a string \"context\" and a \"qas\""
                        + " array"));
                continue;
            }
            String context = pe.getAsJsonObject().get("context").getAsString();
            int q = -1;
            for (JsonElement qe : pe.getAsJsonObject().getAsJsonArray("qas")) {
                q++;
                try {
                    out.add(question(qe, title, context, src + ":" + pWhere + " question " + q));
                } catch (JsonLines.RecordError e) {
                    String id = qe.isJsonObject() && isString(qe.getAsJsonObject(), "id")
                            ? "question id " + qe.getAsJsonObject().get("id").getAsString()
                            : pWhere + " question " + q;
                    refuse.accept(new DataException(src, id, e.getMessage()));
                }
            }
        }
    }

    private static Question question(JsonElement qe, String title, String context, String origin) {
        if (!qe.isJsonObject()) {
            throw new JsonLines.RecordError("a question must be an object");
        }
        JsonObject o = qe.getAsJsonObject();
        if (!isString(o, "id") || !isString(o, "question")) {
            throw new JsonLines.RecordError("a question needs string \"id\" and \"question\" fields");
        }
        if (!o.has("answers") || !o.get("answers").isJsonArray()) {
            throw new JsonLines.RecordError("a question needs an \"answers\" array");
        }
        List<Answer> answers = new ArrayList<>();
        for (JsonElement ae : o.getAsJsonArray("answers")) {
            if (!ae.isJsonObject() || !isString(ae.getAsJsonObject(), "text")
                    || !ae.getAsJsonObject().has("answer_start")
                    || !ae.getAsJsonObject().get("answer_start").isJsonPrimitive()
                    || !ae.getAsJsonObject().get("answer_start").getAsJsonPrimitive().isNumber()) {
                throw new JsonLines.RecordError("an answer needs a string \"text\" and a number \"answer_start\"");
            }
            String text = ae.getAsJsonObject().get("text").getAsString();
            int start = ae.getAsJsonObject().get("answer_start").getAsInt();
            if (start < 0 || start + text.length() > context.length()
                    || !context.regionMatches(start, text, 0, text.length())) {
                String found = start < 0 || start >= context.length() ? "<outside the context of length "
                        + context.length() + ">" : "'" + context.substring(start,
                                Math.min(context.length(), start + text.length())) + "'";
                throw new JsonLines.RecordError("answer '" + text + "' does not occur at answer_start " + start
                        + " (the context has " + found + " there); answer_start must be a character offset");
            }
            answers.add(new Answer(text, start));
        }
        return new Question(o.get("id").getAsString(), title, context, o.get("question").getAsString(), answers,
                origin);
    }

    private static boolean isString(JsonObject o, String field) {
        return o.has(field) && o.get(field).isJsonPrimitive() && o.get(field).getAsJsonPrimitive().isString();
    }

    private static void closeQuietly(JsonReader json) {
        try {
            json.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
