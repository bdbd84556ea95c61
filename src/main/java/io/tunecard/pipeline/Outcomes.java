package io.tunecard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.CodeVersion;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What each finished stage adds to the lineage in manifest.json: the dataset's rows and sha256 per
 * split after ingest, the adapter's checkpoint and sha256 after training.
 */
final class Outcomes {
  private Outcomes() {}

  static void record(Stage stage, RunDirectory run, ObjectNode manifest) {
    switch (stage) {
      case INGEST -> dataset(run, manifest);
      case TRAIN -> adapter(run, manifest);
      default -> {}
    }
  }

  private static void dataset(RunDirectory run, ObjectNode manifest) {
    JsonNode stats = read(run.stats());
    ObjectNode dataset = manifest.putObject("dataset");
    for (String split : RunDirectory.SPLITS) {
      ObjectNode s = dataset.putObject(split);
      s.put("rows", stats.path("splits").path(split).asLong());
      s.put("sha256", CodeVersion.ofPath(run.split(split)));
    }
  }

  private static void adapter(RunDirectory run, ObjectNode manifest) {
    Path done = run.train().resolve("DONE.json");
    if (!Files.exists(done)) {
      return;
    }
    JsonNode d = read(done);
    String best = d.path("best_checkpoint").asText(null);
    if (best == null) {
      return;
    }
    Path weights = run.checkpoints().resolve(best).resolve("adapter_model.safetensors");
    ObjectNode adapter = manifest.putObject("adapter");
    adapter.put("checkpoint", best);
    if (Files.exists(weights)) {
      adapter.put("sha256", CodeVersion.ofPath(weights));
    }
  }

  private static JsonNode read(Path file) {
    try {
      return Jsonl.readTree(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
