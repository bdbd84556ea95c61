package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter PEFT 0.21 saved (r=4, alpha=8, all seven projections, random non-zero B), loaded into
 * our model: logits, loss, LoRA gradients and AdamW steps against PEFT + torch.optim.AdamW.
 */
class LoraParityTest {
  private NDManager root;
  private BaseWeights weights;
  private LoraAdapter adapter;
  private MistralModel model;

  @BeforeEach
  void load() {
    root = NDManager.newBaseManager();
    weights = BaseWeights.load(Fixtures.path("tiny-mistral"), LoadOptions.fp32(), root);
    adapter = PeftFormat.load(Fixtures.path("lora-adapter"), weights.config(), root);
    model = new MistralModel(weights, adapter);
  }

  @AfterEach
  void close() {
    adapter.close();
    weights.close();
    root.close();
  }

  @Test
  void peftAdapterLoadsWithItsConfig() {
    assertThat(adapter.config().r()).isEqualTo(4);
    assertThat(adapter.scaling()).isEqualTo(2.0);
    assertThat(adapter.config().targets()).hasSize(7);
    assertThat(adapter.parameters()).hasSize(2 * 7 * 2);
  }

  @Test
  void logitsAndLossMatchPeft() {
    TokenBatch batch = Fixtures.trainingBatch();
    try (NDManager m = root.newSubManager()) {
      double diff =
          Fixtures.maxAbsDiffOnTokens(
              model.logits(m, batch).toFloatArray(),
              Fixtures.tensor("logits_lora"),
              batch.attentionMask(),
              256);
      System.out.printf("LoRA logits max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
      double loss = model.loss(m, batch).mean();
      double ref = Fixtures.batch().get("loss_lora").asDouble();
      System.out.printf("LoRA loss %.7f vs %.7f (|diff| %.3g)%n", loss, ref, Math.abs(loss - ref));
      assertThat(Math.abs(loss - ref)).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void gradientsMatchPeftWithAndWithoutLayerCheckpointing() {
    for (boolean checkpoint : new boolean[] {false, true}) {
      TokenBatch batch = Fixtures.trainingBatch();
      adapter.zeroGradients();
      try (NDManager m = root.newSubManager()) {
        LossValue loss = model.trainStep(m, batch, new StepOptions(0, checkpoint, 1.0));
        assertThat(Math.abs(loss.mean() - Fixtures.batch().get("loss_lora").asDouble()))
            .isLessThanOrEqualTo(1e-5);
        double worst = 0;
        for (Parameter p : adapter.parameters()) {
          float[] ref = Fixtures.tensor("grad." + p.name());
          try (NDArray g = p.value().getGradient()) {
            double rel = Fixtures.maxAbsDiff(g.toFloatArray(), ref) / Fixtures.maxAbs(ref);
            worst = Math.max(worst, rel);
          }
        }
        System.out.printf(
            "LoRA gradients (checkpointing %s): worst relative diff %.3g%n", checkpoint, worst);
        assertThat(worst).isLessThanOrEqualTo(1e-4);
      }
    }
  }

  @Test
  void adamwStepsMatchTorch() {
    for (JsonNode c : Fixtures.batch().get("adamw")) {
      try (NDManager m = root.newSubManager()) {
        // a fresh copy of the PEFT adapter for each case
        LoraAdapter fresh = PeftFormat.load(Fixtures.path("lora-adapter"), weights.config(), m);
        model.setAdapter(fresh);
        List<Parameter> params = fresh.parameters();
        JsonNode betas = c.get("betas");
        try (AdamW opt =
            new AdamW(
                params,
                new AdamW.Hyper(
                    betas.get(0).asDouble(),
                    betas.get(1).asDouble(),
                    c.get("eps").asDouble(),
                    c.get("weight_decay").asDouble()),
                m)) {
          TokenBatch batch = Fixtures.trainingBatch();
          for (int s = 0; s < c.get("steps").asInt(); s++) {
            fresh.zeroGradients();
            try (NDManager step = m.newSubManager()) {
              model.trainStep(step, batch, StepOptions.of(s));
              opt.step(c.get("lr").asDouble());
              double loss = model.loss(step, batch).mean();
              double ref = c.get("loss_after_each_step").get(s).asDouble();
              System.out.printf(
                  "AdamW %s step %d: loss %.7f vs %.7f (|diff| %.3g)%n",
                  c.get("tag").asText(), s + 1, loss, ref, Math.abs(loss - ref));
              assertThat(Math.abs(loss - ref)).isLessThanOrEqualTo(1e-5);
            }
          }
          String tag = "adamw_" + c.get("tag").asText() + ".";
          double worst = 0;
          for (Parameter p : params) {
            float[] ref = Fixtures.tensor(tag + p.name());
            worst = Math.max(worst, Fixtures.maxAbsDiff(p.value().toFloatArray(), ref));
          }
          System.out.printf("AdamW %s: parameters max |diff| %.3g%n", c.get("tag").asText(), worst);
          assertThat(worst).isLessThanOrEqualTo(1e-5);
        } finally {
          model.setAdapter(adapter);
          fresh.close();
        }
      }
    }
  }
}
