package io.tunecard.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.TrainMetricsRow;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code metrics.jsonl}, written only by the parent from the child's {@code metrics} events: one
 * row per event, as {@link TrainMetricsRow#line} writes it (the one place that knows the row's
 * keys), flushed row by row.
 */
public final class MetricsLog implements Closeable {
  private final Path file;
  private final BufferedWriter out;

  private MetricsLog(Path file, BufferedWriter out) {
    this.file = file;
    this.out = out;
  }

  /** Opens {@code file} for appending (creating it and its folder). */
  public static MetricsLog open(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return new MetricsLog(
          file,
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  /** Appends the row of a {@code metrics} event and flushes it. */
  public void append(JsonNode metricsEvent) {
    try {
      out.write(TrainMetricsRow.line(file, metricsEvent));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  /**
   * Drops every row with {@code step > lastStep} (the rows logged after the checkpoint a child
   * resumes from), rewriting the file atomically. A torn last line (the parent was killed while
   * writing it) is dropped too; a bad line elsewhere is an error naming file and line.
   *
   * @return how many rows were dropped
   */
  public static int truncateAfter(Path file, long lastStep, Consumer<String> report) {
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String> kept = new ArrayList<>();
      int dropped = 0;
      boolean torn = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = Jsonl.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
          if (i == lines.size() - 1) {
            torn = true;
            continue;
          }
          throw new IOException(
              file + ":" + (i + 1) + ": not a JSON object: " + e.getOriginalMessage());
        }
        if (!row.path("step").canConvertToLong()) {
          throw new IOException(file + ":" + (i + 1) + ": step: expected an integer");
        }
        if (row.get("step").asLong() > lastStep) {
          dropped++;
        } else {
          kept.add(line);
        }
      }
      if (dropped > 0 || torn) {
        StringBuilder text = new StringBuilder();
        kept.forEach(l -> text.append(l).append('\n'));
        AtomicFiles.writeString(file, text.toString());
        report.accept(
            "metrics: dropped "
                + dropped
                + " row(s) after step "
                + lastStep
                + (torn ? " and a torn last line" : "")
                + " from "
                + file.getFileName());
      }
      return dropped;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file, e);
    }
  }
}
