package io.tunecard.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.PythonProbe;
import io.tunecard.worker.PythonReport;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doctor's decisions on hosts this machine is not: a GPU host with and without the weights, a
 * host without torch, NF4 with and without bitsandbytes, publishing with and without a token. The
 * interpreter's answers are reports in the format {@code tunecard_worker doctor --json} writes.
 */
class DoctorTest {
  static final String REFERENCE = "workflows/medquad-mistral7b-lora-r32.yaml";
  static final String BASE = "mistralai/Mistral-7B-Instruct-v0.3";
  static final long GIB = 1L << 30;

  @TempDir Path tmp;

  /** A report as the worker writes it; {@code absent} packages are not installed. */
  static PythonReport report(List<String> absent, ObjectNode torch) {
    ObjectNode r = Jsonl.MAPPER.createObjectNode();
    r.put("doctor", 1);
    r.putObject("python")
        .put("executable", "/opt/py/bin/python")
        .put("version", "3.12.3")
        .put("requires", ">=3.10")
        .put("ok", true);
    r.putObject("worker")
        .put("version", "0.1.0")
        .put("location", "/repo/src/main/python/tunecard_worker")
        .put("requirements_from", "/repo/src/main/python/pyproject.toml");
    ArrayNode pkgs = r.putArray("packages");
    ArrayNode missing = r.putArray("missing");
    String[][] declared = {
      {"torch", ">=2.6", null, "2.11.0+cu130"},
      {"transformers", ">=5.17,<5.18", null, "5.17.0"},
      {"peft", ">=0.21,<0.22", null, "0.21.0"},
      {"safetensors", ">=0.8", null, "0.8.0"},
      {"tokenizers", ">=0.23.1,<0.24", null, "0.23.2"},
      {"packaging", ">=20", null, "25.0"},
      {"bitsandbytes", ">=0.45", "nf4", "0.48.1"},
      {"pytest", ">=8", "test", "9.0.0"},
    };
    for (String[] d : declared) {
      boolean there = !absent.contains(d[0]);
      ObjectNode p = pkgs.addObject().put("name", d[0]).put("required", d[1]).put("extra", d[2]);
      p.put("installed", there ? d[3] : null).put("in_range", there);
      if (!there && d[2] == null) {
        missing.add(d[0]);
      }
    }
    r.set("torch", torch);
    return PythonReport.parse(r.toString());
  }

  static ObjectNode torch(long freeBytes) {
    ObjectNode t = Jsonl.MAPPER.createObjectNode();
    t.put("version", "2.11.0+cu130").put("cuda", "13.0").put("cuda_available", freeBytes > 0);
    ArrayNode devices = t.putArray("devices");
    if (freeBytes > 0) {
      devices
          .addObject()
          .put("index", 0)
          .put("name", "NVIDIA H200")
          .put("free_bytes", freeBytes)
          .put("total_bytes", 140 * GIB)
          .put("capability", "9.0")
          .put("bf16", true);
    }
    t.putNull("error");
    return t;
  }

