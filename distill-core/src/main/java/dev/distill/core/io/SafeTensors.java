// Over 400 lines: the safetensors reader and writer together (401 lines of code), so the format
// lives in one place; the rest is Javadoc.
package dev.distill.core.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, the one Hugging Face {@code model.safetensors} files use:
 *
 * <pre>
 * [ 8 bytes ]  N, the header length, unsigned 64-bit little-endian
 * [ N bytes ]  UTF-8 JSON object, starting with '{', possibly padded at the end with spaces:
 *              {"__metadata__": {"k": "v", ...},                      (optional, strings only)
 *               "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]}, ...}
 * [ rest    ]  the data buffer; BEGIN and END (exclusive) count from its first byte, elements
 *              are little-endian in row-major order, and every byte belongs to exactly one tensor
 * </pre>
 *
 * <p><b>Errors.</b> A file that breaks a rule of the format throws {@link MalformedFileException}
 * (an {@link java.io.IOException}); its message names the file, the tensor, the value and the
 * rule. Bad arguments from the caller (a reserved or {@code null} name) throw
 * {@link IllegalArgumentException} / {@link NullPointerException}.
 *
 * <p><b>Memory.</b> Reading maps each tensor's bytes with a {@link FileChannel} and copies them to
 * a heap buffer, so the returned tensors do not depend on the file afterwards (it may be replaced
 * or deleted). Files of any size work; a single tensor must fit one Java buffer (below 2 GiB).
 * Elements keep their stored type: {@link TensorData#toNDArray} turns BF16 and F16 into float32 in
 * Java, since DJL's PyTorch JNI crashes on bf16.
 *
 * <p>Writing goes through {@link AtomicFiles}: an interrupted write leaves the previous file.
 * Note for Hugging Face {@code transformers}: it refuses weight files whose metadata lacks
 * {@code "format": "pt"}; exporters should pass that entry.
 */
public final class SafeTensors {

    /** The header key that holds the metadata map rather than a tensor. */
    public static final String METADATA_KEY = "__metadata__";

    /**
     * Largest header accepted, in bytes: the reference implementation's limit. A larger value
     * means a corrupt file or not a safetensors file at all.
     */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Largest tensor one Java buffer holds. */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    private SafeTensors() {}

    /**
     * Reads every tensor and the metadata of {@code file}.
     *
     * @param file the file
     * @return its tensors, in file order, each with heap bytes of its own, and its metadata
     * @throws MalformedFileException if the file is not a valid safetensors file (the message names the
     *         file and what is wrong)
     * @throws IOException if the file cannot be read
     */
    public static SafeTensorsFile read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /**
     * Reads the tensors whose name {@code include} accepts (the whole header is still validated),
     * and the metadata. Loading part of a large checkpoint costs only that part's memory.
     *
     * @param file the file
     * @param include which tensor names to load
     * @return the accepted tensors, in file order, and the metadata
     * @throws MalformedFileException if the file is not a valid safetensors file (the message names the
     *         file and what is wrong)
     * @throws IOException if the file cannot be read
     */
    public static SafeTensorsFile read(Path file, Predicate<String> include) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(include, "include");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new MalformedFileException(file, "file is " + size + " bytes long, shorter than"
                        + " the 8-byte header length every safetensors file starts with");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new MalformedFileException(file, "header length " + Long.toUnsignedString(n)
                        + " is beyond the " + MAX_HEADER_BYTES + "-byte limit: the file is corrupt or"
                        + " not a safetensors file");
            }
            if (n > size - 8) {
                throw new MalformedFileException(file, "header length " + n + " runs past the end of"
                        + " the file: the file is " + size + " bytes, so the header can be at most "
                        + (size - 8) + " (truncated download or copy?)");
            }
            if (n < 2) {
                throw new MalformedFileException(file, "header length " + n
                        + " cannot hold a JSON object (at least \"{}\", 2 bytes)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8, file);
            long dataStart = 8 + n;
            long dataLength = size - dataStart;
            Header header = parseHeader(file, headerBuf.array());
            validateLayout(file, header.entries, dataLength);

            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Entry e : header.entries) {
                if (!include.test(e.name)) {
                    continue;
                }
                long len = e.end - e.begin;
                if (len > MAX_TENSOR_BYTES) {
                    throw new MalformedFileException(file, "tensor '" + e.name + "' is " + len
                            + " bytes; one tensor must be below 2 GiB (" + MAX_TENSOR_BYTES
                            + " bytes) to fit a Java buffer. Read the other tensors with"
                            + " read(file, name -> !name.equals(\"" + e.name + "\")) or split it");
                }
                ByteBuffer heap = ByteBuffer.allocate((int) len);
                if (len > 0) {
                    heap.put(ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, len));
                    heap.flip();
                }
                tensors.put(e.name, new TensorData(e.dtype, e.shape, heap));
            }
            return new SafeTensorsFile(tensors, header.metadata);
        }
    }

    /**
     * Writes {@code tensors} with no metadata; see {@link #write(Path, Map, Map)}.
     *
     * @param file the target file
     * @param tensors tensors by name
     * @throws IOException if the file cannot be written; a previous file is then left intact
     */
    public static void write(Path file, Map<String, TensorData> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Atomically writes {@code tensors} (their data contiguous, in the map's iteration order) and
     * {@code metadata} to {@code file}. The header is padded with spaces to a multiple of 8
     * bytes, so the data buffer starts 8-byte aligned and can be memory-mapped as any type.
     *
     * @param file the target file
     * @param tensors tensors by name
     * @param metadata string pairs for the header's {@value #METADATA_KEY}, e.g. {@code format: pt}
     * @throws IllegalArgumentException if a name is {@value #METADATA_KEY}
     * @throws IOException if the file cannot be written; a previous file is then left intact
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        List<Map.Entry<String, TensorData>> items = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, TensorData> t : items) {
            Objects.requireNonNull(t.getKey(), "tensor name");
            Objects.requireNonNull(t.getValue(), () -> "tensor '" + t.getKey() + "'");
            if (t.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be called '" + METADATA_KEY
                        + "': the format reserves that key for the metadata map; rename it");
            }
        }
        metadata.forEach((k, v) -> {
            Objects.requireNonNull(k, "metadata key");
            Objects.requireNonNull(v, () -> "metadata value of '" + k + "'");
        });
        AtomicFiles.write(file, writer(items, metadata));
    }

    /** The bytes of a whole file, written to a channel: length, padded header, data. */
    static AtomicFiles.ChannelWriter writer(List<Map.Entry<String, TensorData>> items,
            Map<String, String> metadata) throws IOException {
        byte[] header = encodeHeader(items, metadata);
        return ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Map.Entry<String, TensorData> t : items) {
                AtomicFiles.writeFully(ch, t.getValue().data().duplicate());
            }
        };
    }

    /** The header JSON, UTF-8, padded with spaces to a multiple of 8 bytes. */
    static byte[] encodeHeader(List<Map.Entry<String, TensorData>> items, Map<String, String> metadata)
            throws IOException {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, TensorData> t : items) {
                TensorData d = t.getValue();
                long bytes = d.data().remaining();
                w.name(t.getKey()).beginObject();
                w.name("dtype").value(d.dtype().name());
                w.name("shape").beginArray();
                for (long s : d.shape()) {
                    w.value(s);
                }
                w.endArray();
                w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                w.endObject();
                offset += bytes;
            }
            w.endObject();
        }
        byte[] json = out.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    // ---------------------------------------------------------------- parsing and validation

    private static final class Entry {
        final String name;
        final TensorData.DType dtype;
        final long[] shape;
        final long begin;
        final long end;

        Entry(String name, TensorData.DType dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }
    }

    private static final class Header {
        final List<Entry> entries = new ArrayList<>();
        final Map<String, String> metadata = new LinkedHashMap<>();
    }

    private static Header parseHeader(Path file, byte[] bytes) throws MalformedFileException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFileException(file, "header is not valid UTF-8 (" + e + ")", e);
        }
        if (json.charAt(0) != '{') {
            throw new MalformedFileException(file, "header must be a JSON object starting with '{', but"
                    + " starts with " + describe(json.charAt(0)) + ": the file is corrupt or not"
                    + " safetensors");
        }
        Header header = new Header();
        Set<String> seen = new HashSet<>();
        String where = "header";
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw new MalformedFileException(file, "header has the key '" + name
                            + "' twice; the format forbids duplicate keys");
                }
                if (name.equals(METADATA_KEY)) {
                    where = "the " + METADATA_KEY + " map";
                    readMetadata(file, r, header.metadata);
                } else {
                    where = "tensor '" + name + "'";
                    header.entries.add(readEntry(file, r, name));
                }
                where = "header";
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new MalformedFileException(file, "header has content after its JSON object;"
                        + " only space padding may follow it");
            }
        } catch (MalformedFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new MalformedFileException(file, "header is not valid safetensors JSON (in " + where
                    + "): " + e.getMessage(), e);
        }
        return header;
    }

    private static void readMetadata(Path file, JsonReader r, Map<String, String> into) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new MalformedFileException(file, METADATA_KEY + " must be a JSON object of strings,"
                    + " found " + r.peek());
        }
        r.beginObject();
        while (r.hasNext()) {
            String k = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new MalformedFileException(file, METADATA_KEY + " value of '" + k + "' is a "
                        + r.peek() + "; the format allows only string values (write numbers as"
                        + " strings)");
            }
            if (into.put(k, r.nextString()) != null) {
                throw new MalformedFileException(file, METADATA_KEY + " has the key '" + k + "' twice");
            }
        }
        r.endObject();
    }

    private static Entry readEntry(Path file, JsonReader r, String name) throws IOException {
        String t = "tensor '" + name + "'";
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new MalformedFileException(file, t + " must map to an object with dtype, shape and"
                    + " data_offsets, found " + r.peek());
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype":
                    if (dtypeName != null || r.peek() != JsonToken.STRING) {
                        throw new MalformedFileException(file, t + ": dtype must be given once, as a string");
                    }
                    dtypeName = r.nextString();
                    break;
                case "shape":
                    if (shape != null) {
                        throw new MalformedFileException(file, t + ": shape is given twice");
                    }
                    shape = readNaturals(file, r, t + ": shape");
                    break;
                case "data_offsets":
                    if (offsets != null) {
                        throw new MalformedFileException(file, t + ": data_offsets is given twice");
                    }
                    offsets = readNaturals(file, r, t + ": data_offsets");
                    break;
                default:
                    r.skipValue(); // unknown keys are ignored, as by the reference implementation
            }
        }
        r.endObject();
        String missing = dtypeName == null ? "dtype"
                : shape == null ? "shape"
                : offsets == null ? "data_offsets"
                : null;
        if (missing != null) {
            throw new MalformedFileException(file, t + " has no '" + missing + "'; every tensor"
                    + " entry needs dtype, shape and data_offsets");
        }
        TensorData.DType dtype;
        try {
            dtype = TensorData.DType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file, t + " has dtype '" + dtypeName + "', which distill"
                    + " does not read; supported: " + Arrays.toString(TensorData.DType.values()));
        }
        if (offsets.length != 2) {
            throw new MalformedFileException(file, t + ": data_offsets " + Arrays.toString(offsets)
                    + " must be exactly [BEGIN, END]");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** An array of non-negative integers. */
    private static long[] readNaturals(Path file, JsonReader r, String what) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw new MalformedFileException(file, what + " must be an array of non-negative integers,"
                    + " found " + r.peek());
        }
        List<Long> values = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw new MalformedFileException(file, what + " must hold non-negative integers, found "
                        + r.peek());
            }
            String text = r.nextString();
            long v;
            try {
                v = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new MalformedFileException(file, what + " holds " + text
                        + ", which is not an integer that fits 64 bits");
            }
            if (v < 0) {
                throw new MalformedFileException(file, what + " holds " + v + "; it must be >= 0");
            }
            values.add(v);
        }
        r.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Checks each tensor's byte range against its dtype and shape, then that the ranges tile
     * {@code [0, dataLength)} exactly: no gap, no overlap, nothing past the end.
     */
    private static void validateLayout(Path file, List<Entry> entries, long dataLength)
            throws MalformedFileException {
        for (Entry e : entries) {
            String t = "tensor '" + e.name + "'";
            if (e.begin > e.end) {
                throw new MalformedFileException(file, t + " has data_offsets [" + e.begin + ", " + e.end
                        + "]: BEGIN must not exceed END");
            }
            long expected;
            try {
                long count = 1;
                for (long d : e.shape) {
                    count = Math.multiplyExact(count, d);
                }
                expected = Math.multiplyExact(count, (long) e.dtype.bytes());
            } catch (ArithmeticException overflow) {
                throw new MalformedFileException(file, t + " has shape " + Arrays.toString(e.shape)
                        + " whose size overflows 64 bits");
            }
            if (e.end - e.begin != expected) {
                throw new MalformedFileException(file, t + " has data_offsets [" + e.begin + ", " + e.end
                        + "] spanning " + (e.end - e.begin) + " bytes, but dtype " + e.dtype + " ("
                        + e.dtype.bytes() + " bytes) × shape " + Arrays.toString(e.shape) + " needs "
                        + expected + " bytes");
            }
            if (e.end > dataLength) {
                throw new MalformedFileException(file, t + " has data_offsets [" + e.begin + ", " + e.end
                        + "] past the end of the data buffer, which is " + dataLength
                        + " bytes (truncated file?)");
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.<Entry>comparingLong(e -> e.begin).thenComparingLong(e -> e.end));
        long cursor = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin > cursor) {
                throw new MalformedFileException(file, "bytes [" + cursor + ", " + e.begin + ") of the"
                        + " data buffer belong to no tensor (gap before tensor '" + e.name
                        + "'); the format requires the buffer to be fully indexed");
            }
            if (e.begin < cursor) {
                throw new MalformedFileException(file, "tensor '" + e.name + "' [" + e.begin + ", "
                        + e.end + ") overlaps tensor '" + previous.name + "' [" + previous.begin + ", "
                        + previous.end + "); tensors must not share bytes");
            }
            cursor = e.end;
            previous = e;
        }
        if (cursor != dataLength) {
            throw new MalformedFileException(file, "the last " + (dataLength - cursor) + " bytes of the"
                    + " data buffer (from offset " + cursor + " to " + dataLength + ") belong to no"
                    + " tensor; the format requires the buffer to be fully indexed");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file)
            throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new MalformedFileException(file, "file ended at byte " + p + " while reading");
            }
            p += n;
        }
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
