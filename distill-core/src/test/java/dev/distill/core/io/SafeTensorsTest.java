package dev.distill.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SafeTensors against an independent reference: {@code scripts/safetensors_numpy.py}, a numpy
 * reader/writer written from the published format. The committed fixture and its expected values
 * were produced by that script; files Java writes are read back by it when Python is present.
 */
class SafeTensorsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ the reference fixture

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafeTensorsTest.class.getResource("/safetensors/" + name).toURI());
    }

    @Test
    void readsTheNumpyWrittenFixtureExactly() throws Exception {
        SafeTensorsFile f = SafeTensors.read(resource("reference.safetensors"));
        JsonObject expected = JsonParser.parseString(
                Files.readString(resource("reference.json"))).getAsJsonObject();

        Map<String, String> meta = new LinkedHashMap<>();
        expected.getAsJsonObject("__metadata__").entrySet()
                .forEach(e -> meta.put(e.getKey(), e.getValue().getAsString()));
        assertEquals(meta, f.metadata());

        // The script writes the header sorted by name but the data in another order.
        assertEquals(List.of("bf16", "empty", "encoder.layer.0.weight", "half", "ids", "scalar"),
                new ArrayList<>(f.tensors().keySet()));
        assertEquals(expected.size() - 1, f.tensors().size());
        for (Map.Entry<String, JsonElement> e : expected.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            assertMatches(e.getKey(), e.getValue().getAsJsonObject(), f.tensor(e.getKey()));
        }
        assertEquals(0, f.tensor("scalar").shape().length, "0-d tensor keeps an empty shape");
    }

    @Test
    void bf16AndFp16BecomeTheRightFloat32NDArrays() throws Exception {
        SafeTensorsFile f = SafeTensors.read(resource("reference.safetensors"));
        // Hand-derived: bf16 0x4049 = 3.140625, 0x3EAB = 0.333984375; fp16 0x2E66 = 0.0999755859375.
        float[] bf16 = {1.0f, -2.0f, 3.140625f, 0.00099945068359375f, -65536.0f, 0.333984375f};
        float[] fp16 = {1.0f, -2.5f, 0.0999755859375f, 65504.0f, 5.960464477539063e-08f, 0.333251953125f};
        assertArrayEquals(bf16, f.tensor("bf16").toFloats());
        assertArrayEquals(fp16, f.tensor("half").toFloats());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray b = f.tensor("bf16").toNDArray(m);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, b.getDataType());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3), b.getShape());
            assertArrayEquals(bf16, b.toFloatArray());
            NDArray h = f.tensor("half").toNDArray(m);
            assertArrayEquals(fp16, h.toFloatArray());
            assertArrayEquals(new long[] {0, -1, 9007199254740993L, -4611686018427387901L},
                    f.tensor("ids").toNDArray(m).toLongArray());
        }
    }

    /** Compares a tensor with {dtype, shape, values} as the numpy script prints them. */
    private static void assertMatches(String name, JsonObject want, TensorData got) {
        assertEquals(want.get("dtype").getAsString(), got.dtype().name(), name);
        long[] shape = new long[want.getAsJsonArray("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = want.getAsJsonArray("shape").get(i).getAsLong();
        }
        assertArrayEquals(shape, got.shape(), name);
        JsonArray values = want.getAsJsonArray("values");
        assertEquals(values.size(), got.numElements(), name);
        ByteBuffer b = got.data();
        for (int i = 0; i < values.size(); i++) {
            JsonElement v = values.get(i);
            String at = name + "[" + i + "]";
            switch (got.dtype()) {
                case F64:
                    assertEquals(Double.doubleToLongBits(v.getAsDouble()),
                            Double.doubleToLongBits(b.getDouble(i * 8)), at);
                    break;
                case F32:
                case F16:
                case BF16:
                    // Exact: every value is a float32 printed as a double; -0.0 and NaN compare too.
                    assertEquals(Float.floatToIntBits((float) v.getAsDouble()),
                            Float.floatToIntBits(got.toFloats()[i]), at);
                    break;
                case I64:
                    assertEquals(v.getAsLong(), b.getLong(i * 8), at);
                    break;
                case I32:
                    assertEquals(v.getAsLong(), b.getInt(i * 4), at);
                    break;
                case I16:
                    assertEquals(v.getAsLong(), b.getShort(i * 2), at);
                    break;
                case I8:
                    assertEquals(v.getAsLong(), b.get(i), at);
                    break;
                case U8:
                    assertEquals(v.getAsLong(), b.get(i) & 0xff, at);
                    break;
                case BOOL:
                    assertEquals(v.getAsBoolean() ? 1 : 0, b.get(i), at);
                    break;
                default:
                    fail("untested dtype " + got.dtype());
            }
        }
    }

    // ------------------------------------------------------------------ writing

    /** One tensor of every dtype, with edge values (NaN, ±inf, -0, extremes, 0-d, empty). */
    static Map<String, TensorData> everyDtype() {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("f64", tensor(TensorData.DType.F64, new long[] {3}, b -> b.putDouble(Math.PI)
                .putDouble(-Double.MAX_VALUE).putDouble(Double.MIN_VALUE)));
        t.put("f32", TensorData.ofFloats(new long[] {2, 3},
                new float[] {1.5f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, 1e-8f}));
        // fp16 bits: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
        t.put("f16", tensor(TensorData.DType.F16, new long[] {2, 2}, b -> b.putShort((short) 0x3C00)
                .putShort((short) 0xC000).putShort((short) 0x7BFF).putShort((short) 0x0001)));
        // bf16 bits: 1.0 = 0x3F80, -0.5 = 0xBF00, 3.140625 = 0x4049
        t.put("bf16", tensor(TensorData.DType.BF16, new long[] {3}, b -> b.putShort((short) 0x3F80)
                .putShort((short) 0xBF00).putShort((short) 0x4049)));
        t.put("i64", tensor(TensorData.DType.I64, new long[] {3}, b -> b.putLong(Long.MIN_VALUE)
                .putLong(Long.MAX_VALUE).putLong((1L << 53) + 1)));
        t.put("i32", tensor(TensorData.DType.I32, new long[] {2}, b -> b.putInt(Integer.MIN_VALUE).putInt(7)));
        t.put("i16", tensor(TensorData.DType.I16, new long[] {2}, b -> b.putShort(Short.MIN_VALUE)
                .putShort((short) 300)));
        t.put("i8", tensor(TensorData.DType.I8, new long[] {3}, b -> b.put((byte) -128).put((byte) 127)
                .put((byte) 0)));
        t.put("u8", tensor(TensorData.DType.U8, new long[] {2}, b -> b.put((byte) 255).put((byte) 1)));
        t.put("bool", tensor(TensorData.DType.BOOL, new long[] {1, 3}, b -> b.put((byte) 1).put((byte) 0)
                .put((byte) 1)));
        t.put("scalar", TensorData.ofFloats(new long[0], new float[] {-7.25f}));
        t.put("empty", TensorData.ofFloats(new long[] {0, 4}, new float[0]));
        t.put("name with \"quotes\", ü and ☃", TensorData.ofFloats(new long[] {1}, new float[] {2f}));
        return t;
    }

    interface Filler {
        void fill(ByteBuffer b);
    }

    static TensorData tensor(TensorData.DType dtype, long[] shape, Filler filler) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer b = ByteBuffer.allocate((int) n * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        filler.fill(b);
        if (b.hasRemaining()) {
            throw new IllegalStateException("filler left " + b.remaining() + " bytes");
        }
        return new TensorData(dtype, shape, b.flip());
    }

    @Test
    void roundTripsEveryDtypeWithMetadataAndOrder() throws IOException {
        Map<String, TensorData> tensors = everyDtype();
        Map<String, String> meta = Map.of("format", "pt", "note", "{\"json\": inside} </script>");
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, tensors, meta);

        SafeTensorsFile back = SafeTensors.read(file);
        assertEquals(new ArrayList<>(tensors.keySet()), new ArrayList<>(back.tensors().keySet()));
        assertEquals(tensors, back.tensors());
        assertEquals(meta, back.metadata());

        // Layout: the header is padded to 8 bytes and the data follows with no gap.
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header length " + n + " must be a multiple of 8");
        long data = tensors.values().stream().mapToLong(t -> t.data().remaining()).sum();
        assertEquals(8 + n + data, bytes.length);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{"), header);
        assertTrue(header.contains("</script>"), "no HTML escaping: " + header);
    }

    @Test
    void writtenFileReadsTheSameInTheNumpyReference() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "skipped: /usr/bin/python3 is absent (CI has no Python);"
                + " the committed fixture test covers reading");
        assumeTrue(run(python.toString(), "-c", "import numpy").exitCode == 0,
                "skipped: /usr/bin/python3 has no numpy");
        Path script = findScript();
        Map<String, TensorData> tensors = everyDtype();
        Path file = dir.resolve("from-java.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt", "k", "v"));

        Result r = run(python.toString(), script.toString(), "summary", file.toString());
        assertEquals(0, r.exitCode, "numpy reference rejected the file: " + r.output);
        JsonObject summary = JsonParser.parseString(r.output).getAsJsonObject();
        assertEquals("pt", summary.getAsJsonObject("__metadata__").get("format").getAsString());
        assertEquals("v", summary.getAsJsonObject("__metadata__").get("k").getAsString());
        assertEquals(tensors.size() + 1, summary.size());
        for (Map.Entry<String, TensorData> t : tensors.entrySet()) {
            JsonElement want = summary.get(t.getKey());
            assertTrue(want != null, "numpy reader lacks tensor '" + t.getKey() + "'");
            assertMatches(t.getKey(), want.getAsJsonObject(), t.getValue());
        }
    }

    private static Path findScript() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("scripts/safetensors_numpy.py");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/safetensors_numpy.py not found above " + Path.of("").toAbsolutePath());
    }

    private static final class Result {
        final int exitCode;
        final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void rejectsTheReservedMetadataName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(
                dir.resolve("x.safetensors"), Map.of("__metadata__", TensorData.ofFloats(new long[] {1},
                        new float[] {1}))));
        assertTrue(e.getMessage().contains("reserves"), e.getMessage());
    }

    // ------------------------------------------------------------------ atomicity

    @Test
    void aWriteThatFailsMidwayLeavesTheOldFileIntact() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("w", TensorData.ofFloats(new long[] {2}, new float[] {1, 2})));
        byte[] before = Files.readAllBytes(file);

        // The real serializer, on a channel that fails like a full disk after 1 MB of 4 MB.
        Map<String, TensorData> big = new LinkedHashMap<>();
        big.put("a", TensorData.ofFloats(new long[] {1 << 20}, new float[1 << 20]));
        big.put("b", TensorData.ofFloats(new long[] {3}, new float[] {1, 2, 3}));
        AtomicFiles.ChannelWriter real = SafeTensors.writer(new ArrayList<>(big.entrySet()), Map.of());
        IOException e = assertThrows(IOException.class,
                () -> AtomicFiles.write(file, ch -> real.writeTo(new FailingChannel(ch, 1_000_000))));
        assertEquals("No space left on device (simulated)", e.getCause().getMessage());
        assertTrue(e.getMessage().endsWith(": No space left on device (simulated) (the disk is full); what was there"
                + " before is unchanged; free some space and run again"), e.getMessage());

        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir(), "the temporary file must be removed");
        assertEquals(List.of("w"), new ArrayList<>(SafeTensors.read(file).tensors().keySet()));

        // The same writer on a healthy channel produces a readable file: the failure was the channel.
        AtomicFiles.write(file, real);
        assertEquals(big, SafeTensors.read(file).tensors());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.collect(Collectors.toList());
        }
    }

    // ------------------------------------------------------------------ large files

    @Test
    void readsTensorsPastTwoGibAndRejectsOneTensorAboveIt() throws IOException {
        // A sparse file: 'big' is 2^31 + 8 zero bytes that never touch the disk, 'small' follows.
        long bigBytes = (1L << 31) + 8;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + bigBytes + "],\"data_offsets\":[0,"
                + bigBytes + "]},\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + bigBytes
                + "," + (bigBytes + 8) + "]}}";
        byte[] h = pad(header);
        Path file = dir.resolve("sparse.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
            ch.write(ByteBuffer.wrap(h));
            ByteBuffer small = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0.5f)
                    .putFloat(4, -3f);
            ch.write(small, 8 + h.length + bigBytes);
        }
        SafeTensorsFile part = SafeTensors.read(file, name -> name.equals("small"));
        assertEquals(Set.of("small"), part.tensors().keySet());
        assertArrayEquals(new float[] {0.5f, -3f}, part.tensor("small").toFloats());

        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SafeTensors.read(file));
        assertMessage(e, file, "'big'", "2147483656 bytes", "below 2 GiB");
    }

    // ------------------------------------------------------------------ bad input

    /** A header string padded with spaces to 8 bytes. */
    private static byte[] pad(String header) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    private Path file(String name, long headerLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] h = pad(header);
        return file(name, h.length, h, dataBytes);
    }

    private static void assertMessage(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message must name the file: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "message must contain \"" + part + "\": " + m);
        }
    }

    private static MalformedFileException bad(Path file) {
        return assertThrows(MalformedFileException.class, () -> SafeTensors.read(file));
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":["
                + begin + "," + end + "]}";
    }

    @Test
    void rejectsAFileShorterThanEightBytes() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3, 4, 5});
        assertMessage(bad(p), p, "5 bytes", "8-byte header length");
    }

    @Test
    void rejectsAHeaderLengthPastTheEnd() throws IOException {
        Path p = file("past.safetensors", 1000, pad("{}"), 4);
        assertMessage(bad(p), p, "header length 1000", "past the end", "at most 12");
    }

    @Test
    void rejectsAnAbsurdHeaderLength() throws IOException {
        Path p = file("huge.safetensors", 1L << 40, pad("{}"), 0);
        assertMessage(bad(p), p, "1099511627776", "100000000-byte limit");
        Path q = file("negative.safetensors", -1L, pad("{}"), 0);
        assertMessage(bad(q), q, "18446744073709551615", "limit");
        Path z = file("tiny.safetensors", 1, pad("{}"), 0);
        assertMessage(bad(z), z, "header length 1", "cannot hold a JSON object");
    }

    @Test
    void rejectsHeadersThatAreNotAJsonObject() throws IOException {
        Path notJson = file("notjson.safetensors", "{\"a\": nope}", 0);
        assertMessage(bad(notJson), notJson, "not valid safetensors JSON");
        Path array = file("array.safetensors", "[1, 2]", 0);
        assertMessage(bad(array), array, "must be a JSON object", "'['");
        Path trailing = file("trailing.safetensors", "{} {}", 0);
        assertMessage(bad(trailing), trailing, "not valid safetensors JSON");
        byte[] latin1 = pad("{\"\u00e9\":1}");
        latin1[2] = (byte) 0xE9; // a lone Latin-1 byte is not UTF-8
        Path notUtf8 = file("latin1.safetensors", latin1.length, latin1, 0);
        assertMessage(bad(notUtf8), notUtf8, "not valid UTF-8");
        Path dup = file("dup.safetensors", "{" + entry("w", "F32", "[1]", 0, 4) + ","
                + entry("w", "F32", "[1]", 4, 8) + "}", 8);
        assertMessage(bad(dup), dup, "'w' twice");
        Path meta = file("meta.safetensors", "{\"__metadata__\":{\"epoch\":3}}", 0);
        assertMessage(bad(meta), meta, "'epoch'", "only string values");
    }

    @Test
    void rejectsEntriesMissingAField() throws IOException {
        String[][] cases = {
            {"dtype", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}"},
            {"shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}"},
            {"data_offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}"},
        };
        for (String[] c : cases) {
            Path p = file("missing-" + c[0] + ".safetensors", c[1], 4);
            assertMessage(bad(p), p, "tensor 'w' has no '" + c[0] + "'");
        }
        Path notObject = file("notobject.safetensors", "{\"w\":[1,2]}", 0);
        assertMessage(bad(notObject), notObject, "tensor 'w'", "must map to an object");
    }

    @Test
    void rejectsUnknownDtypesAndBadNumbers() throws IOException {
        Path q4 = file("q4.safetensors", "{" + entry("w", "Q4", "[2]", 0, 1) + "}", 1);
        assertMessage(bad(q4), q4, "tensor 'w'", "dtype 'Q4'", "supported: [F64, F32");
        Path f8 = file("f8.safetensors", "{" + entry("w", "F8_E4M3", "[2]", 0, 2) + "}", 2);
        assertMessage(bad(f8), f8, "dtype 'F8_E4M3'");
        Path neg = file("neg.safetensors", "{" + entry("w", "F32", "[-1]", 0, 4) + "}", 4);
        assertMessage(bad(neg), neg, "tensor 'w': shape holds -1", ">= 0");
        Path frac = file("frac.safetensors", "{" + entry("w", "F32", "[2.5]", 0, 4) + "}", 4);
        assertMessage(bad(frac), frac, "tensor 'w': shape holds 2.5", "not an integer");
        Path three = file("three.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[0,4,8]}}", 4);
        assertMessage(bad(three), three, "tensor 'w'", "[0, 4, 8]", "exactly [BEGIN, END]");
    }

    @Test
    void rejectsBadOffsets() throws IOException {
        Path reversed = file("reversed.safetensors", "{" + entry("w", "F32", "[1]", 4, 0) + "}", 4);
        assertMessage(bad(reversed), reversed, "tensor 'w'", "[4, 0]", "BEGIN must not exceed END");

        Path size = file("size.safetensors", "{" + entry("w", "F32", "[2,3]", 0, 20) + "}", 20);
        assertMessage(bad(size), size, "tensor 'w'", "spanning 20 bytes", "[2, 3]", "needs 24 bytes");

        Path past = file("past-data.safetensors", "{" + entry("w", "F32", "[2]", 0, 8) + "}", 4);
        assertMessage(bad(past), past, "tensor 'w'", "past the end of the data buffer", "4 bytes");

        Path gap = file("gap.safetensors", "{" + entry("a", "F32", "[1]", 0, 4) + ","
                + entry("b", "F32", "[1]", 8, 12) + "}", 12);
        assertMessage(bad(gap), gap, "bytes [4, 8)", "tensor 'b'", "fully indexed");

        Path overlap = file("overlap.safetensors", "{" + entry("a", "F32", "[2]", 0, 8) + ","
                + entry("b", "F32", "[1]", 4, 8) + "}", 8);
        assertMessage(bad(overlap), overlap, "tensor 'b' [4, 8) overlaps tensor 'a' [0, 8)");

        Path tail = file("tail.safetensors", "{" + entry("a", "F32", "[1]", 0, 4) + "}", 8);
        assertMessage(bad(tail), tail, "last 4 bytes", "belong to no tensor");

        Path overflow = file("overflow.safetensors", "{" + entry("a", "F64",
                "[4611686018427387904,4]", 0, 8) + "}", 8);
        assertMessage(bad(overflow), overflow, "tensor 'a'", "overflows 64 bits");
    }

    @Test
    void acceptsPaddingEmptyTensorsAndAnEmptyFile() throws IOException {
        Path empty = file("nothing.safetensors", "{}", 0);
        assertEquals(0, SafeTensors.read(empty).tensors().size());
        Path zero = file("zero.safetensors", "{" + entry("e", "F32", "[0,5]", 0, 0) + ","
                + entry("s", "I8", "[]", 0, 1) + "}", 1);
        SafeTensorsFile f = SafeTensors.read(zero);
        assertEquals(0, f.tensor("e").numElements());
        assertEquals(1, f.tensor("s").numElements());
    }
}
