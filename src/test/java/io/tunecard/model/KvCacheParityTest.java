package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Greedy decoding through the KV cache (prefill, then one token at a time, batched with left
 * padding) reproduces the token ids of transformers' generate() on the fixture model, with and
 * without the adapter, and with an EOS the model reaches.
 */
class KvCacheParityTest {
  private static NDManager root;
  private static BaseWeights weights;
  private static LoraAdapter adapter;

  @BeforeAll
  static void load() {
    root = NDManager.newBaseManager();
    weights = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
    adapter = PeftFormat.load(Fixtures.path("lora-adapter"), weights.config(), root);
  }

  @AfterAll
  static void close() {
    adapter.close();
    weights.close();
    root.close();
  }

  /** transformers' greedy loop: finished rows are fed (and emit) the pad token. */
  static long[][] greedy(MistralModel model, TokenBatch prompt, long eos, long pad, int maxNew) {
    int b = prompt.batchSize();
    List<List<Long>> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      out.add(new ArrayList<>());
    }
    boolean[] done = new boolean[b];
    try (NDManager m = root.newSubManager();
        KvCache cache = model.newCache(m, b, prompt.length() + maxNew)) {
      NDArray logits = model.prefill(m, cache, prompt);
      for (int step = 0; step < maxNew; step++) {
        long[] next = logits.argMax(1).toLongArray();
        boolean all = true;
        for (int i = 0; i < b; i++) {
          next[i] = done[i] ? pad : next[i];
          out.get(i).add(next[i]);
          done[i] |= next[i] == eos;
          all &= done[i];
        }
        if (all || step == maxNew - 1) {
          break;
        }
        logits.close();
        logits = model.decode(m, cache, next);
      }
    }
    long[][] ids = new long[b][];
    for (int i = 0; i < b; i++) {
      ids[i] = out.get(i).stream().mapToLong(Long::longValue).toArray();
    }
    return ids;
  }

  @Test
  void greedyIdsMatchGenerate() {
    JsonNode gen = Fixtures.json("generation.json");
    int checked = 0;
    int hitEos = 0;
    for (JsonNode c : gen.get("cases")) {
      if (!c.get("strategy").asText().equals("greedy")) {
        continue;
      }
      MistralModel model =
          new MistralModel(weights, c.get("model").asText().equals("lora") ? adapter : null);
      TokenBatch prompt =
          new TokenBatch(
              Fixtures.longs(c.get("input_ids")), Fixtures.ints(c.get("attention_mask")), null);
      long[][] ours =
          greedy(
              model,
              prompt,
              c.get("eos_token_id").asLong(),
              gen.get("pad_token_id").asLong(),
              gen.get("max_new_tokens").asInt());
      long[][] expected = Fixtures.longs(c.get("new_tokens"));
      assertThat(ours)
          .as(
              "case %s %s eos %s batched %s",
              c.get("model"),
              c.get("prompt_index"),
              c.get("eos_kind"),
              c.has("batched_left_padding"))
          .isEqualTo(expected);
      checked++;
      for (JsonNode h : c.get("hit_eos")) {
        hitEos += h.asBoolean() ? 1 : 0;
      }
    }
    System.out.printf(
        "greedy through the KV cache: %d generate() cases equal (%d rows stopped at EOS)%n",
        checked, hitEos);
    assertThat(checked).isEqualTo(20);
    assertThat(hitEos).isPositive();
  }

  @Test
  void cachedLogitsEqualFullRecomputation() {
    MistralModel model = new MistralModel(weights, adapter);
    JsonNode b = Fixtures.batch();
    TokenBatch left =
        new TokenBatch(
            Fixtures.longs(b.get("left_input_ids")),
            Fixtures.ints(b.get("left_attention_mask")),
            null);
    // Prefill all but the last position, decode the last: the logits equal a full forward's.
    int t = left.length();
    long[][] head = new long[left.batchSize()][];
    int[][] headMask = new int[left.batchSize()][];
    long[] last = new long[left.batchSize()];
    for (int i = 0; i < head.length; i++) {
      head[i] = java.util.Arrays.copyOf(left.inputIds()[i], t - 1);
      headMask[i] = java.util.Arrays.copyOf(left.attentionMask()[i], t - 1);
      last[i] = left.inputIds()[i][t - 1];
    }
    try (NDManager m = root.newSubManager();
        KvCache cache = model.newCache(m, left.batchSize(), t)) {
      model.prefill(m, cache, new TokenBatch(head, headMask, null));
      float[] step = model.decode(m, cache, last).toFloatArray();
      float[] full = model.logits(m, left).toFloatArray();
      double worst = 0;
      int v = 256;
      for (int i = 0; i < left.batchSize(); i++) {
        for (int k = 0; k < v; k++) {
          worst = Math.max(worst, Math.abs(step[i * v + k] - full[((i * t) + t - 1) * v + k]));
        }
      }
      System.out.printf("decode step vs full forward: max |diff| %.3g%n", worst);
      assertThat(worst).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void reorderingRowsMovesTheirHistory() {
    MistralModel model = new MistralModel(weights, null);
    JsonNode b = Fixtures.batch();
    TokenBatch left =
        new TokenBatch(
            Fixtures.longs(b.get("left_input_ids")),
            Fixtures.ints(b.get("left_attention_mask")),
            null);
    long[] next = {5, 6, 7};
    try (NDManager m = root.newSubManager();
        KvCache plain = model.newCache(m, 3, left.length() + 1);
        KvCache swapped = model.newCache(m, 3, left.length() + 1)) {
      model.prefill(m, plain, left);
      model.prefill(m, swapped, left);
      swapped.reorder(
          new int[] {2, 2, 0}); // beams: row 0 and 1 continue former row 2, row 2 former row 0
      float[] a = model.decode(m, plain, new long[] {7, 6, 5}).toFloatArray();
      float[] c = model.decode(m, swapped, next).toFloatArray();
      int v = 256;
      for (int k = 0; k < v; k++) {
        assertThat(c[2 * v + k])
            .isCloseTo(a[k], org.assertj.core.data.Offset.offset(1e-5f)); // former row 0, token 7
        assertThat(c[k])
            .isCloseTo(
                a[2 * v + k], org.assertj.core.data.Offset.offset(1e-5f)); // former row 2, token 5
      }
    }
  }
}
