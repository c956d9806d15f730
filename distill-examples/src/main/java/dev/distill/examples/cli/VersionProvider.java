package dev.distill.examples.cli;

import picocli.CommandLine;

/** Reports distill's version and the DJL engine it runs on. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = DistillCli.class.getPackage().getImplementationVersion();
        return new String[] {"distill " + (v == null ? "dev" : v) + " (DJL 0.35.1, PyTorch 2.7.1)"};
    }
}
