package io.tunecard.worker;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * {@code logs/<command>.log}: the child's stderr, line by line, with the supervisor's own notes
 * marked {@code [tunecard]}; appended across attempts. The last {@link #TAIL} stderr lines of the
 * current attempt are kept for the error report.
 */
final class ChildLog implements Closeable {
  static final int TAIL = 40;

  private final Path file;
  private final BufferedWriter out;
  private final Deque<String> tail = new ArrayDeque<>();

  private ChildLog(Path file, BufferedWriter out) {
    this.file = file;
    this.out = out;
  }

  static ChildLog open(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return new ChildLog(
          file,
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the log " + file, e);
    }
  }

  Path file() {
    return file;
  }

  synchronized void stderr(String line) {
    tail.addLast(line);
    while (tail.size() > TAIL) {
      tail.removeFirst();
    }
    write(line);
  }

  synchronized void note(String line) {
    write("[tunecard] " + line);
  }

  synchronized List<String> tail() {
    return new ArrayList<>(tail);
  }

  synchronized void newAttempt(String header) {
    tail.clear();
    note(header);
  }

  private void write(String line) {
    try {
      out.write(line);
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the log " + file, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the log " + file, e);
    }
  }
}