  Doctor doctor(PythonReport answer, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()));
    env.putAll(extraEnv);
    Function<String, PythonProbe.Outcome> probe = python -> new PythonProbe.Outcome(answer, null);
    return new Doctor(env, tmp, probe, () -> "2.7.1");
  }

  static Workflow reference(String... overrides) {
    return WorkflowLoader.load(Path.of(REFERENCE), List.of(overrides)).workflow();
  }

  HostReport examine(Doctor d, Workflow w, String nf4Backend) {
    return d.examine(Path.of(REFERENCE), w, tmp.resolve("runs"), nf4Backend);
  }

  static Finding.Status status(HostReport r, String check) {
    return r.findings().stream()
        .filter(f -> f.check().equals(check))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no check " + check + " in\n" + r.table()))
        .status();
  }

  /** Mistral-7B's files in the fake cache: its real config.json, stand-ins for the rest. */
  void cacheTheBase() throws IOException {
    Path snap = tmp.resolve("hub/models--mistralai--Mistral-7B-Instruct-v0.3/snapshots/0123abcd");
    Files.createDirectories(snap);
    Files.writeString(
        snap.resolve("config.json"),
        "{\"model_type\":\"mistral\",\"vocab_size\":32768,\"hidden_size\":4096,"
            + "\"intermediate_size\":14336,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
            + "\"num_key_value_heads\":8,\"head_dim\":128,\"rms_norm_eps\":1e-05,"
            + "\"rope_theta\":1000000.0,\"max_position_embeddings\":32768,"
            + "\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2}");
    Files.writeString(snap.resolve("tokenizer.json"), "{}");
    Files.writeString(snap.resolve("model.safetensors.index.json"), "{}");
  }

  @Test
  void aGpuHostWithoutTheWeightsNamesOnlyTheWeights() {
    HostReport r =
        examine(doctor(report(List.of(), torch(139 * GIB)), Map.of()), reference(), null);
    assertThat(r.ready()).isFalse();
    assertThat(r.missing()).extracting(Finding::check).containsExactly("base model");
    assertThat(r.missing().get(0).fix()).contains("./tunecard pull " + BASE);
    assertThat(status(r, "gpu")).isEqualTo(Finding.Status.OK);
    // installed here, though the reference workflow's NF4 is tunecard's own (builtin)
    assertThat(status(r, "bitsandbytes")).isEqualTo(Finding.Status.OK);
    assertThat(status(r, "bertscore encoder")).isEqualTo(Finding.Status.WARN);
    assertThat(status(r, "disk")).isEqualTo(Finding.Status.WARN); // no config.json to size it
    assertThat(r.table())
        .contains("not ready: 1 thing(s) missing\n  base model: `./tunecard pull ");
  }

  @Test
  void withTheWeightsCachedTheGpuHostIsReadyAndTheSizesAreCounted() throws IOException {
    cacheTheBase();
    HostReport r =
        examine(doctor(report(List.of(), torch(139 * GIB)), Map.of()), reference(), null);
    assertThat(r.ready()).as(r.table()).isTrue();
    assertThat(r.table()).contains("7.25 B parameters; LoRA 83.9 M");
    assertThat(r.table()).contains("checkpoints need up to 4.7 GiB (5 x 960 MiB)");
    assertThat(status(r, "gpu memory")).isEqualTo(Finding.Status.OK);
    // 4 GiB free cannot hold even the NF4 weights
    HostReport tight =
        examine(doctor(report(List.of(), torch(4 * GIB)), Map.of()), reference(), null);
    assertThat(status(tight, "gpu memory")).isEqualTo(Finding.Status.WARN);
  }

  @Test
  void aCpuHostWithoutTorchNamesThePackagesTheGpuAndTheWeights() {
    ObjectNode cpuOnly = torch(0).put("cuda", (String) null);
    HostReport noTorch =
        examine(
            doctor(report(List.of("torch", "bitsandbytes"), null), Map.of()), reference(), null);
    assertThat(noTorch.missing()).extracting(Finding::check).containsExactly("torch", "base model");
    assertThat(status(noTorch, "gpu")).isEqualTo(Finding.Status.WARN); // unknown without torch
    assertThat(noTorch.missing().get(0).fix())
        .isEqualTo("/opt/py/bin/python -m pip install 'torch>=2.6'");
    HostReport cpu =
        examine(doctor(report(List.of("bitsandbytes"), cpuOnly), Map.of()), reference(), null);
    assertThat(cpu.missing()).extracting(Finding::check).containsExactly("gpu", "base model");
    assertThat(cpu.missing().get(0).found())
        .contains("no CUDA device visible to torch 2.11.0+cu130 (a CPU-only build)");
  }

  @Test
  void bitsandbytesIsNeededOnlyForItsOwnNf4Backend() {
    PythonReport noBnb = report(List.of("bitsandbytes"), torch(139 * GIB));
    assertThat(status(examine(doctor(noBnb, Map.of()), reference(), null), "bitsandbytes"))
        .isEqualTo(Finding.Status.SKIPPED);
    assertThat(
            status(
                examine(doctor(noBnb, Map.of()), reference("model.nf4_backend=bitsandbytes"), null),
                "bitsandbytes"))
        .isEqualTo(Finding.Status.MISSING);
    assertThat(
            status(examine(doctor(noBnb, Map.of()), reference(), "bitsandbytes"), "bitsandbytes"))
        .isEqualTo(Finding.Status.MISSING);
    HostReport builtin = examine(doctor(noBnb, Map.of()), reference(), "builtin");
    assertThat(status(builtin, "bitsandbytes")).isEqualTo(Finding.Status.SKIPPED);
    assertThat(builtin.table()).contains("not needed (model.nf4_backend: builtin)");
    HostReport unquantized =
        examine(doctor(noBnb, Map.of()), reference("model.quantization=none"), null);
    assertThat(status(unquantized, "bitsandbytes")).isEqualTo(Finding.Status.SKIPPED);
  }

  @Test
  void theTokenIsRequiredOnlyToPublishAndNeverShown() {
    String secret = "hf_abcdefghijklmnopqrstuvwxyz0123";
    PythonReport gpu = report(List.of(), torch(139 * GIB));
    Workflow publish = reference("publish.enabled=true");
    HostReport without =
        examine(doctor(gpu, Map.of("HF_TOKEN_PATH", "/nonexistent")), publish, null);
    assertThat(status(without, "hub token")).isEqualTo(Finding.Status.MISSING);
    HostReport with = examine(doctor(gpu, Map.of("HF_TOKEN", secret)), publish, null);
    assertThat(status(with, "hub token")).isEqualTo(Finding.Status.OK);
    assertThat(with.table()).contains("present (from HF_TOKEN; not shown)").doesNotContain(secret);
    assertThat(with.json()).doesNotContain(secret);
  }

  @Test
  void aDjlWorkflowDoesNotAskForPython() {
    Workflow quickstart =
        WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of()).workflow();
    Function<String, PythonProbe.Outcome> probe =
        python -> {
          throw new AssertionError("the djl engine needs no interpreter");
        };
    HostReport r =
        new Doctor(Map.of(), tmp, probe, () -> "2.7.1")
            .examine(Path.of("workflows/quickstart.yaml"), quickstart, tmp, null);
    assertThat(r.ready()).as(r.table()).isTrue();
    assertThat(status(r, "python")).isEqualTo(Finding.Status.SKIPPED);
    assertThat(status(r, "djl engine")).isEqualTo(Finding.Status.OK);
    assertThat(r.table()).contains("PyTorch 2.7.1 (for the scratch base, train.engine djl");
  }

  @Test
  void theHfEnginesScoreBertScoreInTheWorkerSoAMissingDjlIsAWarning() {
    PythonReport gpu = report(List.of(), torch(139 * GIB));
    Function<String, PythonProbe.Outcome> probe = python -> new PythonProbe.Outcome(gpu, null);
    Doctor d =
        new Doctor(
            Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()),
            tmp,
            probe,
            () -> {
              throw new IllegalStateException("Failed to save pytorch index file");
            });
    HostReport hf = examine(d, reference(), null);
    assertThat(status(hf, "djl engine")).as(hf.table()).isEqualTo(Finding.Status.WARN);
    assertThat(hf.table()).contains("this workflow does not use it").contains("--slim");
    HostReport djl = examine(d, reference("eval.engine=djl"), null);
    assertThat(status(djl, "djl engine")).isEqualTo(Finding.Status.MISSING);
    assertThat(djl.table()).contains("needed by eval.engine djl, BERTScore");
  }

  @Test
  void aHubDatasetIsLookedForInTheHubCache() throws IOException {
    Doctor d = doctor(report(List.of(), torch(139 * GIB)), Map.of());
    Workflow hub =
        reference("dataset.source=hub", "dataset.path=null", "dataset.repo=lavita/MedQuAD");
    HostReport missing = examine(d, hub, null);
    assertThat(status(missing, "dataset")).as(missing.table()).isEqualTo(Finding.Status.WARN);
    assertThat(missing.table()).contains("tunecard pull lavita/MedQuAD --repo-type dataset");
    Files.createDirectories(tmp.resolve("hub/datasets--lavita--MedQuAD/snapshots/abc"));
    assertThat(status(examine(d, hub, null), "dataset")).isEqualTo(Finding.Status.OK);
  }

  @Test
  void theCardsChartsNeedAJavaThatDrawsText() {
    HostReport r =
        examine(doctor(report(List.of(), torch(139 * GIB)), Map.of()), reference(), null);
    // this build host has its fonts; a bare one gets MISSING with the fix
    // (scripts/dist/make-bundle)
    assertThat(status(r, "fonts")).as(r.table()).isEqualTo(Finding.Status.OK);
    assertThat(io.tunecard.card.Charts.fontProblem()).isEmpty();
  }

  @Test
  void anInterpreterThatDoesNotRunIsOneMissingLine() {
    Function<String, PythonProbe.Outcome> probe =
        python -> new PythonProbe.Outcome(null, "cannot run /no/python: error=2, No such file");
    HostReport r = new Doctor(Map.of(), tmp, probe, () -> "2.7.1").examine(null, null, tmp, null);
    assertThat(r.missing()).extracting(Finding::check).containsExactly("python");
    assertThat(r.missing().get(0).fix()).contains("train.python");
  }

  @Test
  void theJsonHasEveryCheck() throws IOException {
    HostReport r =
        examine(doctor(report(List.of(), torch(139 * GIB)), Map.of()), reference(), null);
    JsonNode json = Jsonl.MAPPER.readTree(r.json());
    assertThat(json.path("ready").asBoolean()).isFalse();
    assertThat(json.path("name").asText()).isEqualTo("medquad-mistral7b-lora-r32");
    assertThat(json.path("checks")).hasSize(r.findings().size());
    assertThat(json.path("checks").get(0).path("check").asText()).isEqualTo("java");
    assertThat(json.toString()).contains("\"status\":\"missing\"");
  }
}
