package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard doctor} with the real worker doctor: an interpreter that sees no site-packages
 * ({@code python3 -S}) stands for a host without torch, whatever this machine has installed.
 */
class DoctorCommandTest {
  @TempDir Path tmp;

  static boolean python3() {
    try {
      Process p = new ProcessBuilder("python3", "--version").start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  Path bareInterpreter() throws IOException {
    Path script = tmp.resolve("bare-python");
    Files.writeString(script, "#!/bin/sh\nexec python3 -S \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void theReferenceWorkflowOnAHostWithoutTorchOrWeightsIsNotReady() throws IOException {
    assumeThat(python3()).as("python3 on the PATH").isTrue();
    Path python = bareInterpreter();
    MainTest.Result r =
        MainTest.run(
            "doctor",
            "workflows/medquad-mistral7b-lora-r32.yaml",
            "--set",
            "train.python=" + python,
            "--run-dir",
            tmp.resolve("run").toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.out())
        .contains("tunecard doctor: this host for workflows/medquad-mistral7b-lora-r32.yaml")
        .containsPattern("torch +MISSING +not installed \\(needs >=2\\.6\\)")
        .containsPattern("tunecard_worker +ok +0\\.1\\.0 at .*src/main/python/tunecard_worker")
        .contains("not ready: ")
        .containsPattern("  torch: \\S*python\\S* -m pip install 'torch>=2\\.6'")
        .contains("  transformers: ")
        .contains("  base model: `./tunecard pull mistralai/Mistral-7B-Instruct-v0.3`")
        .doesNotContain("  bitsandbytes: ");
  }

  @Test
  void theQuickstartNeedsNoPythonAndIsReadyHere() throws IOException {
    MainTest.Result r =
        MainTest.run("doctor", "workflows/quickstart.yaml", "--json", "--run-dir", tmp.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode json = Jsonl.MAPPER.readTree(r.out());
    assertThat(json.path("ready").asBoolean()).isTrue();
    assertThat(json.toString()).contains("\"check\":\"djl engine\",\"status\":\"ok\"");
  }

  @Test
  void overridesNeedAWorkflow() {
    MainTest.Result r = MainTest.run("doctor", "--set", "train.python=python3");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--set needs a WORKFLOW");
  }
}
