package dev.distill.spark;

import ai.djl.ndarray.NDManager;
import dev.distill.core.Devices;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MaskedCacheInputs;
import dev.distill.models.cache.MlmTeacher;
import java.util.Objects;

/**
 * The teacher of {@code ./distill cache}: a model (known name, Hugging Face directory or ONNX
 * file, which every executor must be able to read) with the identity MLM head tied to its word
 * embeddings ({@link MlmTeacher#identityHead}), on texts masked by {@link MaskedCacheInputs}.
 *
 * @param teacher a known model name or a path every executor can read
 * @param maxLength truncation length
 * @param maskingSeed the masking seed
 * @param device {@code auto} (a GPU when the executor has one), {@code cpu}, {@code gpu} or {@code gpu:N};
 *     resolved on each executor when the teacher is loaded
 */
public record MlmTeacherSource(String teacher, int maxLength, long maskingSeed, String device)
        implements TeacherSource {

    public MlmTeacherSource {
        Objects.requireNonNull(teacher, "teacher");
        Objects.requireNonNull(device, "device");
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength (" + maxLength + ") must be at least 3 ([CLS] x [SEP])");
        }
    }

    @Override
    public String key() {
        return "mlm-identity-head|" + teacher + "|" + maxLength + "|" + maskingSeed + "|" + device;
    }

    @Override
    public OpenedTeacher open() {
        LoadedModel m = ModelLoader.load(teacher, Devices.parse(device), maxLength);
        try {
            MlmTeacher mlm = new MlmTeacher(m.encoder(), MlmTeacher.identityHead(m.encoder(), m.manager()), false);
            int vocab = m.encoder().config().vocabSize();
            TeacherInfo info = new TeacherInfo(mlm.weightsHash(), MlmTeacher.tokenizerHash(m.tokenizer()), vocab,
                    m.encoder().config().hiddenSize(), m.encoder().config().numLayers(),
                    m.encoder().config().padTokenId(), maxLength, maskingSeed, m.manager().getDevice().toString());
            MaskedCacheInputs inputs = new MaskedCacheInputs(m.tokenizer(), vocab, maskingSeed);
            return new OpenedTeacher() {
                @Override
                public TopKCacheBuilder.Teacher teacher() {
                    return mlm;
                }

                @Override
                public NDManager manager() {
                    return m.manager();
                }

                @Override
                public TeacherInfo info() {
                    return info;
                }

                @Override
                public CacheExample example(String text, long index) {
                    return inputs.example(text, index);
                }

                @Override
                public void close() {
                    m.close();
                }
            };
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }
}
