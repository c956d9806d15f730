package dev.distill.examples.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The rule of every numeric and every fixed-choice option of every {@code ./distill} command, in
 * one table keyed by option name (a {@code "command --option"} key overrides it for one command),
 * checked by {@link #check(CommandSpec)} after parsing and before the command runs. A violation is
 * one line naming the value, the rule and a fix, e.g. {@code --corpus-size -1: must be a whole
 * number >= 0; e.g. --corpus-size 0 (the default)}.
 *
 * <p>Every numeric option must have a rule: {@link #missingRules(CommandSpec)} lists those that
 * do not, and {@code BadInputCliTest} fails on any, so a new option cannot skip validation.
 */
final class OptionRules {

    /** One rule: what it says, whether a value passes, and whether it is for numeric options. */
    record Rule(String says, java.util.function.Predicate<Object> ok, String example, boolean numeric) {}

    static final Rule WHOLE_POSITIVE = new Rule("must be a whole number >= 1", v -> asDouble(v) >= 1, "1", true);
    static final Rule WHOLE_NON_NEGATIVE = new Rule("must be a whole number >= 0", v -> asDouble(v) >= 0, "0", true);
    static final Rule POSITIVE = new Rule("must be a finite number > 0",
            v -> Double.isFinite(asDouble(v)) && asDouble(v) > 0, "1", true);
    static final Rule NON_NEGATIVE = new Rule("must be a finite number >= 0",
            v -> Double.isFinite(asDouble(v)) && asDouble(v) >= 0, "0", true);
    static final Rule FRACTION = new Rule("must be a number in [0, 1)",
            v -> asDouble(v) >= 0 && asDouble(v) < 1, "0", true);
    static final Rule ANY = new Rule("any whole number", v -> true, "42", true);
    static final Rule DEVICE = new Rule("must be cpu, gpu, gpu:N or auto",
            v -> Pattern.matches("(?i)auto|cpu|gpu|cuda|(gpu|cuda):\\d+", v.toString().strip()), "auto", false);

    private static final Map<String, Rule> RULES = new TreeMap<>();

    private static void rule(Rule r, String... names) {
        for (String n : names) {
            RULES.put(n, r);
        }
    }

    private static Rule oneOf(String... values) {
        List<String> valid = List.of(values);
        return new Rule("must be one of " + String.join(", ", valid),
                v -> valid.contains(v.toString().strip().toLowerCase(Locale.ROOT)), values[0], false);
    }

    private static Rule listOf(String... values) {
        List<String> valid = List.of(values);
        return new Rule("must be a comma-separated list of " + String.join(", ", valid), v -> {
            for (String part : v.toString().split(",")) {
                if (!valid.contains(part.strip().toLowerCase(Locale.ROOT))) {
                    return false;
                }
            }
            return true;
        }, values[0], false);
    }

    static {
        rule(ANY, "--seed");
        rule(WHOLE_POSITIVE, "--steps", "--teacher-steps", "--batch-size", "--batch", "--max-length", "--seq",
                "--seq-length", "--min-length", "--head-steps", "--head-rows", "--head-texts", "--eval-texts",
                "--distill-texts", "--k", "--examples", "--examples-per-shard", "--calibration-size", "--stride",
                "--max-question-tokens", "--max-answer-tokens", "--mlm-head-texts", "--mlm-head-steps",
                "--teacher-layers", "--student-layers", "--heads", "--head-size", "--ffn", "--layers", "--hidden",
                "--vocab", "--student-hidden", "--student-heads", "--student-ffn", "--baseline-batches",
                "--eval-batches", "--stats-texts", "--cache-reads", "--cache-examples", "--soak-steps",
                "--soak-every", "--inference-batches", "--cache-k", "classify --dev-size", "--threads");
        rule(WHOLE_NON_NEGATIVE, "--corpus-size", "--train-size", "--test-size", "--dev-size", "--eval-every",
                "--augment", "--real-sentences", "--warmup", "--matmul-size", "--soak-from", "--spark-partitions", "--sts-pairs");
        rule(POSITIVE, "--lr", "--teacher-lr", "--head-lr", "--temperature");
        rule(NON_NEGATIVE, "--w-cosine", "--w-similarity", "--w-hidden", "--w-embedding", "--w-attention",
                "--w-soft", "--w-mlm", "--alpha", "--beta", "--alpha-ce", "--alpha-task", "--weight-decay", "--max-sts-drop");
        rule(FRACTION, "--dropout");
        rule(DEVICE, "--device");
        rule(oneOf("cls", "mean"), "--pooling");
        rule(oneOf("auto", "random"), "--projection-init");
        rule(oneOf("six-layer", "tinybert4"), "classify --student");
        rule(oneOf("pretrained", "teacher"), "--baseline-init");
        rule(oneOf("bucket", "renormalize"), "--tail");
        rule(oneOf("cache", "teacher"), "--cosine-from");
        rule(oneOf("isotropic", "matched"), "--inputs");
        rule(oneOf("fail", "skip"), "--on-error");
        rule(oneOf("contribution", "activation"), "--score");
        rule(oneOf("block-influence-keep-last", "block-influence", "uniform"), "--layer-selection");
        rule(oneOf("if-compatible", "never", "required"), "--resume");
        rule(listOf("step", "inference", "cache", "soak", "all"), "--what");
    }

    private OptionRules() {}

    /** The rule of {@code option} in {@code command}, or null. */
    static Rule ruleOf(String command, OptionSpec option) {
        Rule r = RULES.get(command + " " + option.longestName());
        r = r != null ? r : RULES.get(option.longestName());
        return r != null && r.numeric() == isNumeric(option) ? r : null;
    }

    /** Whether picocli converts this option to a number (or a list of numbers). */
    static boolean isNumeric(OptionSpec o) {
        Class<?> t = o.isMultiValue() && o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : o.type();
        return t.isPrimitive() && t != boolean.class || Number.class.isAssignableFrom(t);
    }

    /** Numeric options of {@code spec} that have no rule (must be none). */
    static List<String> missingRules(CommandSpec spec) {
        List<String> missing = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (isNumeric(o) && ruleOf(spec.name(), o) == null) {
                missing.add(spec.name() + " " + o.longestName());
            }
        }
        return missing;
    }

    /**
     * Checks every option of the parsed command (given or defaulted) that has a rule.
     *
     * @throws CommandLine.ParameterException the first violation, as one line
     */
    static void check(CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            Rule r = ruleOf(spec.name(), o);
            Object value = o.getValue();
            if (r == null || value == null) {
                continue;
            }
            Collection<?> values = value instanceof Collection<?> c ? c : List.of(value);
            for (Object v : values) {
                if (v != null && !r.ok().test(v)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), message(o, v, r));
                }
            }
        }
    }

    static String message(OptionSpec o, Object value, Rule r) {
        String def = o.defaultValue();
        boolean defaultPasses = def != null && !def.isEmpty() && passes(o, def, r);
        String shown = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
        return o.longestName() + " " + shown + ": " + r.says() + "; e.g. " + o.longestName() + " "
                + (defaultPasses ? def + " (the default)" : r.example());
    }

    private static boolean passes(OptionSpec o, String text, Rule r) {
        try {
            Object v = isNumeric(o) ? (Object) Double.valueOf(text.split(",")[0]) : text;
            return r.ok().test(v);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static double asDouble(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString());
    }
}
