package dev.distill.models.io.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An ONNX model file ({@code ModelProto}) read with this package's own protobuf wire-format
 * reader: the IR version, producer, operator sets and the main {@link OnnxGraph}.
 *
 * <p>The whole file is read into one byte array (protobuf caps a model at 2 GB) and parsed in one
 * pass; tensor payloads are not copied while parsing, so a 133 MB model parses in well under a
 * second. {@link OnnxTensor#toTensorData()} wraps slices of that array.
 */
public final class OnnxModel {

    private final String source;
    private final long irVersion;
    private final String producerName;
    private final String producerVersion;
    private final Map<String, Long> opsets;
    private final OnnxGraph graph;

    private OnnxModel(String source, long irVersion, String producerName, String producerVersion,
            Map<String, Long> opsets, OnnxGraph graph) {
        this.source = source;
        this.irVersion = irVersion;
        this.producerName = producerName;
        this.producerVersion = producerVersion;
        this.opsets = Collections.unmodifiableMap(opsets);
        this.graph = graph;
    }

    /**
     * Reads an {@code .onnx} file.
     *
     * @param file the file
     * @return the model
     * @throws OnnxFormatException if the file is not a valid ONNX model (naming the byte offset)
     * @throws IOException if it does not exist or cannot be read
     */
    public static OnnxModel read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new IOException("ONNX model " + file + " does not exist or is not a regular file");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Reads a model from a stream (read fully, not closed).
     *
     * @param in the bytes of an {@code .onnx} file
     * @param sourceName names the stream in error messages, e.g. a resource path
     * @return the model
     * @throws OnnxFormatException if the bytes are not a valid ONNX model
     * @throws IOException if the stream cannot be read
     */
    public static OnnxModel read(InputStream in, String sourceName) throws IOException {
        Objects.requireNonNull(in, () -> "input stream for " + sourceName + " is null (resource missing?)");
        return parse(in.readAllBytes(), sourceName);
    }

    /**
     * Parses the bytes of a model file. The array is kept, not copied: do not modify it.
     *
     * @param bytes the file's bytes
     * @param sourceName names them in error messages
     * @return the model
     * @throws OnnxFormatException if the bytes are not a valid ONNX model (naming the byte offset)
     * @throws IOException if a nested message cannot be read
     */
    public static OnnxModel parse(byte[] bytes, String sourceName) throws IOException {
        if (bytes.length == 0) {
            throw new OnnxFormatException(sourceName, 0, "the file is empty");
        }
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, sourceName);
        long ir = 0;
        String producer = "";
        String producerVersion = "";
        Map<String, Long> opsets = new LinkedHashMap<>();
        OnnxGraph graph = null;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1:
                    r.expect(tag, ProtoReader.VARINT, "ModelProto.ir_version");
                    ir = r.readVarint();
                    break;
                case 2:
                    r.expect(tag, ProtoReader.LEN, "ModelProto.producer_name");
                    producer = r.readString();
                    break;
                case 3:
                    r.expect(tag, ProtoReader.LEN, "ModelProto.producer_version");
                    producerVersion = r.readString();
                    break;
                case 7:
                    r.expect(tag, ProtoReader.LEN, "ModelProto.graph");
                    graph = OnnxGraph.parse(r.readMessage());
                    break;
                case 8: { // OperatorSetIdProto {1: domain, 2: version}
                    r.expect(tag, ProtoReader.LEN, "ModelProto.opset_import");
                    ProtoReader o = r.readMessage();
                    String domain = "";
                    long version = 0;
                    while (o.hasMore()) {
                        int t = o.readTag();
                        if (ProtoReader.field(t) == 1 && ProtoReader.wireType(t) == ProtoReader.LEN) {
                            domain = o.readString();
                        } else if (ProtoReader.field(t) == 2 && ProtoReader.wireType(t) == ProtoReader.VARINT) {
                            version = o.readVarint();
                        } else {
                            o.skip(ProtoReader.wireType(t));
                        }
                    }
                    opsets.put(domain, version);
                    break;
                }
                default: // domain, model_version, doc_string, metadata_props, training_info, functions
                    r.skip(ProtoReader.wireType(tag));
            }
        }
        if (graph == null) {
            throw new OnnxFormatException(sourceName, bytes.length, "the file parsed as protobuf but has no"
                    + " graph (ModelProto field 7); it is not an ONNX model");
        }
        return new OnnxModel(sourceName, ir, producer, producerVersion, opsets, graph);
    }

    /**
     * The file or resource this model was read from.
     *
     * @return the name given when reading
     */
    public String source() {
        return source;
    }

    /** {@return the ONNX IR version of the file} */
    public long irVersion() {
        return irVersion;
    }

    /**
     * E.g. "pytorch".
     *
     * @return the producer, possibly empty
     */
    public String producerName() {
        return producerName;
    }

    /** {@return the producer's version, possibly empty} */
    public String producerVersion() {
        return producerVersion;
    }

    /**
     * Operator set versions by domain ("" is the default {@code ai.onnx} domain).
     *
     * @return an unmodifiable map
     */
    public Map<String, Long> opsetImports() {
        return opsets;
    }

    /** {@return the main graph} */
    public OnnxGraph graph() {
        return graph;
    }

    @Override
    public String toString() {
        return "OnnxModel{" + source + ", ir " + irVersion + ", " + producerName + " " + producerVersion
                + ", opsets " + opsets + ", " + graph + "}";
    }
}
