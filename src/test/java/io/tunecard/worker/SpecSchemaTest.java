package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.LoraSpec;
import io.tunecard.workflow.Reference;
import io.tunecard.workflow.Setting;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /**
   * Each line of {@link SpecSchema#KEYS} names the key where {@link WorkerSpecs} writes that
   * setting's value: built from workflows whose values differ from the defaults, the spec holds the
   * workflow's value at the mapped key.
   */
  @Test
  void eachMappedKeyHoldsItsSettingsValue(@TempDir Path tmp) {
    String base = "name: t\ndataset: {path: x}\n";
    Workflow w =
        WorkflowLoader.parseYaml(
            "t.yaml",
            base + "model: {base: /m}\n",
            List.of(
                "model.quantization=nf4",
                "model.dtype=bf16",
                "model.max_seq_len=300",
                "lora={r: 5, alpha: 3, dropout: 0.2, targets: [v_proj, q_proj]}",
                "train={engine: hf, device: cpu, seed: 7, epochs: 2.5, max_steps: 11, limit: 12,"
                    + " eval_limit: 13, micro_batch: 3, grad_accum: 5, lr: 0.001, schedule: linear,"
                    + " warmup_ratio: 0.1, weight_decay: 0.01, adam_beta1: 0.8, adam_beta2: 0.99,"
                    + " adam_eps: 1e-6, max_grad_norm: 2, log_every: 3, keep_last: 4,"
                    + " batching: packing}",
                "eval={engine: hf, max_new_tokens: 33, batch: 6, generate_batch: 9,"
                    + " compare_base: false, strategies: [{name: s, num_beams: 1, length_penalty:"
                    + " 0.5, early_stopping: true, temperature: 0.7, top_k: 9, top_p: 0.8,"
                    + " min_new_tokens: 2, seed: 5}], bertscore: {layer: 3, batch: 5,"
                    + " rescale_with_baseline: true, dtype: bf16}}"));
    Workflow scratch =
        WorkflowLoader.parseYaml(
            "t.yaml",
            base
                + "model: {base: scratch, tokenizer: {}, scratch: {hidden_size: 48,"
                + " intermediate_size: 72, layers: 3, heads: 6, kv_heads: 3, head_dim: 10,"
                + " rope_theta: 500, rms_norm_eps: 1e-4, pretrain_steps: 7, pretrain_batch: 5,"
                + " pretrain_seq_len: 40, pretrain_lr: 0.01}}\nlora: {r: 4}\n",
            List.of());
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    List<JsonNode> specs =
        List.of(
            WorkerSpecs.train(w, run).json(),
            WorkerSpecs.evaluate(w, run, List.of(tmp), tmp.resolve("q"), tmp, tmp).json(),
            WorkerSpecs.pretrain(scratch, run).json());
    ObjectMapper snake =
        JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    ObjectNode scratchTree = snake.valueToTree(scratch);
    // ModelSpec.isScratch() reads to Jackson as a boolean "scratch"; the section is the record
    ((ObjectNode) scratchTree.get("model"))
        .set("scratch", snake.valueToTree(scratch.model().scratch()));
    List<JsonNode> workflows = List.of(snake.valueToTree(w), scratchTree);
    for (Map.Entry<String, Setting<?>> e : SpecSchema.KEYS.entrySet()) {
      String section =
          Reference.TABLES.stream()
              .filter(t -> t.settings().contains(e.getValue()))
              .findFirst()
              .orElseThrow()
              .path();
      String declared = pointer(section + "." + e.getValue().key());
      JsonNode expected =
          workflows.stream()
              .map(x -> x.at(declared))
              .filter(n -> !n.isMissingNode() && !n.isNull())
              .findFirst()
              .orElseThrow(() -> new AssertionError(e.getKey() + ": no value at " + declared));
      JsonNode found =
          specs.stream()
              .map(x -> x.at(pointer(e.getKey())))
              .filter(n -> !n.isMissingNode())
              .findFirst()
              .orElseThrow(() -> new AssertionError(e.getKey() + ": not in any spec"));
      assertThat(found.isNumber() ? (Object) found.asDouble() : found.toString())
          .as(e.getKey() + " holds " + declared)
          .isEqualTo(expected.isNumber() ? (Object) expected.asDouble() : expected.toString());
    }
  }

  /** {@code a.b[].c} as a JSON pointer, the array's first item: {@code /a/b/0/c}. */
  private static String pointer(String path) {
    return "/" + path.replace("[]", ".0").replace('.', '/');
  }
}
