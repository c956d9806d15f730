package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The wire format on bytes encoded by hand from the protobuf encoding guide. */
class ProtoReaderTest {

    private static ProtoReader reader(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new ProtoReader(b, 0, b.length, "test.bin");
    }

    @Test
    void varintsDecodeAsTheEncodingGuideShows() throws Exception {
        // 150 = 0x96 0x01 (guide's example); 300 = 0xAC 0x02; -1 as int64 = ten bytes
        ProtoReader r = reader(0x96, 0x01, 0xAC, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
        assertEquals(150, r.readVarint());
        assertEquals(300, r.readVarint());
        assertEquals(-1L, r.readVarint());
        assertFalse(r.hasMore());
    }

    @Test
    void tagsSplitIntoFieldAndWireType() throws Exception {
        // field 1 varint (0x08), field 2 length-delimited (0x12), field 9 (raw_data) LEN = 0x4A
        ProtoReader r = reader(0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x4A, 0x00);
        int t = r.readTag();
        assertEquals(1, ProtoReader.field(t));
        assertEquals(ProtoReader.VARINT, ProtoReader.wireType(t));
        assertEquals(150, r.readVarint());
        t = r.readTag();
        assertEquals(2, ProtoReader.field(t));
        assertEquals("hi", r.readString());
        t = r.readTag();
        assertEquals(9, ProtoReader.field(t));
        assertEquals(ProtoReader.LEN, ProtoReader.wireType(t));
        r.skip(ProtoReader.LEN);
        assertFalse(r.hasMore());
    }

    @Test
    void fixedWidthValuesAreLittleEndian() throws Exception {
        // 1.0f = 0x3F800000; 0x0102030405060708
        ProtoReader r = reader(0x00, 0x00, 0x80, 0x3F, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01);
        assertEquals(1.0f, Float.intBitsToFloat(r.readFixed32()));
        assertEquals(0x0102030405060708L, r.readFixed64());
    }

    @Test
    void repeatedScalarsArriveUnpackedOrPacked() throws Exception {
        ProtoReader.LongList ints = new ProtoReader.LongList();
        reader(0x03).readVarints(ProtoReader.VARINT, ints);
        reader(0x03, 0x03, 0x8E, 0x02).readVarints(ProtoReader.LEN, ints); // packed [3, 270]
        assertArrayEquals(new long[] {3, 3, 270}, ints.toArray());
        ProtoReader.FloatList floats = new ProtoReader.FloatList();
        reader(0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0).readFloats(ProtoReader.LEN, floats);
        assertArrayEquals(new float[] {1f, -2f}, floats.toArray());
    }

    @Test
    void truncatedVarintNamesItsOffset() throws Exception {
        ProtoReader r = reader(0x08, 0x96); // the varint 150 lost its last byte
        r.readTag();
        OnnxFormatException e = assertThrows(OnnxFormatException.class, r::readVarint);
        assertEquals(1, e.offset());
        assertTrue(e.getMessage().contains("byte offset 1"), e.getMessage());
        assertTrue(e.getMessage().contains("test.bin"), e.getMessage());
    }

    @Test
    void lengthPastTheEndIsRejected() throws Exception {
        ProtoReader r = reader(0x12, 0x05, 'a', 'b'); // claims 5 bytes, has 2
        r.readTag();
        OnnxFormatException e = assertThrows(OnnxFormatException.class, r::readString);
        assertEquals(1, e.offset());
        assertTrue(e.getMessage().contains("claims 5 bytes but only 2 remain"), e.getMessage());
    }

    @Test
    void groupsAndFieldZeroAreRejected() {
        OnnxFormatException group = assertThrows(OnnxFormatException.class, () -> reader(0x0B).readTag());
        assertTrue(group.getMessage().contains("wire type 3"), group.getMessage());
        OnnxFormatException zero = assertThrows(OnnxFormatException.class, () -> reader(0x00).readTag());
        assertTrue(zero.getMessage().contains("field number 0"), zero.getMessage());
    }
}
