package io.tunecard.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A cheap identity of a base model directory for the stage cache: every file's name, size and
 * modification time (hashing 14 GB of Mistral-7B weights on every {@code tunecard run} would cost
 * minutes). Replacing the weights, or a snapshot's files, changes it.
 */
public final class BaseFingerprint {
  private BaseFingerprint() {}

  /**
   * The fingerprint of the base {@code model.base} names (a local directory or a Hub id in the
   * local cache), or "" for a scratch base (its inputs are the workflow and the dataset).
   *
   * @throws io.tunecard.files.BadInputException when the weights are not present
   */
  public static String of(io.tunecard.workflow.Workflow w) {
    return w.model().isScratch()
        ? ""
        : of(io.tunecard.model.ModelLocator.resolve(w.model().base()));
  }

  static String of(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        String line =
            dir.relativize(f)
                + "\t"
                + Files.size(f)
                + "\t"
                + Files.getLastModifiedTime(f).toMillis()
                + "\n";
        md.update(line.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
