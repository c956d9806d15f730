package dev.distill.spark;

import java.io.Serializable;

/**
 * How an executor loads the teacher: a small serializable description shipped with every task,
 * opened at most once per JVM ({@link ExecutorTeachers}) and shared by all tasks there.
 */
public interface TeacherSource extends Serializable {

    /** Identifies the loaded teacher within a JVM: two sources with the same key share one teacher. */
    String key();

    /** Loads the teacher (weights, tokenizer, device); called once per JVM and key. */
    OpenedTeacher open() throws Exception;
}
