package dev.distill.examples.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The first line of a benchmark: what it ran on, so a number is never quoted without its machine. */
final class Machine {

    private Machine() {}

    static JsonObject describe(Device device) {
        Engine engine = Engine.getInstance();
        JsonObject o = new JsonObject();
        o.addProperty("bench", "machine");
        o.addProperty("device", device.toString());
        o.addProperty("cpu", cpuModel());
        o.addProperty("cores", Runtime.getRuntime().availableProcessors());
        o.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        o.addProperty("java", System.getProperty("java.version"));
        o.addProperty("djl", Engine.getDjlVersion());
        o.addProperty("engine", engine.getEngineName() + " " + engine.getVersion());
        o.addProperty("gpus", engine.getGpuCount());
        String omp = System.getenv("OMP_NUM_THREADS");
        o.addProperty("omp_num_threads", omp == null ? "unset" : omp);
        String wait = System.getenv("OMP_WAIT_POLICY");
        o.addProperty("omp_wait_policy", wait == null ? "unset" : wait);
        if (device.isGpu()) {
            int id = device.getDeviceId();
            o.addProperty("gpu_name", gpuName(id));
            try {
                o.addProperty("gpu_compute_capability", CudaUtils.getComputeCapability(id));
                MemoryUsage mem = CudaUtils.getGpuMemory(device);
                o.addProperty("gpu_memory_mib", mem.getMax() / (1024 * 1024));
                o.addProperty("cuda", CudaUtils.getCudaVersionString());
            } catch (RuntimeException | LinkageError e) {
                o.addProperty("gpu_info_error", String.valueOf(e.getMessage()));
            }
        }
        return o;
    }

    private static String cpuModel() {
        Path p = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(p)) {
            return System.getProperty("os.arch");
        }
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** The GPU's name from nvidia-smi, or "unknown" when it cannot be run. */
    private static String gpuName(int id) {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i",
                    Integer.toString(id)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return out;
            }
        } catch (IOException e) {
            // no nvidia-smi
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
