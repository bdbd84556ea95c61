package io.tunecard.evaluate;

import ai.djl.ndarray.NDManager;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.EvalLosses;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.TokenBatch;
import io.tunecard.rundir.DatasetRow;
import io.tunecard.worker.Checkpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The eval loss of the {@code djl} engine: every validation row as the chat template's exchange
 * (cut to max_seq_len; a row whose prompt fills max_seq_len has no answer token and is left out),
 * the loss on the answer tokens only, kept row by row, then both definitions of {@link
 * io.tunecard.model.EvalLosses} over the rows in split order with the eval batch size. Rows are
 * scored in batches of similar length (by length, then split order), so the result is the same
 * whichever worker scores which batch.
 */
public final class ValidationLoss {
  private ValidationLoss() {}

  /** The shards of the base and of every complete checkpoint of the run. */
  public static List<LossShard> plan(Evaluation e) {
    Path baseDir = e.baseDirectory();
    Path tokenizer = e.tokenizerFile(baseDir);
    int maxSeqLen = e.workflow().model().maxSeqLen();
    int batch = e.eval().batch();
    List<DatasetRow> rows = SplitRows.read(e.run().split("validation"), null);
    List<long[]> examples = new ArrayList<>();
    List<Integer> prompts = new ArrayList<>();
    try (ChatTemplate t = ChatTemplate.load(baseDir, tokenizer, MistralConfig.read(baseDir))) {
      List<ChatTemplate.Exchange> all =
          t.exchanges(
              rows.stream().map(DatasetRow::question).toList(),
              rows.stream().map(DatasetRow::answer).toList());
      for (ChatTemplate.Exchange x : all) {
        long[] ids = Arrays.copyOf(x.ids(), Math.min(maxSeqLen, x.ids().length));
        if (ids.length <= x.promptLength()) {
          continue; // the prompt fills max_seq_len: no answer token to score
        }
        examples.add(ids);
        prompts.add(x.promptLength());
      }
    }
    Integer[] order = new Integer[examples.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> examples.get(i).length));
    List<LossShard> shards = new ArrayList<>();
    List<String[]> models = new ArrayList<>();
    models.add(new String[] {"base", null, null});
    for (Checkpoints.Checkpoint c : Checkpoints.scan(e.run().checkpoints()).complete()) {
      models.add(new String[] {c.name(), c.path().toString(), Long.toString(c.step())});
    }
    int batches = (order.length + batch - 1) / batch;
    for (String[] model : models) {
      for (int from = 0, index = 0; from < order.length; from += batch, index++) {
        int to = Math.min(order.length, from + batch);
        List<long[]> ids = new ArrayList<>();
        int[] places = new int[to - from];
        int[] promptLengths = new int[to - from];
        for (int i = from; i < to; i++) {
          ids.add(examples.get(order[i]));
          places[i - from] = order[i];
          promptLengths[i - from] = prompts.get(order[i]);
        }
        shards.add(
            new LossShard(
                model[0],
                model[1],
                model[2] == null ? null : Long.valueOf(model[2]),
                index,
                batches,
                places,
                ids,
                promptLengths));
      }
    }
    return shards;
  }

  /** Each row's summed NLL of one shard with the model it names (its adapter swapped in). */
  public static LossPart score(LoadedModel m, LossShard shard) {
    m.useAdapter(shard.adapter() == null ? null : Path.of(shard.adapter()));
    int b = shard.ids().size();
    int width = shard.ids().stream().mapToInt(r -> r.length).max().orElseThrow();
    long[][] ids = new long[b][width];
    long[][] labels = new long[b][width];
    int[][] mask = new int[b][width];
    for (int i = 0; i < b; i++) {
      long[] row = shard.ids().get(i);
      Arrays.fill(ids[i], m.ids().pad());
      Arrays.fill(labels[i], TokenBatch.IGNORE);
      System.arraycopy(row, 0, ids[i], 0, row.length);
      Arrays.fill(mask[i], 0, row.length, 1);
      for (int t = shard.promptLengths()[i]; t < row.length; t++) {
        labels[i][t] = row[t];
      }
    }
    LossValue[] v;
    try (NDManager step = m.manager().newSubManager()) {
      v = m.model().rowLosses(step, new TokenBatch(ids, mask, labels));
    }
    double[] sums = new double[b];
    long[] tokens = new long[b];
    for (int i = 0; i < b; i++) {
      sums[i] = v[i].sum();
      tokens[i] = v[i].tokens();
    }
    return new LossPart(
        shard.model(), shard.adapter(), shard.step(), shard.index(), shard.rows(), sums, tokens);
  }

  /** Each model's rows back in split order, then both definitions with {@code batchSize}. */
  public static EvalLossReport combine(Iterable<LossPart> parts, int batchSize) {
    Map<String, List<LossPart>> byModel = new HashMap<>();
    for (LossPart p : parts) {
      byModel.computeIfAbsent(p.model(), k -> new ArrayList<>()).add(p);
    }
    LossResult base = null;
    int rows = 0;
    List<LossResult> checkpoints = new ArrayList<>();
    for (List<LossPart> list : byModel.values()) {
      int n = list.stream().mapToInt(p -> p.rows().length).sum();
      LossValue[] inOrder = new LossValue[n];
      for (LossPart p : list) {
        for (int i = 0; i < p.rows().length; i++) {
          inOrder[p.rows()[i]] = new LossValue(p.sums()[i], p.tokens()[i]);
        }
      }
      EvalLosses losses = EvalLosses.of(Arrays.asList(inOrder), batchSize);
      LossPart first = list.get(0);
      LossResult r =
          new LossResult(
              first.model(),
              first.adapter(),
              first.step(),
              losses.trainer(),
              losses.tokenWeighted(),
              losses.tokens());
      if (first.adapter() == null) {
        base = r;
        rows = n;
      } else {
        checkpoints.add(r);
        rows = Math.max(rows, n);
      }
    }
    return new EvalLossReport("validation", rows, batchSize, base, checkpoints);
  }
}
