package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The scaffolding of the tests that run the PyTorch loss fixtures: every array of the fixture
 * file loaded once per test class into {@link #all} (owned by {@link #root}, closed after the
 * class), and {@link #cases} as a {@code @MethodSource}. The fields are static and shared, so
 * these test classes must not run concurrently with each other.
 */
abstract class FixtureTestBase {

    static NDManager root;
    static Map<String, NDArray> all;

    @BeforeAll
    static void load() {
        root = NDManager.newBaseManager();
        all = Fixtures.all(root);
    }

    @AfterAll
    static void close() {
        root.close();
    }

    static Stream<Fixtures.Case> cases() {
        return Fixtures.cases().stream();
    }
}
