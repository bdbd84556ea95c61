package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.WorkflowContext;
import io.tunecard.workflow.WorkflowLoader;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingesting all of MedQuAD against a bare StAX scan of the same input, in one JVM, both warm.
 *
 * <pre>mvn -B -Pbench test -Dtest=IngestBenchmark</pre>
 *
 * <p>Input: the repository's {@code data/medquad.zip} (override with {@code -Dbench.input=PATH}).
 * The bare scan reads every zip entry in order on one thread, pulls every StAX event and
 * materialises every element name, attribute and text node: what any reader of these files must do
 * at least. Each ingest is the whole stage as {@code tunecard ingest} runs it (list the zip, parse,
 * clean, dedupe, split, write the three split files, rejected.jsonl and stats.json with their
 * hashes, publish {@code dataset/}): in process ({@code --runner local}) with one thread per core
 * and with one thread, and on Beam's DirectRunner ({@code --runner direct}). After {@code
 * -Dbench.warmup} (default 3) warm-up runs of each, {@code -Dbench.rounds} (default 7) rounds run
 * each contender once in turn; the report gives each one's median and fastest run, and the ratios
 * to the bare scan's. The fastest runs are the steadier comparison on a shared machine.
 */
@Tag("bench")
class IngestBenchmark {
  @TempDir Path tmp;

  private record Contender(String name, Callable<Object> run, List<Double> seconds) {
    Contender(String name, Callable<Object> run) {
      this(name, run, new ArrayList<>());
    }

    Object time() throws Exception {
      long t0 = System.nanoTime();
      Object result = run.call();
      seconds.add((System.nanoTime() - t0) / 1e9);
      return result;
    }
  }

  @Test
  void ingestAgainstBareStaxScan() throws Exception {
    Path input = Path.of(System.getProperty("bench.input", "data/medquad.zip")).toAbsolutePath();
    int warmup = Integer.getInteger("bench.warmup", 3);
    int rounds = Integer.getInteger("bench.rounds", 7);
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkflowContext context =
        WorkflowContext.of(
            WorkflowLoader.load(
                Path.of("workflows/quickstart.yaml"),
                List.of("dataset.path=" + input, "dataset.split.group_by=none")),
            run.root());
    int cores = Runtime.getRuntime().availableProcessors();
    long pairs = bareScan(input);
    List<Contender> all =
        List.of(
            new Contender("bare StAX scan, 1 thread", () -> bareScan(input)),
            new Contender(
                "ingest, local, " + cores + " threads",
                () ->
                    IngestStage.run(
                        context,
                        Runners.beamOrLocal(Runners.Kind.LOCAL, null, 0),
                        Runners.workers(0))),
            new Contender(
                "ingest, local, 1 thread",
                () ->
                    IngestStage.run(
                        context,
                        Runners.beamOrLocal(Runners.Kind.LOCAL, null, 1),
                        Runners.workers(1))),
            new Contender(
                "ingest, Beam DirectRunner, " + cores + " workers",
                () ->
                    IngestStage.run(
                        context,
                        Runners.beamOrLocal(Runners.Kind.DIRECT, null, 0),
                        Runners.workers(0))));
    for (int i = 0; i < warmup; i++) {
      for (Contender c : all) {
        c.run().call();
      }
    }
    IngestSummary summary = null;
    for (int i = 0; i < rounds; i++) {
      for (Contender c : all) {
        if (c.time() instanceof IngestSummary s) {
          summary = s;
        }
      }
    }
    Contender bare = all.get(0);
    StringBuilder report =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%ninput %s, %d cores: %d QA pairs in the bare scan; ingest read %d, kept %d%n"
                    + "%-40s %8s %8s %7s %7s  runs (s)%n",
                input,
                cores,
                pairs,
                summary.read(),
                summary.usable(),
                "",
                "median",
                "fastest",
                "ratio",
                "ratio"));
    for (Contender c : all) {
      report.append(
          String.format(
              Locale.ROOT,
              "%-40s %7.3fs %7.3fs %7.2f %7.2f  %s%n",
              c.name(),
              median(c.seconds()),
              min(c.seconds()),
              median(c.seconds()) / median(bare.seconds()),
              min(c.seconds()) / min(bare.seconds()),
              rounded(c.seconds())));
    }
    report.append("(ratios: median to median, fastest to fastest; target ingest <= 1.50)\n");
    System.out.print(report);
    assertThat(summary.read()).isEqualTo(pairs);
  }

  private static List<String> rounded(List<Double> xs) {
    return xs.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList();
  }

  /**
   * Every event of every XML entry; every element's name and attributes and every text node
   * materialised. Returns the QA pair count.
   */
  static long bareScan(Path zip) throws Exception {
    XMLInputFactory factory = MedQuadXml.secureFactory();
    long pairs = 0;
    long chars = 0;
    try (ZipFile z = new ZipFile(zip.toFile())) {
      for (var it = z.entries(); it.hasMoreElements(); ) {
        ZipEntry e = it.nextElement();
        if (e.isDirectory() || !e.getName().endsWith(".xml")) {
          continue;
        }
        try (InputStream in = z.getInputStream(e)) {
          XMLStreamReader r = factory.createXMLStreamReader(in);
          while (r.hasNext()) {
            int event = r.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
              String name = r.getLocalName();
              if (name.equals("QAPair") || name.equals("pair")) {
                pairs++;
              }
              for (int a = 0; a < r.getAttributeCount(); a++) {
                chars += r.getAttributeLocalName(a).length() + r.getAttributeValue(a).length();
              }
            } else if (event == XMLStreamConstants.CHARACTERS) {
              chars += r.getText().length();
            }
          }
          r.close();
        }
      }
    }
    if (chars == 0) {
      throw new IllegalStateException("no text scanned in " + zip);
    }
    return pairs;
  }

  private static double min(List<Double> xs) {
    return Collections.min(xs);
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
