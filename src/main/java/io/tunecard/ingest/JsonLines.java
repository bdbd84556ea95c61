package io.tunecard.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.tunecard.rundir.DatasetRow;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Streams dataset rows and rejections as JSON lines through one Jackson generator, field by field
 * in the order of docs/run-directory.md, absent optional fields omitted: the text Jackson's data
 * binding writes for {@link DatasetRow} and {@link Rejection} (a test holds the two together), in
 * UTF-8, without its per-row reflection.
 */
final class JsonLines implements AutoCloseable {
  /** Characters beyond the BMP (emoji) as their four UTF-8 bytes, not as escaped surrogates. */
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

  private final JsonGenerator g;

  JsonLines(OutputStream out) throws IOException {
    g = FACTORY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setRootValueSeparator(null);
  }

  void write(DatasetRow r) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", r.id());
    optional("source", r.source());
    optional("focus", r.focus());
    optional("question_type", r.questionType());
    g.writeStringField("question", r.question());
    g.writeStringField("answer", r.answer());
    optional("url", r.url());
    optional("umls_cui", r.umlsCui());
    optional("semantic_group", r.semanticGroup());
    g.writeEndObject();
    g.writeRaw('\n');
  }

  void write(Rejection r) throws IOException {
    g.writeStartObject();
    g.writeStringField("file", r.file());
    g.writeStringField("position", r.position());
    optional("id", r.id());
    g.writeStringField("reason", r.reason());
    g.writeStringField("detail", r.detail());
    g.writeEndObject();
    g.writeRaw('\n');
  }

  private void optional(String key, String value) throws IOException {
    if (value != null) {
      g.writeStringField(key, value);
    }
  }

  @Override
  public void close() throws IOException {
    g.close();
  }
}
