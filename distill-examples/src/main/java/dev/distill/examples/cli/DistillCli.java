package dev.distill.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./distill} command line: one entry point, one subcommand per job. Every subcommand
 * has {@code --help}.
 */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Knowledge distillation of Transformer encoders on DJL.",
        subcommands = {
                dev.distill.examples.embeddings.EmbeddingsCommand.class,
                dev.distill.examples.classify.ClassifyCommand.class,
                dev.distill.examples.qa.QaCommand.class,
                dev.distill.examples.custom.CustomLossExample.class,
                dev.distill.examples.block.BlockCommand.class,
                dev.distill.examples.mlm.MlmCommand.class,
                dev.distill.examples.mlm.MlmHeadCommand.class,
                PruneCommand.class,
                dev.distill.examples.export.ExportCommand.class,
                dev.distill.examples.bench.BenchCommand.class,
                EncodeCommand.class,
                StsCommand.class,
                CacheCommand.class,
                ReportCommand.class,
                CommandLine.HelpCommand.class})
public final class DistillCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line as {@code ./distill} runs it: options, input files and the output
     * directory checked before any command runs ({@link Preflight}), {@code --resume} on every
     * training command, and every user error printed as one line.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DistillCli())
                .setExecutionStrategy(new Preflight())
                .setParameterExceptionHandler(new UsageErrorHandler())
                .setExecutionExceptionHandler(new ErrorHandler());
        Preflight.addResumeOption(cli);
        return cli;
    }

    /** A usage error (bad option value, missing file, refused directory): one line and the way to help. */
    static final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            String message = String.valueOf(ex.getMessage()).replace('\n', ' ').strip();
            cmd.getErr().println(cmd.getColorScheme().errorText("error: " + message));
            cmd.getErr().println("(see: " + cmd.getCommandSpec().qualifiedName() + " --help)");
            return 2;
        }
    }

    /** Prints a user error as one line (the message names the value, the rule and the fix). */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
            String nativeLibrary = nativeLibraryFailure(ex);
            if (nativeLibrary != null) {
                cmd.getErr().println(cmd.getColorScheme().errorText("error: " + nativeLibrary));
                return 2;
            }
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof java.io.IOException || ex instanceof IllegalStateException) {
                cmd.getErr().println(cmd.getColorScheme().errorText("error: " + ex.getMessage()));
                if (Boolean.getBoolean("distill.stacktrace")) {
                    ex.printStackTrace(cmd.getErr());
                } else {
                    cmd.getErr().println("(run with -Ddistill.stacktrace=true for the stack trace)");
                }
                return 2;
            }
            throw new RuntimeException(ex);
        }

        /** One line for a libtorch that could not be loaded (README, "Native libraries"), else null. */
        static String nativeLibraryFailure(Throwable ex) {
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof ai.djl.engine.EngineException) {
                    Throwable root = t;
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    return "the PyTorch native library could not be loaded (" + t.getMessage()
                            + (root == t ? "" : ": " + root.getMessage()) + "); ./distill uses the CPU build from Maven"
                            + " unless DISTILL_LIBTORCH is set: 'download' needs access to DJL's servers, a directory"
                            + " must hold libtorch 2.7.1 with PYTORCH_FLAVOR set to its flavour (README, \"Native libraries\")";
                }
            }
            return null;
        }
    }
}
