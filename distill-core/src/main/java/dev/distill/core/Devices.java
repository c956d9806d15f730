package dev.distill.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** Device selection at run time; nothing in distill assumes CPU. */
public final class Devices {

    private Devices() {}

    /**
     * Parses {@code cpu}, {@code gpu}, {@code gpu:N} or {@code auto} (the first GPU if the engine
     * sees one, else CPU).
     *
     * @param spec the option value, case-insensitive; {@code cuda} and {@code cuda:N} are accepted too
     * @return the device
     * @throws IllegalArgumentException if the name is unknown or the GPU number is not one the engine
     *         sees
     */
    public static Device parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
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
