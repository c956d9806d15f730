package dev.distill.core.train;

import ai.djl.engine.Engine;

/**
 * Test-environment setting: the build machine's 2 cores are shared by several builds, and
 * libtorch's OpenMP workers spin while waiting, so 2 intra-op threads under contention run tiny
 * models ~30x slower than 1 thread. Tests that train call {@link #use()}; it changes speed, not
 * results. (Setting {@code -Dai.djl.pytorch.num_threads=1} or {@code OMP_WAIT_POLICY=PASSIVE}
 * in the build does the same.)
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
