package io.tunecard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Reads the Hub export's columns from parquet files with Beam's ParquetIO, into the same candidate
 * rows and rejections as the JSONL reader. ParquetIO hands records over without their place in the
 * file, so a record's place ({@link Candidate#ordinal()}, which orders rejections and decides which
 * of two duplicates is kept) is its rank among the file's records sorted by their content; its
 * position for people names its {@code question_id}. Identical records are adjacent in that order,
 * so which of them counts as first makes no difference.
 */
final class ReadParquet extends PTransform<PBegin, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  /** The export's columns, in a fixed order: a record's canonical text. */
  static final List<String> COLUMNS =
      List.of(
          HfExport.DOCUMENT_ID,
          HfExport.DOCUMENT_SOURCE,
          HfExport.DOCUMENT_URL,
          HfExport.UMLS_CUI,
          HfExport.UMLS_SEMANTIC_GROUP,
          HfExport.QUESTION_ID,
          HfExport.QUESTION_FOCUS,
          HfExport.QUESTION_TYPE,
          HfExport.QUESTION,
          HfExport.ANSWER);

  private final List<SourceFile> files;

  ReadParquet(List<SourceFile> files) {
    this.files = List.copyOf(files);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionList<KV<String, String>> records = PCollectionList.empty(begin.getPipeline());
    for (int i = 0; i < files.size(); i++) {
      SourceFile f = files.get(i);
      records =
          records.and(
              begin
                  .apply(
                      "ReadParquetFile" + i,
                      ParquetIO.parseGenericRecords(new ToJson())
                          .from(f.path())
                          .withCoder(StringUtf8Coder.of()))
                  .apply("NameFile" + i, WithKeys.of(f.name()))
                  .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())));
    }
    return records
        .apply("AllParquetRecords", Flatten.pCollections())
        .setTypeDescriptor(
            TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
        .apply("GatherParquetFiles", new GatherByKey<>(StringUtf8Coder.of()))
        .apply(
            "NumberParquetRows",
            ParDo.of(new NumberRows())
                .withOutputTags(ReadSteps.ROWS, TupleTagList.of(ReadSteps.REJECTED)));
  }

  /** A record as one line of JSON with the export's columns, in {@link #COLUMNS} order. */
  static final class ToJson implements SerializableFunction<GenericRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String apply(GenericRecord record) {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      for (String column : COLUMNS) {
        if (record.getSchema().getField(column) != null) {
          o.set(column, json(record.get(column)));
        }
      }
      return Jsonl.write(o);
    }
  }

  /** An Avro value as JSON: strings, numbers, lists (parquet's list wrappers unwrapped). */
  static JsonNode json(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (v == null) {
      return f.nullNode();
    }
    if (v instanceof CharSequence s) {
      return f.textNode(s.toString());
    }
    if (v instanceof Number || v instanceof Boolean) {
      return Jsonl.MAPPER.valueToTree(v);
    }
    if (v instanceof ByteBuffer b) {
      return f.textNode(StandardCharsets.UTF_8.decode(b.duplicate()).toString());
    }
    if (v instanceof Collection<?> c) {
      ArrayNode a = f.arrayNode();
      c.forEach(item -> a.add(json(item)));
      return a;
    }
    if (v instanceof Map<?, ?> m) {
      ObjectNode o = f.objectNode();
      m.forEach((k, x) -> o.set(String.valueOf(k), json(x)));
      return o;
    }
    if (v instanceof GenericRecord r) {
      // parquet-avro's list element wrapper: {"element": value}
      if (r.getSchema().getFields().size() == 1) {
        return json(r.get(0));
      }
      ObjectNode o = f.objectNode();
      r.getSchema().getFields().forEach(field -> o.set(field.name(), json(r.get(field.pos()))));
      return o;
    }
    return f.textNode(v.toString());
  }

  /** One file's records, sorted, as candidate rows numbered from 1. */
  static final class NumberRows extends DoFn<KV<String, List<String>>, Candidate> {
    private static final long serialVersionUID = 1L;
    private final Counter files = Metrics.counter(IngestDataset.class, "files_parsed");
    private final Counter pairs = Metrics.counter(IngestDataset.class, "rows_read");

    @ProcessElement
    public void process(@Element KV<String, List<String>> file, MultiOutputReceiver out) {
      Parsed parsed = parse(file.getKey(), file.getValue());
      files.inc();
      pairs.inc(parsed.rows().size());
      parsed.rows().forEach(r -> out.get(ReadSteps.ROWS).output(r));
      parsed.rejections().forEach(r -> out.get(ReadSteps.REJECTED).output(r));
    }
  }

  /** The candidates of one file's records (as {@link ToJson} wrote them). */
  static Parsed parse(String file, List<String> records) {
    List<String> sorted = new ArrayList<>(records);
    sorted.sort(null);
    List<Candidate> rows = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      JsonNode node;
      try {
        node = Jsonl.MAPPER.readTree(sorted.get(i));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String qid = node.path(HfExport.QUESTION_ID).asText("");
      String position = "record " + (i + 1) + (qid.isEmpty() ? "" : " (question_id " + qid + ")");
      HfExport.candidate(node, file, i + 1, position, rows, rejections);
    }
    return new Parsed(rows, rejections);
  }
}
