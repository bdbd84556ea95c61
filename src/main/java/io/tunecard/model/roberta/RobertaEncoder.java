package io.tunecard.model.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.tunecard.files.BadInputException;
import io.tunecard.model.NativeArrays;
import io.tunecard.model.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A RoBERTa encoder cut after layer L, as {@code bert_score} uses it (it keeps {@code
 * encoder.layer[:L]} and reads the last hidden state): embeddings (word + position + token type 0,
 * then LayerNorm), then L post-LayerNorm layers (self-attention with biases, exact GELU MLP).
 * Position ids are RoBERTa's: {@code padding_idx + cumsum(id != padding_idx)} for tokens, {@code
 * padding_idx} on padding, so a sentence's states do not depend on the padding of its batch. Only
 * the weights of the layers used are loaded. Inference only, in fp32.
 */
// NDScope is opened for its effect on the arrays created inside.
@SuppressWarnings("try")
public final class RobertaEncoder implements AutoCloseable {
  private final RobertaConfig config;
  private final int layers;
  private final NDManager manager;
  private final NDArray word; // (vocab, hidden)
  private final NDArray position; // (max_positions, hidden)
  private final NDArray tokenType0; // (hidden): token type 0, the only one bert_score uses
  private final NDArray[] embedNorm; // weight, bias
  private final List<Layer> stack;

  private record Layer(
      NDArray qkvWeight, // (3 * hidden, hidden): query, key, value rows fused
      NDArray qkvBias,
      NDArray outWeight,
      NDArray outBias,
      NDArray[] attentionNorm,
      NDArray upWeight, // (intermediate, hidden)
      NDArray upBias,
      NDArray downWeight, // (hidden, intermediate)
      NDArray downBias,
      NDArray[] outputNorm) {}

  private RobertaEncoder(
      RobertaConfig config,
      int layers,
      NDManager manager,
      NDArray word,
      NDArray position,
      NDArray tokenType0,
      NDArray[] embedNorm,
      List<Layer> stack) {
    this.config = config;
    this.layers = layers;
    this.manager = manager;
    this.word = word;
    this.position = position;
    this.tokenType0 = tokenType0;
    this.embedNorm = embedNorm;
    this.stack = stack;
  }

