package io.tunecard.evaluate;

import io.tunecard.files.BadInputException;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.MistralConfig;
import io.tunecard.rundir.DatasetRow;
import io.tunecard.workflow.StrategySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which questions are answered, and in which batches. The questions are the first {@code
 * eval.limit} rows of the eval split in id order; their prompts are the chat template's, cut to fit
 * {@code max_seq_len} and the model's positions (first id and the tail kept). Batches are cut from
 * the questions sorted by prompt length, then id (little padding), {@code eval.batch} questions
 * each, for every strategy (beam search runs {@code num_beams} sequences per question). The plan
 * depends only on the questions and the settings, never on the workers.
 */
public final class QuestionPlan {
  private QuestionPlan() {}

  /** Every batch: each strategy in workflow order, the fine-tune first, then the base. */
  public static List<QuestionBatch> batches(Evaluation e) {
    List<QuestionBatch.Question> questions = questions(e);
    List<QuestionBatch> out = new ArrayList<>();
    int size = e.questionsPerBatch();
    for (StrategySpec st : e.eval().strategies()) {
      for (String model : e.models()) {
        for (int from = 0, i = 0; from < questions.size(); from += size, i++) {
          List<QuestionBatch.Question> part =
              questions.subList(from, Math.min(questions.size(), from + size));
          out.add(new QuestionBatch(model, st.name(), i, questions.size(), part));
        }
      }
    }
    return out;
  }

  /** The questions with their prompts, in batching order (prompt length, then id). */
  public static List<QuestionBatch.Question> questions(Evaluation e) {
    Path baseDir = e.baseDirectory();
    Path tokenizer = e.tokenizerFile(baseDir);
    MistralConfig config = MistralConfig.read(baseDir);
    int maxNewTokens = e.eval().maxNewTokens();
    int fit =
        Math.min(
            e.workflow().model().maxSeqLen(), config.maxPositionEmbeddings() - maxNewTokens + 1);
    if (fit < 2) {
      throw new BadInputException(
          "eval.max_new_tokens: "
              + maxNewTokens
              + " leaves no room for a prompt in the model's "
              + config.maxPositionEmbeddings()
              + " positions");
    }
    List<DatasetRow> rows = SplitRows.read(e.run().split(e.eval().split()), e.eval().limit());
    List<QuestionBatch.Question> out = new ArrayList<>();
    try (ChatTemplate t = ChatTemplate.load(baseDir, tokenizer, config)) {
      List<long[]> prompts = t.prompts(rows.stream().map(DatasetRow::question).toList());
      for (int i = 0; i < rows.size(); i++) {
        DatasetRow r = rows.get(i);
        long[] prompt = ChatTemplate.fit(prompts.get(i), fit);
        out.add(new QuestionBatch.Question(r.id(), r.question(), r.answer(), prompt));
      }
    }
    out.sort(
        Comparator.comparingInt((QuestionBatch.Question q) -> q.prompt().length)
            .thenComparing(QuestionBatch.Question::id));
    return out;
  }

  /** Answers one batch with {@code g}; texts are decoded with {@code m}'s chat template. */
  public static List<GeneratedAnswer> answer(
      LoadedModel m, Generator g, QuestionBatch batch, Decoding d) {
    List<Prompt> prompts = new ArrayList<>();
    for (QuestionBatch.Question q : batch.questions()) {
      prompts.add(new Prompt(q.id(), q.prompt()));
    }
    List<Answer> answers = g.generate(m.manager(), prompts, d);
    List<GeneratedAnswer> out = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      QuestionBatch.Question q = batch.questions().get(i);
      Answer a = answers.get(i);
      out.add(
          new GeneratedAnswer(
              batch.model(),
              batch.strategy(),
              q.id(),
              q.question(),
              q.reference(),
              m.template().decode(a.tokens()),
              a.tokens().length,
              a.hitCap()));
    }
    return out;
  }
}
