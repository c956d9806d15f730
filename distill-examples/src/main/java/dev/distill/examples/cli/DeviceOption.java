package dev.distill.examples.cli;

import ai.djl.Device;
import dev.distill.core.Devices;
import picocli.CommandLine.Option;

/** {@code --device}, as the training commands share it: cpu, gpu or auto (the default). */
public final class DeviceOption {

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    /** The chosen device ({@link Devices#parse}). */
    public Device device() {
        return Devices.parse(device);
    }
}
