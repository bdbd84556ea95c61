package io.tunecard.publish;

import io.tunecard.files.BadInputException;
import io.tunecard.files.SafePaths;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a publish uploads, at the repository root: every file of the card directory ({@code
 * reports/<name>/}: README.md, index.html, other languages, assets/...) and the best checkpoint's
 * PEFT adapter ({@code adapter_config.json}, {@code adapter_model.safetensors}). Hidden files —
 * among them the temporary files of an interrupted write — and symbolic links are left out.
 */
public final class PublishFiles {
  /** The adapter files PEFT's {@code from_pretrained} loads. */
  public static final List<String> ADAPTER_FILES =
      List.of("adapter_config.json", "adapter_model.safetensors");

  private PublishFiles() {}

  public static List<LocalFile> collect(Path reportsDir, RunDirectory run, String bestCheckpoint) {
    if (!Files.isRegularFile(reportsDir.resolve("README.md"), LinkOption.NOFOLLOW_LINKS)) {
      throw new BadInputException(
          reportsDir + ": no README.md; render the card first (tunecard card or tunecard run)");
    }
    List<LocalFile> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(reportsDir)) {
      for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
        Path rel = reportsDir.relativize(p);
        if (p.equals(reportsDir) || isHidden(rel)) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          throw new BadInputException(p + ": symbolic links are not published; copy the file");
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          files.add(LocalFile.of(p, rel.toString().replace('\\', '/')));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + reportsDir + ": " + e.getMessage(), e);
    }
    Path checkpoint = SafePaths.inside(run.checkpoints(), bestCheckpoint, "best_checkpoint");
    if (!Files.isRegularFile(checkpoint.resolve("COMPLETE"))) {
      throw new BadInputException(
          checkpoint
              + ": not a complete checkpoint (no COMPLETE marker); eval/metrics.json"
              + " best_checkpoint must name one");
    }
    for (String name : ADAPTER_FILES) {
      Path f = checkpoint.resolve(name);
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        throw new BadInputException(f + ": missing; the checkpoint has no PEFT adapter");
      }
      if (files.stream().anyMatch(x -> x.pathInRepo().equals(name))) {
        throw new BadInputException(
            reportsDir.resolve(name) + ": the card directory may not hold adapter files");
      }
      files.add(LocalFile.of(f, name));
    }
    return List.copyOf(files);
  }

  private static boolean isHidden(Path rel) {
    for (Path seg : rel) {
      if (seg.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
