package dev.distill.examples.qa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.data.Collator;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.SquadReader;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.train.TrainableModel;
import dev.distill.models.data.SquadWindows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * SQuAD v1.1 exact match and F1 on answer text ({@link SquadMetric}), as the official script
 * scores them, for a model with a span head (logits (B, T, 2)).
 *
 * <p>Decoding (BERT's {@code run_squad.py}, simplified to the single best span): in every window of
 * a question, over context tokens s ≤ e &lt; s + {@code maxAnswerTokens}, the span maximising
 * start[s] + end[e]; across the question's windows the highest-scoring one; its text is the
 * context between the first token's first character and the last token's end. Metrics {@code
 * f1} (primary) and {@code exact_match}, both ×100, and {@code questions}.
 */
final class SquadEvaluation implements Evaluator {

    private final List<SquadReader.Question> questions;
    private final List<SquadWindows.Window> windows = new ArrayList<>();
    private final List<Integer> questionOf = new ArrayList<>();
    private final List<int[]> batches = new ArrayList<>();
    private final Collator collator;
    private final int maxAnswerTokens;

    /**
     * @param questions the questions, each with at least one answer
     * @param windowsPerQuestion the windows of each question, in the same order
     */
    SquadEvaluation(List<SquadReader.Question> questions, List<List<SquadWindows.Window>> windowsPerQuestion,
            int batchSize, long padId, int maxAnswerTokens) {
        this.questions = List.copyOf(questions);
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("the QA evaluation set is empty; give at least one question");
        }
        if (questions.size() != windowsPerQuestion.size()) {
            throw new IllegalArgumentException(questions.size() + " questions but windows for "
                    + windowsPerQuestion.size());
        }
        if (maxAnswerTokens < 1) {
            throw new IllegalArgumentException("maxAnswerTokens (" + maxAnswerTokens + ") must be >= 1; SQuAD uses 30");
        }
        for (int q = 0; q < questions.size(); q++) {
            if (questions.get(q).answers().isEmpty()) {
                throw new IllegalArgumentException(questions.get(q).origin() + ": question " + questions.get(q).id()
                        + " has no answer; SQuAD v1.1 evaluation needs at least one");
            }
            for (SquadWindows.Window w : windowsPerQuestion.get(q)) {
                windows.add(w);
                questionOf.add(q);
            }
        }
        Integer[] order = new Integer[windows.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(windows.get(a).example().length(),
                windows.get(b).example().length()));
        for (int i = 0; i < order.length; i += batchSize) {
            int[] rows = new int[Math.min(batchSize, order.length - i)];
            for (int j = 0; j < rows.length; j++) {
                rows[j] = order[i + j];
            }
            batches.add(rows);
        }
        this.collator = new Collator(padId);
        this.maxAnswerTokens = maxAnswerTokens;
    }

    int numQuestions() {
        return questions.size();
    }

    @Override
    public Evaluation evaluate(TrainableModel model) {
        Objects.requireNonNull(model, "model");
        double[] bestScore = new double[questions.size()];
        String[] bestText = new String[questions.size()];
        Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
        Arrays.fill(bestText, "");
        for (int[] rows : batches) {
            List<TokenizedExample> examples = new ArrayList<>(rows.length);
            for (int r : rows) {
                examples.add(windows.get(r).example());
            }
            try (NDManager m = model.manager().newSubManager()) {
                TokenBatch batch = collator.collate(examples, LabelKind.NONE, m);
                NDArray logits = model.forward(batch, false).logits();
                if (logits == null || logits.getShape().dimension() != 3 || logits.getShape().get(2) != 2) {
                    throw new IllegalArgumentException("SQuAD evaluation needs span logits (B, T, 2), got "
                            + (logits == null ? "none (the model has no head)" : logits.getShape()));
                }
                int t = (int) logits.getShape().get(1);
                float[] z = logits.toType(DataType.FLOAT32, false).toFloatArray();
                for (int j = 0; j < rows.length; j++) {
                    SquadWindows.Window w = windows.get(rows[j]);
                    int q = questionOf.get(rows[j]);
                    int n = w.example().length();
                    for (int s = 0; s < n; s++) {
                        if (w.charStart()[s] < 0) {
                            continue; // not a context token
                        }
                        for (int e = s; e < Math.min(n, s + maxAnswerTokens); e++) {
                            if (w.charEnd()[e] < 0) {
                                continue;
                            }
                            double score = z[(j * t + s) * 2] + z[(j * t + e) * 2 + 1];
                            if (score > bestScore[q]) {
                                bestScore[q] = score;
                                bestText[q] = questions.get(q).context().substring(w.charStart()[s], w.charEnd()[e]);
                            }
                        }
                    }
                }
            }
        }
        double em = 0;
        double f1 = 0;
        for (int q = 0; q < questions.size(); q++) {
            List<String> golds = questions.get(q).answers().stream().map(SquadReader.Answer::text).toList();
            em += SquadMetric.exactMatch(bestText[q], golds);
            f1 += SquadMetric.f1(bestText[q], golds);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("f1", 100 * f1 / questions.size());
        metrics.put("exact_match", 100 * em / questions.size());
        metrics.put("questions", (double) questions.size());
        return new Evaluation(metrics, "f1", Evaluation.Direction.HIGHER_IS_BETTER);
    }
}
