package io.tunecard.testing;

import io.tunecard.cli.Main;
import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The smallest {@code tunecard run} that still goes through every stage the way the quickstart
 * does, for the checks that need a run: the quickstart's workflow on a few hundred MedQuAD pairs
 * (real XML files of every answered collection, plus one collection whose answers MedQuAD removed,
 * so ingestion rejects rows), a scratch tokenizer and base of tens of thousands of parameters, a
 * handful of training steps and short answers, with the quickstart's six decoding strategies.
 *
 * <p>{@link #trained()} trains it once per test JVM (ingest, base, train on Flink embedded) and
 * every check that needs a trained run works on a {@link #copyOfTrained copy}: the stage cache
 * finds ingest, base and train up to date there, so nothing is trained twice unless training is
 * what a check compares.
 */
public final class ClusterWorkload {
  public static final String WORKFLOW = "workflows/quickstart.yaml";

  /** XML files taken from each answered MedQuAD collection (the first ones by name). */
  static final int FILES_PER_COLLECTION = 7;

  /** A collection whose answers MedQuAD removed: its rows are rejected as empty answers. */
  static final String EMPTY_COLLECTION = "10_MPlus_ADAM_QA";

  /** The other collections without answers: left out. */
  static final List<String> LEFT_OUT = List.of("11_MPlusDrugs_QA", "12_MPlusHerbsSupplements_QA");

  /**
   * Sizes that make every stage quick on two cores yet leave evaluation enough work to spread over
   * two workers (24 test questions x 6 strategies x {fine-tune, base} = 288 answers in 36 batches,
   * 16 new tokens at most).
   */
  static final List<String> SETTINGS =
      List.of(
          "dataset.min_usable_rows=100",
          "model.max_seq_len=96",
          "model.tokenizer={vocab_size: 512, min_frequency: 2}",
          "model.scratch={hidden_size: 32, intermediate_size: 64, layers: 2, heads: 4, kv_heads: 2,"
              + " head_dim: 8, pretrain_steps: 8, pretrain_batch: 4, pretrain_seq_len: 32}",
          "train.max_steps=8",
          "train.micro_batch=4",
          "train.log_every=2",
          "train.eval_every=4",
          "train.eval_limit=16",
          "eval.limit=24",
          "eval.max_new_tokens=16",
          "eval.batch=8");

  private static Path root;
  private static Path trained;

  private ClusterWorkload() {}

  /**
   * {@code --set} options for the workflow: the settings above and {@code dataset.path}, then
   * {@code extra} ({@code key=value} each), which may override them.
   */
  public static List<String> options(String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--set", "dataset.path=" + dataset()));
    for (String s : SETTINGS) {
      args.addAll(List.of("--set", s));
    }
    for (String s : extra) {
      args.addAll(List.of("--set", s));
    }
    return args;
  }

  /**
   * A run directory trained once per JVM: ingest, base and train done on Flink embedded. Never
   * modify it; work on {@link #copyOfTrained}.
   */
  public static synchronized Path trained() {
    if (trained == null) {
      Path run = root().resolve("trained");
      List<String> args = new ArrayList<>(List.of("run", WORKFLOW, "--until", "train"));
      args.addAll(options());
      args.addAll(List.of("--run-dir", run.toString(), "--runner", "flink"));
      long start = System.nanoTime();
      cli(args);
      System.out.printf(
          Locale.ROOT,
          "ClusterWorkload: ingest, base and train on Flink embedded in %.1f s (%s)%n",
          (System.nanoTime() - start) / 1e9,
          run);
      trained = run;
    }
    return trained;
  }

  /** A copy of {@link #trained()} at {@code target} (which must not exist). */
  public static Path copyOfTrained(Path target) {
    Path from = trained();
    try {
      Files.walkFileTree(
          from,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              Files.createDirectories(target.resolve(from.relativize(dir)));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.copy(
                  file, target.resolve(from.relativize(file)), StandardCopyOption.COPY_ATTRIBUTES);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + target, e);
    }
    return target;
  }

  /** Runs the command line in this JVM; fails with its output unless it exits 0. */
  public static String cli(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    if (code != 0) {
      throw new AssertionError(
          "exit " + code + ": tunecard " + String.join(" ", args) + "\n" + out + err);
    }
    return out.toString();
  }

  /** The MedQuAD subset, extracted once per JVM from {@code data/medquad.zip}. */
  static synchronized Path dataset() {
    Path dir = root().resolve("medquad");
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Map<String, List<ZipEntry>> byCollection = new TreeMap<>();
    try (ZipFile zip = new ZipFile(MedQuadSample.ZIP.toFile())) {
      zip.stream()
          .filter(e -> !e.isDirectory() && e.getName().endsWith(".xml"))
          .sorted((a, b) -> a.getName().compareTo(b.getName()))
          .forEach(
              e -> {
                String[] parts = e.getName().split("/");
                byCollection
                    .computeIfAbsent(parts[parts.length - 2], k -> new ArrayList<>())
                    .add(e);
              });
      Path staging = root().resolve("medquad.partial");
      for (Map.Entry<String, List<ZipEntry>> c : byCollection.entrySet()) {
        if (LEFT_OUT.contains(c.getKey())) {
          continue;
        }
        int files = c.getKey().equals(EMPTY_COLLECTION) ? 2 : FILES_PER_COLLECTION;
        List<ZipEntry> entries = c.getValue();
        for (ZipEntry e : entries.subList(0, Math.min(files, entries.size()))) {
          Path to = staging.resolve(c.getKey()).resolve(Path.of(e.getName()).getFileName());
          Files.createDirectories(to.getParent());
          try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, to);
          }
        }
      }
      Files.move(staging, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the MedQuAD subset into " + dir, e);
    }
    return dir;
  }

  /** This JVM's folder for the fixture, removed when the JVM exits. */
  private static synchronized Path root() {
    if (root == null) {
      try {
        Files.createDirectories(Path.of("target"));
        root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "cluster-workload-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the tiny run's folder under target/", e);
      }
      Path dir = root;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      AtomicFiles.deleteTree(dir);
                    } catch (IOException e) {
                      // a leftover folder under target/ does no harm
                    }
                  }));
    }
    return root;
  }
}