  /**
   * Loads the embeddings and the first {@code layers} layers of the encoder in {@code dir}
   * (config.json + safetensors); {@code layers} 0 gives the embeddings' output.
   */
  public static RobertaEncoder load(Path dir, int layers, NDManager parent) {
    RobertaConfig config = RobertaConfig.read(dir);
    if (layers < 0 || layers > config.numHiddenLayers()) {
      throw new BadInputException(
          dir
              + ": layer "
              + layers
              + " asked for, the encoder has "
              + config.numHiddenLayers()
              + " layers");
    }
    NDManager m = parent.newSubManager();
    try (Checkpoint ck = Checkpoint.open(dir)) {
      String prefix =
          ck.has(RobertaKeys.WORD)
              ? ""
              : ck.has(RobertaKeys.TASK_PREFIX + RobertaKeys.WORD) ? RobertaKeys.TASK_PREFIX : null;
      if (prefix == null) {
        throw new BadInputException(
            dir + ": no RoBERTa weights (tensor '" + RobertaKeys.WORD + "' is missing)");
      }
      Reader r = new Reader(ck, prefix, m, dir);
      int h = config.hiddenSize();
      NDArray word = r.read(RobertaKeys.WORD, config.vocabSize(), h);
      NDArray position = r.read(RobertaKeys.POSITION, config.maxPositionEmbeddings(), h);
      NDArray types = r.read(RobertaKeys.TOKEN_TYPE, config.typeVocabSize(), h);
      NDArray tokenType0 = types.get(0);
      List<Layer> stack = new ArrayList<>();
      for (int i = 0; i < layers; i++) {
        stack.add(readLayer(r, i, config));
      }
      return new RobertaEncoder(
          config, layers, m, word, position, tokenType0, r.norm(RobertaKeys.EMBED_NORM, h), stack);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  private static Layer readLayer(Reader r, int i, RobertaConfig c) {
    int h = c.hiddenSize();
    int in = c.intermediateSize();
    NDArray q = r.read(RobertaKeys.layer(i, RobertaKeys.QUERY) + ".weight", h, h);
    NDArray k = r.read(RobertaKeys.layer(i, RobertaKeys.KEY) + ".weight", h, h);
    NDArray v = r.read(RobertaKeys.layer(i, RobertaKeys.VALUE) + ".weight", h, h);
    NDArray qb = r.read(RobertaKeys.layer(i, RobertaKeys.QUERY) + ".bias", h);
    NDArray kb = r.read(RobertaKeys.layer(i, RobertaKeys.KEY) + ".bias", h);
    NDArray vb = r.read(RobertaKeys.layer(i, RobertaKeys.VALUE) + ".bias", h);
    return new Layer(
        NDArrays.concat(new NDList(q, k, v), 0),
        NDArrays.concat(new NDList(qb, kb, vb), 0),
        r.read(RobertaKeys.layer(i, RobertaKeys.ATTENTION_OUT) + ".weight", h, h),
        r.read(RobertaKeys.layer(i, RobertaKeys.ATTENTION_OUT) + ".bias", h),
        r.norm(RobertaKeys.layer(i, RobertaKeys.ATTENTION_NORM), h),
        r.read(RobertaKeys.layer(i, RobertaKeys.INTERMEDIATE) + ".weight", in, h),
        r.read(RobertaKeys.layer(i, RobertaKeys.INTERMEDIATE) + ".bias", in),
        r.read(RobertaKeys.layer(i, RobertaKeys.OUTPUT) + ".weight", h, in),
        r.read(RobertaKeys.layer(i, RobertaKeys.OUTPUT) + ".bias", h),
        r.norm(RobertaKeys.layer(i, RobertaKeys.OUTPUT_NORM), h));
  }

  public RobertaConfig config() {
    return config;
  }

  /** The layer whose output {@link #encode} returns. */
  public int layers() {
    return layers;
  }

  /**
   * Hidden states of every sequence after the last loaded layer, (tokens, hidden) each; the
   * sequences are run together, right-padded to the longest, and padding is masked out.
   */
  public List<float[][]> encode(List<long[]> sequences) {
    if (sequences.isEmpty()) {
      return List.of();
    }
    int b = sequences.size();
    int t = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
    if (t > config.maxTokens()) {
      throw new IllegalArgumentException(
          t + " tokens exceed the encoder's " + config.maxTokens() + " positions");
    }
    long pad = config.padTokenId();
    long[] ids = new long[b * t];
    long[] positions = new long[b * t];
    float[] bias = new float[b * t]; // 0 = attend, -max = padding
    Arrays.fill(ids, pad);
    Arrays.fill(positions, pad);
    Arrays.fill(bias, -Float.MAX_VALUE);
    for (int i = 0; i < b; i++) {
      long[] s = sequences.get(i);
      int seen = 0;
      for (int j = 0; j < s.length; j++) {
        ids[i * t + j] = s[j];
        bias[i * t + j] = 0f;
        if (s[j] != pad) {
          seen++;
          positions[i * t + j] = pad + seen;
        }
      }
    }
    int h = config.hiddenSize();
    float[] flat;
    try (NDManager m = manager.newSubManager();
        NDScope scope = new NDScope()) {
      NDArray idArray = NativeArrays.of(m, ids, new Shape(b, t));
      NDArray posArray = NativeArrays.of(m, positions, new Shape(b, t));
      NDArray maskBias = NativeArrays.of(m, bias, new Shape(b, 1, 1, t));
      NDArray x =
          embed(idArray, word).add(embed(posArray, position)).add(tokenType0); // (b, t, hidden)
      x = norm(x, embedNorm);
      for (Layer layer : stack) {
        x = layer(x, layer, maskBias, b, t);
      }
      flat = x.toType(DataType.FLOAT32, false).toFloatArray();
    }
    List<float[][]> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      float[][] rows = new float[sequences.get(i).length][];
      for (int j = 0; j < rows.length; j++) {
        int from = (i * t + j) * h;
        rows[j] = Arrays.copyOfRange(flat, from, from + h);
      }
      out.add(rows);
    }
    return out;
  }

  /** One post-LayerNorm encoder layer: (b, t, hidden) → (b, t, hidden). */
  private NDArray layer(NDArray x, Layer w, NDArray maskBias, int b, int t) {
    int heads = config.numAttentionHeads();
    int hd = config.headDim();
    int h = config.hiddenSize();
    NDList qkv = Linear.linear(x, w.qkvWeight(), w.qkvBias()).singletonOrThrow().split(3, 2);
    NDArray q = qkv.get(0).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // (b, heads, t, hd)
    NDArray k = qkv.get(1).reshape(b, t, heads, hd).transpose(0, 2, 3, 1); // (b, heads, hd, t)
    NDArray v = qkv.get(2).reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    NDArray scores = q.matMul(k).mul(1.0 / Math.sqrt(hd)).add(maskBias); // (b, heads, t, t)
    NDArray context =
        scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, h); // (b, t, hidden)
    NDArray attended = Linear.linear(context, w.outWeight(), w.outBias()).singletonOrThrow();
    NDArray x1 = norm(attended.add(x), w.attentionNorm());
    NDArray up = Activation.gelu(Linear.linear(x1, w.upWeight(), w.upBias()).singletonOrThrow());
    NDArray down = Linear.linear(up, w.downWeight(), w.downBias()).singletonOrThrow();
    return norm(down.add(x1), w.outputNorm());
  }

  private NDArray norm(NDArray x, NDArray[] weightBias) {
    return LayerNorm.layerNorm(
            x,
            new Shape(config.hiddenSize()),
            weightBias[0],
            weightBias[1],
            (float) config.layerNormEps())
        .singletonOrThrow();
  }

  private static NDArray embed(NDArray ids, NDArray table) {
    return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Reads tensors by their names under a prefix, checking shapes. */
  private record Reader(Checkpoint ck, String prefix, NDManager m, Path dir) {
    NDArray read(String name, long... shape) {
      String key = prefix + name;
      if (!ck.has(key)) {
        throw new BadInputException(dir + ": tensor '" + key + "' is missing");
      }
      long[] actual = ck.info(key).shape();
      if (!Arrays.equals(actual, shape)) {
        throw new BadInputException(
            dir
                + ": tensor '"
                + key
                + "' has shape "
                + Arrays.toString(actual)
                + ", the config implies "
                + Arrays.toString(shape));
      }
      return ck.read(key, m, DataType.FLOAT32);
    }

    NDArray[] norm(String name, int hidden) {
      return new NDArray[] {read(name + ".weight", hidden), read(name + ".bias", hidden)};
    }
  }
}
