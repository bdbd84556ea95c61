package io.tunecard.evaluate;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * The evaluation stage's last step: once metrics.json is written in the staging folder, the folder
 * replaces {@code eval/} in one rename, so a reader sees the previous evaluation or the whole new
 * one, never a mix. A retried bundle whose staging folder was already moved finds the published
 * metrics.json and passes it on.
 */
final class PublishEval extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private final String staging;
  private final String target;

  PublishEval(Path staging, Path target) {
    this.staging = staging.toString();
    this.target = target.toString();
  }

  @ProcessElement
  public void process(OutputReceiver<String> out) throws IOException {
    Path from = Path.of(staging);
    Path to = Path.of(target);
    if (Files.isDirectory(from)) {
      AtomicFiles.deleteTree(HfEngine.workDir(from)); // the hf worker's folder is not part of eval/
      AtomicFiles.publish(from, to);
    } else if (!Files.isRegularFile(to.resolve("metrics.json"))) {
      throw new IllegalStateException(from + ": the evaluation's staging folder is gone");
    }
    out.output(to.resolve("metrics.json").toString());
  }
}
