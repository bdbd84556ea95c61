package io.tunecard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Writes the Hub export's rows (JSON lines) as a parquet file the way the Hub's conversion lays
 * them out: nullable string columns, and {@code umls_cui} as a list of strings.
 */
public final class ParquetExport {
  private ParquetExport() {}

  static final List<String> STRINGS =
      List.of(
          "document_id",
          "document_source",
          "document_url",
          "category",
          "umls_semantic_types",
          "umls_semantic_group",
          "synonyms",
          "question_id",
          "question_focus",
          "question_type",
          "question",
          "answer");

  static Schema schema() {
    var fields = SchemaBuilder.record("medquad").namespace("io.tunecard.test").fields();
    for (String s : STRINGS) {
      fields = fields.optionalString(s);
    }
    return fields.name("umls_cui").type().optional().array().items().stringType().endRecord();
  }

  /** Converts {@code jsonl} into {@code parquet}; returns the file's bytes. */
  public static byte[] write(Path jsonl, Path parquet) throws IOException {
    Schema schema = schema();
    Schema cuiList = schema.getField("umls_cui").schema().getTypes().get(1);
    Files.deleteIfExists(parquet);
    Configuration conf = new Configuration();
    try (ParquetWriter<GenericRecord> w =
        AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(parquet.toUri()), conf))
            .withSchema(schema)
            .withConf(conf)
            .build()) {
      for (JsonNode row : Jsonl.readAll(jsonl)) {
        GenericRecord r = new GenericData.Record(schema);
        for (String s : STRINGS) {
          JsonNode v = row.get(s);
          r.put(s, v == null || v.isNull() ? null : v.isTextual() ? v.asText() : v.toString());
        }
        JsonNode cui = row.get("umls_cui");
        if (cui != null && !cui.isNull()) {
          List<String> items = new ArrayList<>();
          if (cui.isArray()) {
            cui.forEach(c -> items.add(c.asText()));
          } else {
            items.add(cui.asText());
          }
          r.put("umls_cui", new GenericData.Array<>(cuiList, items));
        }
        w.write(r);
      }
    }
    return Files.readAllBytes(parquet);
  }
}
