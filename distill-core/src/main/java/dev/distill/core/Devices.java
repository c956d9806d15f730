package dev.distill.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Device selection at run time; nothing in distill assumes CPU. */
public final class Devices {

    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);
    private static final Path NVIDIA_DRIVER = Path.of("/proc/driver/nvidia/version");

    private Devices() {}

    /**
     * Parses {@code cpu}, {@code gpu}, {@code gpu:N} or {@code auto}: the first GPU if the loaded
     * libtorch sees one ({@code Engine.getGpuCount()}), else the CPU. A CPU build of libtorch sees
     * no GPU; when {@code auto} falls back to the CPU on a machine with an NVIDIA driver, a warning
     * says so and how to load a CUDA build (README, "Native libraries").
     *
     * @param spec the option value, case-insensitive; {@code cuda} and {@code cuda:N} are accepted too
     * @return the device
     * @throws IllegalArgumentException if the name is unknown or the GPU number is not one the engine
     *         sees
     */
    public static Device parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            int gpus = Engine.getInstance().getGpuCount();
            if (gpus > 0) {
                LOG.info("device auto: the {} engine sees {} GPU(s); using gpu(0)", Engine.getInstance().getEngineName(),
                        gpus);
                return Device.gpu();
            }
            if (Files.exists(NVIDIA_DRIVER)) {
                LOG.warn("device auto: this machine has an NVIDIA driver but the loaded libtorch sees no GPU (a CPU"
                        + " build); running on the CPU. Load a CUDA build to use the GPU: README, \"Native libraries\"");
            }
            return Device.cpu();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.equals("cuda") || s.startsWith("gpu:") || s.startsWith("cuda:")) {
            int id = s.contains(":") ? parseId(spec, s.substring(s.indexOf(':') + 1)) : 0;
            int gpus = Engine.getInstance().getGpuCount();
            if (id >= gpus) {
                throw new IllegalArgumentException("device '" + spec + "' asks for GPU " + id + " but the "
                        + Engine.getInstance().getEngineName() + " engine sees " + gpus
                        + " GPU(s); use --device cpu, or install a CUDA build of the PyTorch native library");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("device '" + spec + "' is unknown; use cpu, gpu, gpu:N or auto");
    }

    private static int parseId(String spec, String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + spec + "': '" + id + "' is not a GPU number", e);
        }
    }
}
