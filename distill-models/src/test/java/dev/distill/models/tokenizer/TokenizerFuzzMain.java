package dev.distill.models.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDManager;
import dev.distill.models.KnownModel;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child-JVM entry point of {@link TokenizerFuzzTest}: {@code SEED COUNT} feeds every tokenizer the
 * suite loads COUNT random Unicode strings through every encoding path and prints
 * {@code FUZZ <model> <count> <tokens>} per tokenizer, then {@code DONE}. A native abort ends the
 * child before {@code DONE}.
 */
public final class TokenizerFuzzMain {

    private TokenizerFuzzMain() {}

    public static void main(String[] args) throws Exception {
        long seed = Long.parseLong(args[0]);
        int count = Integer.parseInt(args[1]);
        for (KnownModel model : KnownModel.values()) {
            SplittableRandom random = new SplittableRandom(seed);
            long tokens = 0;
            try (InputStream in = TokenizerFuzzMain.class.getClassLoader().getResourceAsStream(model.tokenizerResource());
                    TextTokenizer t = TextTokenizer.load(in, model.tokenizerResource(), 32);
                    NDManager manager = NDManager.newBaseManager()) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    String s = randomText(random);
                    Encoding e = t.encode(s);
                    tokens += e.getIds().length;
                    e.getCharTokenSpans();
                    t.decode(e.getIds());
                    t.tokenize(s);
                    t.encodeUntruncated(s).getCharTokenSpans();
                    t.encodePair(s, randomText(random));
                    batch.add(s);
                    if (batch.size() == 16) {
                        try (NDManager step = manager.newSubManager()) {
                            t.batch(batch, step);
                        }
                        batch.clear();
                    }
                }
            }
            System.out.println("FUZZ " + model.id() + " " + count + " " + tokens);
        }
        System.out.println("DONE");
    }

    /** 0–48 UTF-16 units mixing the kinds of text that trip tokenizers; now and then a long one. */
    static String randomText(SplittableRandom r) {
        int length = r.nextInt(20) == 0 ? 200 + r.nextInt(2000) : r.nextInt(49);
        StringBuilder sb = new StringBuilder(length + 2);
        while (sb.length() < length) {
            switch (r.nextInt(14)) {
                case 0: case 1: case 2: // printable ASCII, spaces included
                    sb.append((char) (0x20 + r.nextInt(0x5f)));
                    break;
                case 3: // Latin-1 and Latin Extended
                    sb.append((char) (0xa0 + r.nextInt(0x1e0)));
                    break;
                case 4: // combining marks, stacked
                    for (int k = r.nextInt(6); k >= 0; k--) {
                        sb.append((char) (0x300 + r.nextInt(0x70)));
                    }
                    break;
                case 5: // control characters (C0, DEL, C1) and NUL
                    int c = r.nextInt(66);
                    sb.append((char) (c < 32 ? c : c == 32 ? 0x7f : 0x80 + (c - 33)));
                    break;
                case 6: // emoji and other astral-plane characters (valid surrogate pairs)
                    sb.appendCodePoint(r.nextBoolean() ? 0x1f300 + r.nextInt(0x700) : 0x10000 + r.nextInt(0x100000));
                    break;
                case 7: // a lone high or low surrogate, which Java strings allow
                    sb.append((char) (r.nextBoolean() ? 0xd800 + r.nextInt(0x400) : 0xdc00 + r.nextInt(0x400)));
                    break;
                case 8: // CJK, Hangul, Arabic, Devanagari, Thai
                    int[] starts = {0x4e00, 0xac00, 0x0600, 0x0900, 0x0e00};
                    sb.append((char) (starts[r.nextInt(starts.length)] + r.nextInt(0x80)));
                    break;
                case 9: // zero-width, bidi controls, BOM, noncharacters, replacement char
                    int[] odd = {0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0xfeff, 0xfffd,
                        0xfffe, 0xffff, 0x00ad, 0x2028, 0x2029, 0x3000};
                    sb.append((char) odd[r.nextInt(odd.length)]);
                    break;
                case 10: // special-token text
                    String[] special = {"[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "##", "<s>", "</s>"};
                    sb.append(special[r.nextInt(special.length)]);
                    break;
                case 11: // any BMP code unit that is not a surrogate
                    char ch = (char) r.nextInt(0x10000);
                    sb.append(Character.isSurrogate(ch) ? 'x' : ch);
                    break;
                case 12: // a run of one character (long words, repeated punctuation)
                    char rep = (char) (0x21 + r.nextInt(0x5e));
                    sb.append(String.valueOf(rep).repeat(1 + r.nextInt(120)));
                    break;
                default: // whitespace of every kind
                    int[] ws = {' ', '\t', '\n', '\r', 0x0b, 0x0c, 0x85, 0xa0, 0x1680, 0x2000, 0x200a, 0x205f};
                    sb.append((char) ws[r.nextInt(ws.length)]);
                    break;
            }
        }
        return sb.toString();
    }
}
