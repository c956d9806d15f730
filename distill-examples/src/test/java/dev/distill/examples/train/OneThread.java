package dev.distill.examples.train;

import ai.djl.engine.Engine;

/**
 * Test-environment setting: the build machine's 2 cores are shared by several builds, and
 * libtorch's OpenMP workers spin while waiting, so 2 intra-op threads under contention run small
 * models many times slower than 1 thread. It changes speed, not results.
 */
final class OneThread {

    private OneThread() {}

    static void use() {
        Engine.getInstance();
        try {
            Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("setNumThreads", int.class).invoke(null, 1);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the PyTorch engine is not on the test classpath", e);
        }
    }
}
