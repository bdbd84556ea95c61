package io.tunecard.pipeline;

import io.tunecard.rundir.CodeVersion;
import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.TrainingDone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each finished stage adds to the lineage in manifest.json: the dataset's rows and sha256 per
 * split after ingest, the adapter's checkpoint and sha256 after training.
 */
final class Outcomes {
  private Outcomes() {}

  static void record(Stage stage, Manifest manifest) {
    RunDirectory run = manifest.run();
    switch (stage) {
      case INGEST -> manifest.recordDataset(dataset(run));
      case TRAIN -> {
        ManifestFile.AdapterEntry adapter = adapter(run);
        if (adapter != null) {
          manifest.recordAdapter(adapter);
        }
      }
      default -> {}
    }
  }

  private static Map<String, ManifestFile.SplitEntry> dataset(RunDirectory run) {
    DatasetStatsFile stats = DatasetStatsFile.read(run.stats());
    Map<String, ManifestFile.SplitEntry> dataset = new LinkedHashMap<>();
    for (String split : RunDirectory.SPLITS) {
      dataset.put(
          split,
          new ManifestFile.SplitEntry(
              stats.rowsOf(split) == null ? 0L : stats.rowsOf(split),
              CodeVersion.ofPath(run.split(split))));
    }
    return dataset;
  }

  /** The best checkpoint, or null when training recorded none. */
  private static ManifestFile.AdapterEntry adapter(RunDirectory run) {
    String best;
    try {
      best = TrainingDone.read(run.train()).map(TrainingDone::bestCheckpoint).orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (best == null) {
      return null;
    }
    Path weights = run.checkpoints().resolve(best).resolve("adapter_model.safetensors");
    return new ManifestFile.AdapterEntry(
        best, Files.exists(weights) ? CodeVersion.ofPath(weights) : null);
  }
}
