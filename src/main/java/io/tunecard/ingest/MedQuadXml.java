package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads one MedQuAD XML document with StAX: one candidate row per question-answer pair.
 *
 * <p>Two layouts occur in MedQuAD: {@code Document} (and one {@code DiseaseFile}) with {@code
 * QAPairs/QAPair/Question|Answer}, and four NINDS files in an older lower-case layout ({@code
 * doc/qaPairs/pair/question|answer}, {@code docid}, {@code corpus}). Both are read. The UMLS
 * annotations sit under {@code FocusAnnotations/UMLS} in most folders and directly under the root
 * in 9_CDC_QA; element names are matched wherever they are.
 *
 * <p>DTDs are never processed: a file with a DOCTYPE is rejected ({@code doctype}) as soon as the
 * parser reports it, before any entity could be expanded; external entities are disabled besides. A
 * file that does not parse is rejected whole ({@code malformed_xml}) and none of its rows is kept,
 * so a truncated file cannot contribute half a document. Instances are not thread-safe.
 *
 * <p>(Longer than most files here: both layouts, the refusals and the id rule make one reader.)
 */
public final class MedQuadXml {
  private final XMLInputFactory factory = secureFactory();
  private char[] buffer = new char[1 << 12];

  /** A StAX factory that never processes DTDs or resolves external entities. */
  public static XMLInputFactory secureFactory() {
    // The JDK's own StAX parser, whatever the class path offers (hadoop-client-runtime, for
    // ParquetIO, registers a shaded Woodstox as the XMLInputFactory service): the parser the
    // ingest tests and the fuzz targets check.
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
    trySet(f, XMLConstants.ACCESS_EXTERNAL_DTD, "");
    trySet(f, XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    f.setXMLResolver(
        (publicId, systemId, baseUri, namespace) -> {
          throw new XMLStreamException("external entity refused: " + systemId);
        });
    return f;
  }

  private static void trySet(XMLInputFactory f, String property, Object value) {
    try {
      f.setProperty(property, value);
    } catch (IllegalArgumentException unsupported) {
      // Another StAX implementation: SUPPORT_DTD=false and the resolver above still hold.
    }
  }

  /** Parses {@code in}; {@code file} names it in rows and rejections (e.g. "3_GHR_QA/1.xml"). */
  public Parsed parse(InputStream in, String file) {
    List<Rejection> rejections = new ArrayList<>();
    XMLStreamReader r = null;
    try {
      r = factory.createXMLStreamReader(in);
      Document doc;
      try {
        doc = read(r, file);
      } catch (RuntimeException parserFailure) {
        // The JDK's StAX parser fails on some malformed input with its own unchecked exceptions
        // (a DOCTYPE holding NUL characters: MissingResourceException "InvalidCharInDTD"); such a
        // file is as unreadable as one it reports, and is refused the same way.
        rejections.add(
            new Rejection(
                file,
                -1,
                where(location(r)),
                null,
                Rejection.MALFORMED_XML,
                "not well-formed XML: the XML parser failed (" + parserFailure + ")"));
        return new Parsed(List.of(), rejections);
      }
      if (doc.doctypeLine >= 0) {
        rejections.add(
            new Rejection(
                file,
                -1,
                "line " + doc.doctypeLine,
                null,
                Rejection.DOCTYPE,
                "DOCTYPE declarations are refused; DTDs and entities are never expanded"));
        return new Parsed(List.of(), rejections);
      }
      return new Parsed(doc.rows(file, rejections), rejections);
    } catch (XMLStreamException e) {
      InputListing.EntryRefusedException refused = refusedCause(e);
      if (refused != null) {
        rejections.add(
            new Rejection(
                file, -1, "zip entry", null, Rejection.ZIP_ENTRY_REFUSED, refused.getMessage()));
      } else {
        rejections.add(
            new Rejection(file, -1, where(e.getLocation()), null, Rejection.MALFORMED_XML, why(e)));
      }
      return new Parsed(List.of(), rejections);
    } finally {
      if (r != null) {
        try {
          r.close();
        } catch (XMLStreamException ignored) {
          // Closing a reader that failed: the rejection above already says what went wrong.
        }
      }
    }
  }

  private Document read(XMLStreamReader r, String file) throws XMLStreamException {
    Document doc = new Document();
    int depth = 0;
    while (r.hasNext()) {
      int event = r.next();
      if (event == XMLStreamConstants.DTD) {
        doc.doctypeLine = r.getLocation() == null ? 0 : r.getLocation().getLineNumber();
        return doc;
      }
      if (event == XMLStreamConstants.END_ELEMENT) {
        depth--;
        continue;
      }
      if (event != XMLStreamConstants.START_ELEMENT) {
        continue;
      }
      depth++;
      String name = r.getLocalName();
      if (depth == 1) {
        doc.root = r.getLocalName();
        doc.id = firstAttribute(r, "id", "docid", "fid");
        doc.source = firstAttribute(r, "source", "corpus");
        doc.url = firstAttribute(r, "url");
        continue;
      }
      // Both layouts' spellings; no allocation per element (case folding would cost one).
      switch (name) {
        case "Focus", "doctitle-focus", "focus" -> doc.focus = firstNonEmpty(doc.focus, text(r));
        case "CUI", "cui" -> doc.cui = firstNonEmpty(doc.cui, text(r));
        case "SemanticGroup", "semanticGroup" ->
            doc.semanticGroup = firstNonEmpty(doc.semanticGroup, text(r));
        case "QAPair", "pair" -> doc.pairs.add(pair(r, doc.pairs.size()));
        default -> {
          continue;
        }
      }
      depth--; // text() and pair() consumed the element's end tag
    }
    return doc;
  }

  /** Reads a QAPair (or pair) element up to its end tag. */
  private Pair pair(XMLStreamReader r, int ordinal) throws XMLStreamException {
    Pair p = new Pair();
    p.ordinal = ordinal;
    p.element = r.getLocalName();
    p.pid = r.getAttributeValue(null, "pid");
    int depth = 1;
    while (depth > 0) {
      int event = r.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        String name = r.getLocalName();
        if (name.equals("Question") || name.equals("question")) {
          p.qid = r.getAttributeValue(null, "qid");
          p.qtype = r.getAttributeValue(null, "qtype");
          p.question = text(r);
        } else if (name.equals("Answer") || name.equals("answer")) {
          p.answer = text(r);
        } else {
          depth++;
        }
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        depth--;
      }
    }
    return p;
  }

