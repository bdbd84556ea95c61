package io.tunecard.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.workflow.GateRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Gate verdicts on the fixture's eval/metrics.json (best step-150: loss 2.31). */
class GateTest {
  static EvalMetrics metrics() throws Exception {
    return EvalMetrics.read(
        Path.of(
            GateTest.class
                .getResource("/io/tunecard/publish/fixture/run/eval/metrics.json")
                .toURI()));
  }

  final AtomicInteger fetched = new AtomicInteger();

  Gate.Published card(String readme) {
    return new Gate.Published() {
      @Override
      public Optional<String> readme() {
        fetched.incrementAndGet();
        return Optional.ofNullable(readme);
      }

      @Override
      public String absentNote() {
        return "no published card";
      }
    };
  }

  static GateRule max(String metric, double v) {
    return new GateRule(metric, null, null, v, false);
  }

  static GateRule beat(String metric, String strategy) {
    return new GateRule(metric, strategy, null, null, true);
  }

  static String index(String metricsYaml) {
    return "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n"
        + "    dataset: {type: d, name: d}\n    metrics:\n"
        + metricsYaml
        + "---\n# old card\n";
  }

  @Test
  void boundsAreInclusiveAndReadTheBestCheckpoint() throws Exception {
    Gate g = new Gate(metrics(), "beam_4", "local");
    assertThat(g.evaluate(List.of(max("eval_loss", 2.31)), card(null)).passed()).isTrue();
    GateResult r = g.evaluate(List.of(max("eval_loss", 2.3)), card(null));
    assertThat(r.passed()).isFalse();
    assertThat(r.reasons()).containsExactly("eval_loss (step-150) = 2.31 > max 2.3");
    assertThat(
            g.evaluate(List.of(new GateRule("rougeL", "greedy", 0.2, 0.25, false)), card(null))
                .checks())
        .containsExactly(
            "rougeL [greedy] = 0.214 >= min 0.2: ok", "rougeL [greedy] = 0.214 <= max 0.25: ok");
    assertThat(fetched).hasValue(0);
  }

  @Test
  void perplexityComesFromTheBestCheckpoint() throws Exception {
    GateResult r =
        new Gate(metrics(), "beam_4", "").evaluate(List.of(max("perplexity", 10)), card(null));
    assertThat(r.reasons()).containsExactly("perplexity (step-150) = 10.0744 > max 10");
  }

  @Test
  void anUnknownMetricOrStrategyFailsNamingWhatExists() throws Exception {
    Gate g = new Gate(metrics(), "beam_4", "");
    GateResult r =
        g.evaluate(
            List.of(max("bleu", 1), new GateRule("rougeL", "nucleus", 0.1, null, false)),
            card(null));
    assertThat(r.passed()).isFalse();
    assertThat(r.reasons().get(0))
        .contains("no metric 'bleu' for strategy 'beam_4'")
        .contains("rougeL");
    assertThat(r.reasons().get(1)).contains("no strategy 'nucleus'").contains("greedy");
  }

  @Test
  void aFailedBoundMeansThePublishedCardIsNeverFetched() throws Exception {
    GateResult r =
        new Gate(metrics(), "beam_4", "")
            .evaluate(List.of(max("eval_loss", 1), beat("eval_loss", null)), card(index("")));
    assertThat(r.passed()).isFalse();
    assertThat(fetched).hasValue(0);
    assertThat(r.checks()).anyMatch(c -> c.startsWith("beat_published not checked"));
  }

  @Test
  void beatPublishedKnowsWhichWayIsBetter() throws Exception {
    Gate g = new Gate(metrics(), "beam_4", "");
    // Loss: lower is better.
    assertThat(
            g.evaluate(
                    List.of(beat("eval_loss", null)),
                    card(index("    - {type: eval_loss, value: 2.4}\n")))
                .passed())
        .isTrue();
    GateResult worse =
        g.evaluate(
            List.of(beat("eval_loss", null)), card(index("    - {type: eval_loss, value: 2.2}\n")));
    assertThat(worse.reasons())
        .containsExactly(
            "eval_loss (step-150) = 2.31 does not beat published 2.2 (lower is better)");
    // Equal is not better.
    assertThat(
            g.evaluate(
                    List.of(beat("eval_loss", null)),
                    card(index("    - {type: eval_loss, value: 2.31}\n")))
                .passed())
        .isFalse();
    // ROUGE-L: higher is better; the default strategy is the workflow's first (beam_4: 0.231).
    assertThat(
            g.evaluate(
                    List.of(beat("rougeL", null)),
                    card(index("    - {type: rougeL, config: beam_4, value: 0.22}\n")))
                .passed())
        .isTrue();
    assertThat(
            g.evaluate(
                    List.of(beat("rougeL", null)),
                    card(index("    - {type: rougeL, config: beam_4, value: 0.25}\n")))
                .passed())
        .isFalse();
    // repetition_r3: lower is better (greedy 0.11).
    assertThat(
            g.evaluate(
                    List.of(beat("repetition_r3", "greedy")),
                    card(index("    - {type: repetition_r3, config: greedy, value: 0.2}\n")))
                .passed())
        .isTrue();
  }

  @Test
  void noPublishedCardOrNoSuchMetricPassesAndSaysSo() throws Exception {
    Gate g = new Gate(metrics(), "beam_4", "");
    GateResult none = g.evaluate(List.of(beat("eval_loss", null)), card(null));
    assertThat(none.passed()).isTrue();
    assertThat(none.checks()).containsExactly("beat_published passes: no published card");
    GateResult other =
        g.evaluate(
            List.of(beat("eval_loss", null)), card(index("    - {type: accuracy, value: 0.9}\n")));
    assertThat(other.passed()).isTrue();
    assertThat(other.checks().get(0)).contains("has no such metric");
  }

  @Test
  void thePublishedCardOfThisVeryRunPasses() throws Exception {
    String same = index("    - {type: eval_loss, value: 2.31}\n");
    GateResult r =
        new Gate(metrics(), "beam_4", same).evaluate(List.of(beat("eval_loss", null)), card(same));
    assertThat(r.passed()).isTrue();
    assertThat(r.checks().get(0)).contains("the published card is this run's card");
  }

  @Test
  void noRulesMeansNoGate() throws Exception {
    GateResult r = new Gate(metrics(), "beam_4", "").evaluate(List.of(), card(null));
    assertThat(r.passed()).isTrue();
    assertThat(r.checks()).containsExactly("no gate rules: publishing is not gated");
  }
}
