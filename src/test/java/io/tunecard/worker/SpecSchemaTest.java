package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.LoraSpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.schema.json's bounds are the workflow's declarations. After changing a declaration, rewrite
 * the file with {@code mvn -B test -Dtest=SpecSchemaTest -Dtunecard.updateGoldens=true} and review
 * the diff.
 */
class SpecSchemaTest {

  @Test
  void theCommittedSchemaHoldsTheDeclaredBounds() throws Exception {
    String committed = Files.readString(SpecSchema.FILE);
    String written = SpecSchema.refresh(committed);
    if (Boolean.getBoolean("tunecard.updateGoldens")) {
      Files.writeString(SpecSchema.FILE, written);
    }
    assertThat(committed)
        .as(
            SpecSchema.FILE
                + " differs from the workflow's declarations; rewrite it with"
                + " -Dtunecard.updateGoldens=true")
        .isEqualTo(written);
  }

  @Test
  void aBoundChangedInTheDeclarationChangesTheSchema() throws Exception {
    String committed = Files.readString(SpecSchema.FILE);
    String tampered =
        committed.replace(
            "\"dropout\": {\"type\": \"number\", \"minimum\": 0, \"maximum\": 0.999}",
            "\"dropout\": {\"type\": \"number\", \"minimum\": 0, \"exclusiveMaximum\": 1}");
    assertThat(tampered).isNotEqualTo(committed);
    assertThat(SpecSchema.refresh(tampered)).isEqualTo(committed);
  }

  @Test
  void everyMappedKeyCarriesItsDeclaration() throws Exception {
    JsonNode schema = Jsonl.MAPPER.readTree(SpecSchema.FILE.toFile());
    JsonNode lora = schema.at("/properties/lora/properties");
    assertThat(lora.at("/r/maximum").asLong()).isEqualTo(LoraSpec.MAX_R);
    assertThat(lora.at("/dropout/maximum").asDouble()).isEqualTo(LoraSpec.MAX_DROPOUT);
    assertThat(schema.at("/properties/data/properties/train_limit/type").toString())
        .isEqualTo("[\"integer\",\"null\"]");
    for (String key : SpecSchema.KEYS.keySet()) {
      assertThat(SpecSchema.KEYS.get(key).schema()).as(key).isNotEmpty();
    }
  }

  /** Every value a valid workflow can hold passes the schema, at its bounds too. */
  @Test
  void specsOfWorkflowsAtTheDeclaredBoundsAreValid(@TempDir Path tmp) {
    Workflow w =
        WorkflowLoader.parseYaml(
            "t.yaml",
            "name: t\ndataset: {path: x}\nmodel: {base: /m}\n",
            List.of(
                "lora.r=1024",
                "lora.dropout=0.999",
                "lora.alpha=1e6",
                "train.engine=hf",
                "train.micro_batch=1024",
                "model.max_seq_len=1024",
                "train.grad_accum=65536",
                "train.adam_beta2=0.999999",
                "train.keep_last=1000",
                "eval.engine=hf",
                "eval.batch=4096",
                "eval.generate_batch=4096",
                "eval.strategies=[{name: s, top_k: 262144, top_p: 1, temperature: 100}]"));
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerSpecs.train(w, run);
    WorkerSpecs.evaluate(w, run, List.of(tmp), tmp.resolve("q.jsonl"), tmp, tmp);
  }
}
