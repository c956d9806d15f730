package dev.distill.models.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.distill.core.io.MalformedFileException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Strict reading of the small JSON files of a model directory: every problem names the file. */
final class JsonFiles {

    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private JsonFiles() {}

    /**
     * Reads one JSON value from {@code file}: valid UTF-8, strict JSON, nothing after the value.
     *
     * @throws MalformedFileException naming the file and what is wrong (line and column of a syntax error)
     */
    static JsonElement read(Path file) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFileException(file, "is not valid UTF-8 (" + e + ")", e);
        }
        if (text.isBlank()) {
            throw new MalformedFileException(file, "is empty; it must hold JSON");
        }
        try (JsonReader r = new JsonReader(new StringReader(text))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement root = ELEMENTS.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new MalformedFileException(file, "is not valid JSON: text follows the top-level value");
            }
            return root;
        } catch (MalformedFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | com.google.gson.JsonParseException e) {
            String why = e.getMessage();
            Throwable cause = e.getCause();
            if (cause != null && cause.getMessage() != null && e instanceof com.google.gson.JsonParseException) {
                why = cause.getMessage();
            }
            throw new MalformedFileException(file, "is not valid JSON (" + oneLine(why) + "); fix the file or restore it"
                    + " from the model's source", e);
        }
    }

    /** Gson's syntax messages, without the advice to read JSON leniently and the link to its guide. */
    static String oneLine(String gsonMessage) {
        if (gsonMessage == null) {
            return "unreadable";
        }
        return gsonMessage.replaceAll("(?s)\\s*See https://.*$", "")
                .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .replaceAll("\\s+", " ").strip();
    }
}
