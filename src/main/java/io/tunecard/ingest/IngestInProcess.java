package io.tunecard.ingest;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.DatasetRow;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ingestion stage without a pipeline runner: the same steps as {@link IngestDataset}, on the
 * same classes, run in this JVM on a few threads (parsing, then the four output files). It writes
 * byte-identical files (tests hold it to the DirectRunner's and Flink's output) and skips a
 * runner's per-element and per-bundle costs, which dominate on a data set of MedQuAD's size; {@code
 * tunecard ingest --runner local}.
 */
public final class IngestInProcess implements AutoCloseable {
  /** Files a parsing task takes at a time: small enough to balance the threads. */
  private static final int FILES_PER_TASK = 64;

  private final IngestConfig config;
  private final ExecutorService pool;

  private IngestInProcess(IngestConfig config, int workers) {
    this.config = config;
    this.pool = workers > 1 ? Executors.newFixedThreadPool(workers) : null;
  }

  /** Runs the stage with {@code workers} threads into the config's staging folder. */
  public static IngestSummary run(IngestConfig config, int workers) throws IOException {
    try (IngestInProcess stage = new IngestInProcess(config, Math.max(1, workers))) {
      return stage.run(Math.max(1, workers));
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** What one thread's parsing produced: cleaned rows, their fingerprints, rejections. */
  private record Chunk(List<Candidate> rows, List<RowRef> refs, List<Rejection> rejections) {}

  private IngestSummary run(int workers) throws IOException {
    InputListing.Listing listing = InputListing.list(config);
    if (!config.kind().parquetFiles(config).isEmpty()) {
      throw new BadInputException(
          "--runner local reads XML, JSONL and CSV; parquet is read by Beam's ParquetIO: use"
              + " --runner direct or flink");
    }
    List<Rejection> rejections = new ArrayList<>(listing.refused());
    List<Candidate> rows = new ArrayList<>();
    List<RowRef> refs = new ArrayList<>();
    for (Chunk c : parseAll(listing.files(), workers)) {
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

    List<Callable<SplitReport>> writes = new ArrayList<>();
    for (String split : RunDirectory.SPLITS) {
      List<DatasetRow> splitRows = bySplit.get(split);
      if (splitRows != null) {
        writes.add(
            () ->
                SplitWriter.write(
                    config.stagingPath().resolve(split + ".jsonl"), split, splitRows));
      }
    }
    Future<SortedMap<String, Long>> rejected =
        submit(
            () ->
                rejections.isEmpty()
                    ? new TreeMap<>()
                    : DatasetFiles.writeRejected(config.stagingPath(), rejections));
    List<SplitReport> reports = all(writes);
    return DatasetFiles.finish(config, reports, get(rejected));
  }

  /** Parses the files, {@link #FILES_PER_TASK} at a time, one parser per thread. */
  private List<Chunk> parseAll(List<SourceFile> files, int workers) throws IOException {
    int tasks = (files.size() + FILES_PER_TASK - 1) / FILES_PER_TASK;
    AtomicInteger next = new AtomicInteger();
    List<Callable<Chunk>> threads = new ArrayList<>();
    for (int i = 0; i < Math.min(workers, Math.max(1, tasks)); i++) {
      threads.add(
          () -> {
            Parser parser = new Parser(config);
            try (InputListing.Opener opener = new InputListing.Opener()) {
              for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                int from = t * FILES_PER_TASK;
                parser.parse(
                    opener, files.subList(from, Math.min(files.size(), from + FILES_PER_TASK)));
              }
            }
            return parser.chunk();
          });
    }
    return all(threads);
  }

  private <T> Future<T> submit(Callable<T> task) throws IOException {
    if (pool != null) {
      return pool.submit(task);
    }
    java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
    try {
      done.complete(task.call());
    } catch (Exception e) {
      throw rethrow(e);
    }
    return done;
  }

  /** Runs the tasks on the pool (or in turn, without one) and returns their results in order. */
  private <T> List<T> all(List<Callable<T>> tasks) throws IOException {
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> t : tasks) {
      futures.add(submit(t));
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(get(f));
    }
    return out;
  }

  private static <T> T get(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
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
    private final DatasetSource.Parser parser;
    private final Cleaning cleaning;
    private final List<Candidate> rows = new ArrayList<>();
    private final List<RowRef> refs = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();

    Parser(IngestConfig config) {
      this.parser = config.kind().parser(config);
      this.cleaning = new Cleaning(config.dropEmptyAnswers(), config.kind().cleanedByReader());
    }

    void parse(InputListing.Opener opener, List<SourceFile> files) {
      for (SourceFile f : files) {
        Parsed parsed = opener.read(f, parser);
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
    }

    Chunk chunk() {
      return new Chunk(rows, refs, rejections);
    }
  }
}
