package io.tunecard.model.roberta;

/**
 * The Hugging Face tensor names of a RoBERTa encoder, verbatim. A checkpoint saved from {@code
 * RobertaModel} has them bare; one saved from a task model ({@code RobertaForMaskedLM}, the Hub's
 * {@code roberta-large}) prefixes them with {@code roberta.}.
 *
 * <pre>
 * embeddings.word_embeddings.weight          (vocab, hidden)
 * embeddings.position_embeddings.weight      (max_positions, hidden)
 * embeddings.token_type_embeddings.weight    (type_vocab, hidden)
 * embeddings.LayerNorm.{weight,bias}
 * encoder.layer.{i}.attention.self.{query,key,value}.{weight,bias}
 * encoder.layer.{i}.attention.output.dense.{weight,bias}
 * encoder.layer.{i}.attention.output.LayerNorm.{weight,bias}
 * encoder.layer.{i}.intermediate.dense.{weight,bias}
 * encoder.layer.{i}.output.dense.{weight,bias}
 * encoder.layer.{i}.output.LayerNorm.{weight,bias}
 * </pre>
 */
final class RobertaKeys {
  static final String TASK_PREFIX = "roberta.";
  static final String WORD = "embeddings.word_embeddings.weight";
  static final String POSITION = "embeddings.position_embeddings.weight";
  static final String TOKEN_TYPE = "embeddings.token_type_embeddings.weight";
  static final String EMBED_NORM = "embeddings.LayerNorm";

  private RobertaKeys() {}

  static String layer(int i, String part) {
    return "encoder.layer." + i + "." + part;
  }

  static final String QUERY = "attention.self.query";
  static final String KEY = "attention.self.key";
  static final String VALUE = "attention.self.value";
  static final String ATTENTION_OUT = "attention.output.dense";
  static final String ATTENTION_NORM = "attention.output.LayerNorm";
  static final String INTERMEDIATE = "intermediate.dense";
  static final String OUTPUT = "output.dense";
  static final String OUTPUT_NORM = "output.LayerNorm";
}
