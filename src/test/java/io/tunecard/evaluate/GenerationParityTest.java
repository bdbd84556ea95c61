package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.Fixtures;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralModel;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.workflow.StrategySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Greedy and beam-4 generation reproduce transformers' {@code generate()} on every case of the
 * fixture (generation.json, made by scripts/fixtures/make_fixtures.py with transformers 5.17): the
 * same new token ids, base and adapter, single prompts and a left-padded batch, with the config's
 * EOS and with an EOS the model reaches; beam {@code sequences_scores} to 1e-4.
 */
class GenerationParityTest {
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

  /** The fixture's prompts without their left padding. */
  static List<Prompt> prompts(JsonNode c) {
    long[][] ids = Fixtures.longs(c.get("input_ids"));
    int[][] mask = Fixtures.ints(c.get("attention_mask"));
    List<Prompt> out = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      int start = 0;
      while (mask[i][start] == 0) {
        start++;
      }
      out.add(new Prompt("q" + i, Arrays.copyOfRange(ids[i], start, ids[i].length)));
    }
    return out;
  }

  @Test
  void greedyAndBeamSearchMatchGenerate() {
    JsonNode gen = Fixtures.json("generation.json");
    int maxNew = gen.get("max_new_tokens").asInt();
    long pad = gen.get("pad_token_id").asLong();
    int cases = 0;
    int beamCases = 0;
    int stoppedAtEos = 0;
    double worstScore = 0;
    for (JsonNode c : gen.get("cases")) {
      MistralModel model =
          new MistralModel(weights, c.get("model").asText().equals("lora") ? adapter : null);
      SpecialIds ids = new SpecialIds(1, new long[] {c.get("eos_token_id").asLong()}, pad);
      int beams = c.get("num_beams").asInt();
      StrategySpec strategy =
          StrategySpec.greedy("parity")
              .withBeams(beams)
              .withLengthPenalty(gen.get("length_penalty").asDouble())
              .withEarlyStopping(gen.get("early_stopping").asBoolean());
      Decoding d = new Decoding(strategy, maxNew, 0);
      List<Answer> answers = new Generator(model, ids).generate(root, prompts(c), d);
      long[][] expected = Fixtures.longs(c.get("new_tokens"));
      String what =
          String.format(
              "%s %s prompt %s eos %s batched %s",
              c.get("model").asText(),
              c.get("strategy").asText(),
              c.get("prompt_index"),
              c.get("eos_kind").asText(),
              c.has("batched_left_padding"));
      for (int i = 0; i < expected.length; i++) {
        boolean hitEos = c.get("hit_eos").get(i).asBoolean();
        long[] want = expected[i];
        int end = 0;
        while (end < want.length && want[end] != ids.eos()[0]) {
          end++;
        }
        Answer a = answers.get(i);
        assertThat(a.tokens()).as(what + " row " + i).isEqualTo(Arrays.copyOf(want, end));
        assertThat(a.hitCap()).as(what + " row " + i + " hit_cap").isEqualTo(!hitEos);
        for (int t = end + 1; t < want.length; t++) { // after EOS: generate()'s padding
          assertThat(want[t]).isIn(pad, ids.eos()[0]);
        }
        stoppedAtEos += hitEos ? 1 : 0;
        if (beams > 1) {
          double score = c.get("sequences_scores").get(i).asDouble();
          worstScore = Math.max(worstScore, Math.abs(a.score() - score));
          assertThat(a.score()).as(what + " row " + i + " score").isCloseTo(score, within(1e-4));
        }
      }
      cases++;
      beamCases += beams > 1 ? 1 : 0;
    }
    System.out.printf(
        "generation parity: %d generate() cases equal (%d beam_4), %d rows stopped at EOS,"
            + " beam sequences_scores max |diff| %.3g%n",
        cases, beamCases, stoppedAtEos, worstScore);
    assertThat(cases).isEqualTo(40);
    assertThat(beamCases).isEqualTo(20);
    assertThat(stoppedAtEos).isPositive();
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
