package io.tunecard.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.ingest.IngestSummary;
import io.tunecard.ingest.MedQuadXml;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
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
 * materialises every text node (what any reader must do at least). The ingest is what {@code
 * tunecard ingest} runs: the whole stage on Beam's DirectRunner (parse, clean, dedupe, split, write
 * the split files, rejected.jsonl and stats.json, hash the outputs), once with one worker per core
 * and once with a single worker. Medians of {@code -Dbench.rounds} (default 5) alternating rounds
 * after two warm-up runs of each.
 */
@Tag("bench")
class IngestBenchmark {
  @TempDir Path tmp;

  @Test
  void ingestAgainstBareStaxScan() throws Exception {
    Path input = Path.of(System.getProperty("bench.input", "data/medquad.zip")).toAbsolutePath();
    int rounds = Integer.getInteger("bench.rounds", 5);
    Workflow workflow =
        WorkflowLoader.load(
                Path.of("workflows/quickstart.yaml"),
                List.of("dataset.path=" + input, "dataset.split.group_by=none"))
            .workflow();
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    int cores = Runtime.getRuntime().availableProcessors();

    long pairs = bareScan(input);
    String[] names = {
      "ingest, local (in-process), " + cores + " threads",
      "ingest, local (in-process), 1 thread",
      "ingest, Beam DirectRunner, " + cores + " workers"
    };
    Runners.Kind[] kinds = {Runners.Kind.LOCAL, Runners.Kind.LOCAL, Runners.Kind.DIRECT};
    int[] workers = {0, 1, 0};
    for (int i = 0; i < 2; i++) {
      bareScan(input);
      for (int k = 0; k < kinds.length; k++) {
        IngestStage.run(workflow.dataset(), run, kinds[k], null, workers[k]);
      }
    }
    List<Double> bare = new ArrayList<>();
    List<List<Double>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    IngestSummary summary = null;
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      bareScan(input);
      bare.add(seconds(t0));
      for (int k = 0; k < kinds.length; k++) {
        t0 = System.nanoTime();
        summary = IngestStage.run(workflow.dataset(), run, kinds[k], null, workers[k]);
        times.get(k).add(seconds(t0));
      }
    }
    double b = median(bare);
    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            Locale.ROOT,
            "%ninput %s: %d QA pairs found by the bare scan; ingest read %d, kept %d%n"
                + "%-42s median %.3f s  %s%n",
            input,
            pairs,
            summary.read(),
            summary.usable(),
            "bare StAX scan, 1 thread",
            b,
            rounded(bare)));
    for (int k = 0; k < kinds.length; k++) {
      double m = median(times.get(k));
      report.append(
          String.format(
              Locale.ROOT,
              "%-42s median %.3f s  %s  ratio %.2f%n",
              names[k],
              m,
              rounded(times.get(k)),
              m / b));
    }
    report.append("target: ingest <= 1.50 x bare scan\n");
    System.out.print(report);
    assertThat(summary.read()).isEqualTo(pairs);
  }

  private static List<String> rounded(List<Double> xs) {
    return xs.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList();
  }

  /** Every event of every XML entry, every text node materialised; returns the QA pair count. */
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
              chars += r.getAttributeCount();
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

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