  /**
   * All text inside the current element (children included), its whitespace collapsed as it is
   * read; stops after the end tag. Collapsing here, on the parser's own character buffer, spares a
   * copy of every answer; {@link Cleaning} still normalizes every source, which for these strings
   * only confirms there is nothing left to do.
   */
  private String text(XMLStreamReader r) throws XMLStreamException {
    char[] out = buffer;
    int n = 0;
    boolean pendingSpace = false;
    int depth = 1;
    while (depth > 0) {
      switch (r.next()) {
        case XMLStreamConstants.START_ELEMENT -> depth++;
        case XMLStreamConstants.END_ELEMENT -> depth--;
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          char[] chars = r.getTextCharacters();
          int start = r.getTextStart();
          int end = start + r.getTextLength();
          if (out.length < n + (end - start) + 1) {
            out = buffer = Arrays.copyOf(out, Math.max(2 * out.length, n + (end - start) + 1));
          }
          // One pass, one store per kept character: no call per word.
          for (int i = start; i < end; i++) {
            char c = chars[i];
            if (Text.isSpace(c)) {
              pendingSpace = n > 0;
            } else {
              if (pendingSpace) {
                out[n++] = ' ';
                pendingSpace = false;
              }
              out[n++] = c;
            }
          }
        }
        default -> {}
      }
    }
    return new String(out, 0, n);
  }

  private static String firstAttribute(XMLStreamReader r, String... names) {
    for (String n : names) {
      String v = r.getAttributeValue(null, n);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String firstNonEmpty(String current, String candidate) {
    return current != null && !current.isBlank() ? current : candidate;
  }

  private static InputListing.EntryRefusedException refusedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputListing.EntryRefusedException refused) {
        return refused;
      }
      if (t instanceof XMLStreamException x
          && x.getNestedException() instanceof InputListing.EntryRefusedException refused) {
        return refused;
      }
    }
    return null;
  }

  /** Where a reader that failed stopped, if it can still say. */
  private static Location location(XMLStreamReader r) {
    try {
      return r.getLocation();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String where(Location loc) {
    return loc == null || loc.getLineNumber() < 0
        ? "whole file"
        : "line " + loc.getLineNumber() + ", column " + loc.getColumnNumber();
  }

  /** The parser's message without its "ParseError at [row,col]" preamble. */
  private static String why(XMLStreamException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int i = m.indexOf("Message: ");
    return "not well-formed XML: " + (i >= 0 ? m.substring(i + 9) : m).strip();
  }

  /** The parsed values of one file before they become rows. */
  private static final class Document {
    int doctypeLine = -1;
    String root;
    String id;
    String source;
    String url;
    String focus;
    String cui;
    String semanticGroup;
    final List<Pair> pairs = new ArrayList<>();

    List<Candidate> rows(String file, List<Rejection> rejections) {
      List<Candidate> out = new ArrayList<>(pairs.size());
      String stem = stem(file);
      for (Pair p : pairs) {
        String position = p.element + (p.pid != null ? " pid=" + p.pid : " #" + (p.ordinal + 1));
        String missing =
            source == null || source.isBlank()
                ? root + " has no source attribute"
                : p.qid == null || p.qid.isBlank()
                    ? "Question has no qid attribute"
                    : p.question == null ? "no Question element" : null;
        String rowId = missing == null ? rowId(source, id, stem, p.qid) : null;
        if (missing != null) {
          rejections.add(
              new Rejection(file, p.ordinal, position, rowId, Rejection.MISSING_FIELD, missing));
          continue;
        }
        DatasetRow row =
            new DatasetRow(
                rowId,
                source,
                focus,
                p.qtype,
                p.question,
                p.answer == null ? "" : p.answer,
                url,
                emptyToNull(cui),
                emptyToNull(semanticGroup));
        out.add(new Candidate(file, p.ordinal, position, row));
      }
      return out;
    }
  }

  private static final class Pair {
    int ordinal;
    String element;
    String pid;
    String qid;
    String qtype;
    String question;
    String answer;
  }

  /**
   * A row id unique across MedQuAD: the source, then the question id. Question ids repeat across
   * sources ("0000093-1" is a GARD, a GHR and a NIDDK question), so the source is part of the id.
   * Ten CancerGov files ("0000013_2_3.xml") reuse the document id and question ids of their parent
   * ("0000013_2"); there the file name takes the place of the document id in the question id.
   */
  static String rowId(String source, String docId, String stem, String qid) {
    String q = qid.strip();
    if (docId != null && stem != null && !stem.equals(docId) && q.startsWith(docId + "-")) {
      q = stem + q.substring(docId.length());
    }
    return source.strip() + "_" + q;
  }

  private static String stem(String file) {
    String name = file.substring(file.lastIndexOf('/') + 1);
    return name.toLowerCase(Locale.ROOT).endsWith(".xml")
        ? name.substring(0, name.length() - 4)
        : name;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
