package dev.distill.examples.cli;

import dev.distill.core.train.RunLock;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * What runs between parsing and the command: every option value against its rule ({@link
 * OptionRules}), every input file and directory ({@link InputFiles}), the output directory
 * ({@link OutputRules}), then the command, holding the output directory's {@link RunLock} for
 * its whole run when it is a run, a cache or a head. So a bad value, a missing file or a
 * directory that must not be written is refused in one line before anything loads, and a second
 * process on the same directory is refused before it does anything.
 */
final class Preflight implements CommandLine.IExecutionStrategy {

    @Override
    public int execute(ParseResult parsed) {
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandSpec spec = leaf.commandSpec();
        if (leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested() || spec.commandLine().getParent() == null) {
            return new CommandLine.RunLast().execute(parsed);
        }
        OptionRules.check(spec);
        InputFiles.check(spec);
        Path lockDir = OutputRules.check(spec);
        if (lockDir == null) {
            return new CommandLine.RunLast().execute(parsed);
        }
        RunLock lock;
        try {
            lock = RunLock.acquire(lockDir);
        } catch (RuntimeException e) { // locked by another process, or not creatable: one line
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (lock) {
            return new CommandLine.RunLast().execute(parsed);
        }
    }

    /**
     * Adds {@code --resume} to every training command (those of {@link OutputRules.Kind#RUN}),
     * so the rule lives here once instead of in each command.
     */
    static void addResumeOption(CommandLine root) {
        root.getSubcommands().forEach((name, sub) -> {
            if (OutputRules.KINDS.get(name) == OutputRules.Kind.RUN && sub.getCommandSpec().findOption("--resume") == null) {
                sub.getCommandSpec().addOption(OptionSpec.builder("--resume")
                        .paramLabel("never|if-compatible|required").type(String.class).defaultValue("if-compatible")
                        .description("never: a new run (--out must be new or empty); if-compatible: continue the run"
                                + " in --out if there is one (its settings must match), else start one; required:"
                                + " continue the run in --out, refuse if there is none. A finished run is not"
                                + " trained again (default: ${DEFAULT-VALUE}).")
                        .build());
            }
        });
    }
}
