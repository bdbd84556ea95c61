package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ingestion stage without a pipeline runner: the same steps as {@link IngestDataset}, on the
 * same classes, run in this JVM with one parsing thread per worker. It writes byte-identical files
 * (a test holds it to the DirectRunner's output) and skips the runner's per-element and per-bundle
 * costs, which dominate on a data set of MedQuAD's size; {@code tunecard ingest --runner local}.
 */
public final class IngestInProcess {
  private IngestInProcess() {}

  /** Files a parsing task takes at a time: small enough to balance the threads. */
  private static final int FILES_PER_TASK = 64;

  /** What one parsing task produced: cleaned rows, their fingerprints, rejections. */
  private record Chunk(List<Candidate> rows, List<RowRef> refs, List<Rejection> rejections) {}

  public static IngestSummary run(IngestConfig config, int workers) throws IOException {
    InputListing.Listing listing = InputListing.list(config);
    List<Rejection> rejections = new ArrayList<>(listing.refused());
    List<Candidate> rows = new ArrayList<>();
    List<RowRef> refs = new ArrayList<>();
    for (Chunk c : parseAll(config, listing.files(), Math.max(1, workers))) {
      rows.addAll(c.rows());
      refs.addAll(c.refs());
      rejections.addAll(c.rejections());
    }

    List<Rejection> dropped = Duplicates.find(refs, config.dedupe());
    rejections.addAll(dropped);
    Set<String> droppedPlaces = new HashSet<>();
    dropped.forEach(r -> droppedPlaces.add(RowRef.place(r.file(), r.ordinal())));

    SplitAssigner assigner = SplitAssigner.of(config);
    Map<String, List<DatasetRow>> bySplit = new HashMap<>();
    for (Candidate c : rows) {
      if (!droppedPlaces.contains(RowRef.place(c.file(), c.ordinal()))) {
        bySplit.computeIfAbsent(assigner.split(c.row()), k -> new ArrayList<>()).add(c.row());
      }
    }
    List<SplitReport> reports = new ArrayList<>();
    for (String split : RunDirectory.SPLITS) {
      List<DatasetRow> splitRows = bySplit.get(split);
      if (splitRows != null) {
        reports.add(
            SplitWriter.write(config.stagingPath().resolve(split + ".jsonl"), split, splitRows));
      }
    }
    var byReason =
        rejections.isEmpty()
            ? new java.util.TreeMap<String, Long>()
            : DatasetFiles.writeRejected(config.stagingPath(), rejections);
    return DatasetFiles.finish(config, reports, byReason);
  }

  /**
   * Parses the files on {@code workers} threads, each with its own parser, taking {@link
   * #FILES_PER_TASK} files at a time; the chunks come back in file order.
   */
  private static List<Chunk> parseAll(IngestConfig config, List<SourceFile> files, int workers)
      throws IOException {
    int tasks = (files.size() + FILES_PER_TASK - 1) / FILES_PER_TASK;
    Chunk[] chunks = new Chunk[tasks];
    AtomicInteger next = new AtomicInteger();
    Callable<Void> worker =
        () -> {
          Parser parser = new Parser(config);
          try (InputListing.Opener opener = new InputListing.Opener()) {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
              int from = t * FILES_PER_TASK;
              chunks[t] =
                  parser.parse(
                      opener, files.subList(from, Math.min(files.size(), from + FILES_PER_TASK)));
            }
          }
          return null;
        };
    int threads = Math.min(workers, Math.max(1, tasks));
    if (threads == 1) {
      call(worker);
      return List.of(chunks);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> running = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        running.add(pool.submit(worker));
      }
      for (Future<Void> f : running) {
        f.get();
      }
      return List.of(chunks);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while parsing " + config.inputLabel(), e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void call(Callable<Void> task) throws IOException {
    try {
      task.call();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static IOException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return t instanceof IOException io ? io : new IOException(t.getMessage(), t);
  }

  /** What ParseQaPairs and Clean do, element by element, for one thread. */
  private static final class Parser {
    private final IngestConfig config;
    private final MedQuadXml xml = new MedQuadXml();
    private final Cleaning cleaning;

    Parser(IngestConfig config) {
      this.config = config;
      this.cleaning = new Cleaning(config.dropEmptyAnswers());
    }

    Chunk parse(InputListing.Opener opener, List<SourceFile> files) {
      List<Candidate> rows = new ArrayList<>();
      List<RowRef> refs = new ArrayList<>();
      List<Rejection> rejections = new ArrayList<>();
      for (SourceFile f : files) {
        Parsed parsed;
        try (InputStream in = opener.open(f)) {
          parsed =
              config.isMedQuadXml()
                  ? xml.parse(in, f.name())
                  : HfExport.read(in, f.name(), HfExport.format(config.format(), f.name()));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + f.name() + ": " + e.getMessage(), e);
        }
        rejections.addAll(parsed.rejections());
        for (Candidate c : parsed.rows()) {
          Cleaning.Outcome o = cleaning.clean(c);
          if (o.row() != null) {
            rows.add(o.row());
            refs.add(RowRef.of(o.row()));
          } else {
            rejections.add(o.rejection());
          }
        }
      }
      return new Chunk(rows, refs, rejections);
    }
  }
}
