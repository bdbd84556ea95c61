package io.tunecard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Question-answer pairs of the MedQuAD copy the repository carries ({@code data/medquad.zip}), for
 * tests and benchmarks that need realistic medical text. Pairs without an answer are skipped; the
 * order is by question id, so samples are stable.
 */
public final class MedQuadSample {
  public static final Path ZIP = Path.of("data/medquad.zip");

  /** One question-answer pair. */
  public record Pair(String id, String question, String answer) {}

  private static List<Pair> cached;

  private MedQuadSample() {}

  /** Every answered pair of the zip, sorted by id. */
  public static synchronized List<Pair> pairs() {
    if (cached == null) {
      cached = List.copyOf(read(ZIP));
    }
    return cached;
  }

  private static List<Pair> read(Path zip) {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    List<Pair> out = new ArrayList<>();
    try (ZipFile file = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.isDirectory() || !e.getName().endsWith(".xml")) {
          continue;
        }
        try (InputStream in = file.getInputStream(e)) {
          readDocument(factory.createXMLStreamReader(in), out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(zip + ": " + e.getMessage(), e);
    } catch (XMLStreamException e) {
      throw new IllegalStateException(zip + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(Pair::id));
    return out;
  }

  private static void readDocument(XMLStreamReader r, List<Pair> out) throws XMLStreamException {
    String id = null;
    String question = null;
    while (r.hasNext()) {
      if (r.next() != XMLStreamConstants.START_ELEMENT) {
        continue;
      }
      switch (r.getLocalName()) {
        case "Question" -> {
          id = r.getAttributeValue(null, "qid");
          question = r.getElementText().trim();
        }
        case "Answer" -> {
          String answer = r.getElementText().trim();
          if (id != null && !answer.isEmpty()) {
            out.add(new Pair(id, question, answer));
          }
        }
        default -> {}
      }
    }
  }
}
