package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers on small files the test writes: good rows, malformed rows, empty files, wrong encodings. */
class ReadersTest {

    @TempDir
    Path tmp;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** "café" in Latin-1: 0xE9 alone is not UTF-8. */
    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void textLinesSkipBlankLinesAndHandleBomAndCrlf() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path f = write("a.txt", concat(bom, "first line\r\n\n   \nsecond  \nthird".getBytes(StandardCharsets.UTF_8)));
        List<TextExample> got = TextLines.open(f, ErrorPolicy.FAIL).toList();
        assertEquals(List.of("first line", "second", "third"), got.stream().map(TextExample::text).toList());
        assertEquals(f + ":1", got.get(0).origin());
        assertEquals(f + ":4", got.get(1).origin());
    }

    @Test
    void emptyFilesGiveNoRecords() throws IOException {
        assertEquals(0, TextLines.open(write("e.txt", ""), ErrorPolicy.FAIL).toList().size());
        assertEquals(0, JsonLines.open(write("e.jsonl", "\n\n"), "text", null, null, ErrorPolicy.FAIL).toList().size());
        DataException e = assertThrows(DataException.class, () -> DelimitedFile.open(write("e.tsv", ""),
                DelimitedFile.TAB, "text", null, null, ErrorPolicy.FAIL));
        assertTrue(e.getMessage().contains("e.tsv:1: the file is empty"), e.getMessage());
    }

    @Test
    void latin1LineFailsWithItsLineNumberOrIsSkipped() throws IOException {
        Path f = write("mixed.txt", concat("good one\n".getBytes(StandardCharsets.UTF_8), latin1("caf\u00e9\n"),
                "good two\n".getBytes(StandardCharsets.UTF_8)));
        try (RecordStream<TextExample> s = TextLines.open(f, ErrorPolicy.FAIL)) {
            assertEquals("good one", s.next().text());
            DataException e = assertThrows(DataException.class, s::next);
            assertEquals(f.toString(), e.source());
            assertEquals("2", e.record());
            assertTrue(e.reason().contains("not valid UTF-8"), e.reason());
        }
        RecordStream<TextExample> s = TextLines.open(f, ErrorPolicy.SKIP);
        List<TextExample> got = s.toList();
        assertEquals(List.of("good one", "good two"), got.stream().map(TextExample::text).toList());
        assertEquals(1, s.skipped());
        assertTrue(s.skippedReasons().get(0).startsWith(f + ":2: "), s.skippedReasons().get(0));
    }

    @Test
    void utf16FileIsRefusedAsAWhole() throws IOException {
        Path f = write("u16.txt", "hello\n".getBytes(StandardCharsets.UTF_16)); // Java writes a BOM
        DataException e = assertThrows(DataException.class, () -> TextLines.open(f, ErrorPolicy.SKIP));
        assertTrue(e.getMessage().contains("UTF-16"), e.getMessage());
    }

    @Test
    void jsonLinesReadFieldsAndNameBadRecords() throws IOException {
        Path f = write("d.jsonl", String.join("\n",
                "{\"text\": \"a good movie\", \"label\": \"pos\", \"other\": 1}",
                "{\"text\": \"second\", \"text_b\": \"pair\", \"label\": 3.5}",
                "{\"text\": 17, \"label\": \"x\"}",
                "{\"label\": \"neg\"}",
                "not json at all",
                "[1, 2]",
                "{\"text\": \"last\", \"label\": true}") + "\n");
        RecordStream<TextExample> skip = JsonLines.open(f, "text", null, "label", ErrorPolicy.SKIP);
        List<TextExample> got = skip.toList();
        assertEquals(List.of("a good movie", "second", "last"), got.stream().map(TextExample::text).toList());
        assertEquals("pos", got.get(0).label());
        assertEquals(3.5, got.get(1).labelAsDouble());
        assertEquals("true", got.get(2).label());
        assertEquals(4, skip.skipped());
        List<String> r = skip.skippedReasons();
        assertTrue(r.get(0).startsWith(f + ":3: field \"text\" must be a string, found a number"), r.get(0));
        assertTrue(r.get(1).startsWith(f + ":4: field \"text\" is missing"), r.get(1));
        assertTrue(r.get(2).startsWith(f + ":5: not valid JSON"), r.get(2));
        assertTrue(r.get(3).startsWith(f + ":6: expected a JSON object per line, found an array"), r.get(3));

        DataException e = assertThrows(DataException.class,
                () -> JsonLines.open(f, "text", null, "label", ErrorPolicy.FAIL).toList());
        assertEquals("3", e.record());

        List<TextExample> pairs = JsonLines.open(write("p.jsonl", "{\"a\": \"x\", \"b\": \"y\"}\n"), "a", "b", null,
                ErrorPolicy.FAIL).toList();
        assertEquals("y", pairs.get(0).pair());
        assertNull(pairs.get(0).label());
    }

    @Test
    void tsvWithHeaderQuotesAndColumnChoice() throws IOException {
        Path f = write("d.tsv", "id\tsentence1\tsentence2\tscore\n"
                + "1\tA man plays.\tA man is playing.\t4.8\n"
                + "2\t\"quoted\ttab\"\t\"say \"\"hi\"\"\"\t1.0\n"
                + "3\ttoo\tfew\n"
                + "\n"
                + "4\ta\tb\t0.5\n");
        RecordStream<TextExample> s = DelimitedFile.open(f, DelimitedFile.separatorFor(f), "sentence1", "sentence2",
                "score", ErrorPolicy.SKIP);
        List<TextExample> got = s.toList();
        assertEquals(3, got.size());
        assertEquals("A man is playing.", got.get(0).pair());
        assertEquals(4.8, got.get(0).labelAsDouble());
        assertEquals("quoted\ttab", got.get(1).text());
        assertEquals("say \"hi\"", got.get(1).pair());
        assertEquals(1, s.skipped());
        assertTrue(s.skippedReasons().get(0).startsWith(f + ":4: expected 4 fields as in the header"),
                s.skippedReasons().get(0));
    }

    @Test
    void csvErrorsNameColumnAndLine() throws IOException {
        Path f = write("d.csv", "text,label\n\"unterminated,pos\nfine,neg\n");
        DataException missing = assertThrows(DataException.class,
                () -> DelimitedFile.open(f, DelimitedFile.COMMA, "sentence", null, null, ErrorPolicy.FAIL));
        assertTrue(missing.getMessage().contains("no column named 'sentence' in the header; columns: [text, label]"),
                missing.getMessage());
        DataException bad = assertThrows(DataException.class,
                () -> DelimitedFile.open(f, DelimitedFile.COMMA, "text", null, "label", ErrorPolicy.FAIL).toList());
        assertEquals("2", bad.record());
        assertTrue(bad.reason().contains("unterminated quoted field"), bad.reason());
        assertEquals(List.of("a", "", "c", ""), DelimitedFile.split("a,,c,", ','));
    }

    @Test
    void folderCorpusReadsLabelsInOrderAndNamesUndecodableFiles() throws IOException {
        Files.createDirectories(tmp.resolve("corpus/pos"));
        Files.createDirectories(tmp.resolve("corpus/neg"));
        write("corpus/pos/b.txt", "nice");
        write("corpus/pos/a.txt", "great");
        write("corpus/neg/1", "Subject: x\n\nbad film");
        write("corpus/neg/2", latin1("na\u00efve"));
        write("corpus/neg/3", "   ");
        Path root = tmp.resolve("corpus");
        assertEquals(List.of("neg", "pos"), FolderCorpus.labels(root));
        RecordStream<TextExample> s = FolderCorpus.open(root, Newsgroups::stripHeaders, ErrorPolicy.SKIP);
        List<TextExample> got = s.toList();
        assertEquals(List.of("bad film", "great", "nice"), got.stream().map(TextExample::text).toList());
        assertEquals(List.of("neg", "pos", "pos"), got.stream().map(TextExample::label).toList());
        assertEquals(1, s.skipped());
        assertTrue(s.skippedReasons().get(0).contains("neg/2:byte 2: not valid UTF-8"), s.skippedReasons().get(0));
    }

    @Test
    void squadQuestionsWithCheckedOffsets() throws IOException {
        String ctx = "The Normans were a people in Normandy. They came from Norse raiders.";
        int start = ctx.indexOf("Normandy");
        Path f = write("squad.json", "{\"version\": \"1.1\", \"data\": [{\"title\": \"Normans\", \"paragraphs\": [{"
                + "\"context\": \"" + ctx + "\", \"qas\": ["
                + "{\"id\": \"q1\", \"question\": \"Where?\", \"answers\": [{\"text\": \"Normandy\", \"answer_start\": "
                + start + "}]},"
                + "{\"id\": \"q2\", \"question\": \"Who?\", \"answers\": [{\"text\": \"Norse raiders\", "
                + "\"answer_start\": 3}]},"
                + "{\"id\": \"q3\", \"question\": \"Missing answers\"}"
                + "]}]}, {\"title\": \"Empty\", \"paragraphs\": []}]}");
        RecordStream<SquadReader.Question> s = SquadReader.open(f, ErrorPolicy.SKIP);
        List<SquadReader.Question> got = s.toList();
        assertEquals(1, got.size());
        assertEquals("q1", got.get(0).id());
        assertEquals("Normans", got.get(0).title());
        assertEquals(new SquadReader.Answer("Normandy", start), got.get(0).answers().get(0));
        assertEquals(2, s.skipped());
        assertTrue(s.skippedReasons().get(0).startsWith(f + ":question id q2: answer 'Norse raiders' does not occur"
                + " at answer_start 3"), s.skippedReasons().get(0));
        assertTrue(s.skippedReasons().get(1).contains("question id q3: a question needs an \"answers\" array"),
                s.skippedReasons().get(1));

        DataException e = assertThrows(DataException.class, () -> SquadReader.open(f, ErrorPolicy.FAIL).toList());
        assertEquals("question id q2", e.record());
    }

    @Test
    void squadStructuralErrors() throws IOException {
        Path noData = write("nodata.json", "{\"version\": \"1.1\"}");
        assertTrue(assertThrows(DataException.class, () -> SquadReader.open(noData, ErrorPolicy.SKIP))
                .getMessage().contains("no \"data\" array"));
        Path broken = write("broken.json", "{\"data\": [{\"paragraphs\": [{\"context\": \"x\", \"qas\": [}]}]}");
        DataException e = assertThrows(DataException.class, () -> SquadReader.open(broken, ErrorPolicy.SKIP).toList());
        assertTrue(e.getMessage().contains("article 0: malformed JSON"), e.getMessage());
        Path latin = write("latin.json", concat("{\"data\": [{\"paragraphs\": [{\"context\": \"".getBytes(
                StandardCharsets.UTF_8), latin1("caf\u00e9"), "\", \"qas\": []}]}]}".getBytes(StandardCharsets.UTF_8)));
        DataException enc = assertThrows(DataException.class, () -> SquadReader.open(latin, ErrorPolicy.SKIP).toList());
        assertTrue(enc.getMessage().startsWith(latin.toString()), enc.getMessage());
    }
}
