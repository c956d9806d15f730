package dev.distill.spark;

import java.io.Serializable;

/**
 * How an executor loads the teacher: a small serializable description shipped with every task,
 * opened at most once per JVM ({@link ExecutorTeachers}) and shared by all tasks there.
 */
public interface TeacherSource extends Serializable {

    /**
     * Identifies the loaded teacher within a JVM: two sources with the same key share one teacher.
     *
     * @return a key covering everything that changes the loaded teacher (model, length, seed, device)
     */
    String key();

    /**
     * Loads the teacher (weights, tokenizer, device); called once per JVM and key, by {@link
     * ExecutorTeachers#get}.
     *
     * @return the loaded teacher, owned by {@link ExecutorTeachers} from then on
     * @throws Exception if the teacher cannot be loaded
     */
    OpenedTeacher open() throws Exception;
}
