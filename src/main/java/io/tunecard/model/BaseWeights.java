package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tunecard.files.BadInputException;
import io.tunecard.model.nf4.Nf4;
import io.tunecard.model.nf4.Nf4Linear;
import io.tunecard.model.nf4.QuantizationReport;
import io.tunecard.model.safetensors.Checkpoint;
import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.SafetensorsFile;
import io.tunecard.model.safetensors.SafetensorsWriter;
import io.tunecard.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The base model's weights, owned by one native memory scope: embeddings, per-layer norms and
 * projections (dense or NF4), final norm and LM head. Loaded from a Hugging Face directory one
 * tensor at a time (NF4 projections are quantized while streaming from the memory map), or
 * initialised at random for a base trained from scratch.
 */
public final class BaseWeights implements AutoCloseable {
  private final MistralConfig config;
  private final NDManager manager;
  private final DataType computeType;
  private final NDArray embed; // (vocab, hidden)
  private final NDArray finalNorm; // (hidden)
  private final NDArray lmHead; // (vocab, hidden); the embedding itself when tied
  private final List<LayerWeights> layers;
  private final QuantizationReport report;

  private BaseWeights(
      MistralConfig config,
      NDManager manager,
      DataType computeType,
      NDArray embed,
      NDArray finalNorm,
      NDArray lmHead,
      List<LayerWeights> layers,
      QuantizationReport report) {
    this.config = config;
    this.manager = manager;
    this.computeType = computeType;
    this.embed = embed;
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
    this.layers = List.copyOf(layers);
    this.report = report;
  }

  /** Loads {@code dir} (config.json + safetensors). */
  public static BaseWeights load(Path dir, LoadOptions options, NDManager parent) {
    return load(dir, options, parent, msg -> {});
  }

  public static BaseWeights load(
      Path dir, LoadOptions options, NDManager parent, Consumer<String> progress) {
    MistralConfig config = MistralConfig.read(dir);
    try (Checkpoint ck = Checkpoint.open(dir)) {
      return load(config, ck, options, parent, progress);
    }
  }

  public static BaseWeights load(
      MistralConfig config,
      Checkpoint ck,
      LoadOptions options,
      NDManager parent,
      Consumer<String> progress) {
    java.util.Set<String> expected = HfKeys.baseModel(config);
    if (config.tieWordEmbeddings() && ck.has(HfKeys.LM_HEAD)) {
      expected = new java.util.LinkedHashSet<>(expected);
      expected.add(HfKeys.LM_HEAD); // some tied checkpoints still carry the copy; it is ignored
    }
    ck.requireExactly(expected);
    NDManager m = parent.newSubManager();
    DataType type = options.computeType();
    QuantizationReport report = new QuantizationReport();
    try {
      NDArray embed =
          read(ck, HfKeys.EMBED_TOKENS, m, type, config.vocabSize(), config.hiddenSize());
      List<LayerWeights> layers = new ArrayList<>();
      for (int i = 0; i < config.numHiddenLayers(); i++) {
        Map<Projection, FrozenLinear> linears = new EnumMap<>(Projection.class);
        for (Projection p : Projection.values()) {
          String name = HfKeys.weight(i, p);
          int out = p.outFeatures(config);
          int in = p.inFeatures(config);
          if (options.quantizes(p)) {
            linears.put(p, quantize(ck, name, i, out, in, m, type, options.doubleQuant(), report));
          } else {
            linears.put(p, new DenseLinear(read(ck, name, m, type, out, in)));
          }
        }
        layers.add(
            new LayerWeights(
                read(ck, HfKeys.inputNorm(i), m, type, config.hiddenSize()),
                read(ck, HfKeys.postAttentionNorm(i), m, type, config.hiddenSize()),
                linears));
        progress.accept("layer " + (i + 1) + "/" + config.numHiddenLayers());
      }
      NDArray norm = read(ck, HfKeys.FINAL_NORM, m, type, config.hiddenSize());
      NDArray head =
          config.tieWordEmbeddings()
              ? embed
              : read(ck, HfKeys.LM_HEAD, m, type, config.vocabSize(), config.hiddenSize());
      return new BaseWeights(config, m, type, embed, norm, head, layers, report);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  private static NDArray read(
      Checkpoint ck, String name, NDManager m, DataType type, long... shape) {
    TensorInfo info = ck.info(name);
    if (!Arrays.equals(info.shape(), shape)) {
      throw new BadInputException(
          ck.fileOf(name).path()
              + ": tensor '"
              + name
              + "' has shape "
              + info.shapeString()
              + ", the config implies "
              + Arrays.toString(shape));
    }
    return ck.read(name, m, type);
  }

  private static Nf4Linear quantize(
      Checkpoint ck,
      String name,
      int layer,
      int out,
      int in,
      NDManager m,
      DataType type,
      boolean doubleQuant,
      QuantizationReport report) {
    TensorInfo info = ck.info(name);
    long[] shape = {out, in};
    SafetensorsFile file = ck.fileOf(name);
    if (!Arrays.equals(info.shape(), shape)) {
      throw new BadInputException(
          file.path()
              + ": tensor '"
              + name
              + "' has shape "
              + info.shapeString()
              + ", the config implies "
              + Arrays.toString(shape));
    }
    Nf4.Quantized q =
        Nf4.quantize(
            (from, dst, len) -> file.readFloats(info, from, dst, 0, len),
            info.numel(),
            doubleQuant);
    Nf4Linear linear = new Nf4Linear(m, q, out, in, type);
    report.add(
        new QuantizationReport.Row(
            layer,
            name,
            q.numel(),
            linear.storageBytes(),
            q.stats().relativeError(),
            q.stats().maxAbsError()));
    return linear;
  }

  /**
   * Random weights for a base trained from scratch, initialised as transformers does (normal with
   * std 0.02 for embeddings and projections, ones for norms); deterministic for a seed.
   */
  public static BaseWeights random(MistralConfig config, long seed, NDManager parent) {
    NDManager m = parent.newSubManager();
    SplittableRandom root = new SplittableRandom(seed);
    NDArray embed = normal(m, root.split(), config.vocabSize(), config.hiddenSize());
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      Map<Projection, FrozenLinear> linears = new EnumMap<>(Projection.class);
      for (Projection p : Projection.values()) {
        linears.put(
            p,
            new DenseLinear(normal(m, root.split(), p.outFeatures(config), p.inFeatures(config))));
      }
      layers.add(
          new LayerWeights(
              m.ones(new Shape(config.hiddenSize())),
              m.ones(new Shape(config.hiddenSize())),
              linears));
    }
    NDArray head =
        config.tieWordEmbeddings()
            ? embed
            : normal(m, root.split(), config.vocabSize(), config.hiddenSize());
    return new BaseWeights(
        config,
        m,
        DataType.FLOAT32,
        embed,
        m.ones(new Shape(config.hiddenSize())),
        head,
        layers,
        new QuantizationReport());
  }

  private static NDArray normal(NDManager m, SplittableRandom rng, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rng.nextGaussian() * 0.02);
    }
    return NativeArrays.of(m, v, new Shape(rows, cols));
  }

  public MistralConfig config() {
    return config;
  }

  public DataType computeType() {
    return computeType;
  }

  public NDArray embed() {
    return embed;
  }

  public NDArray finalNorm() {
    return finalNorm;
  }

  public NDArray lmHead() {
    return lmHead;
  }

  public LayerWeights layer(int i) {
    return layers.get(i);
  }

  public List<LayerWeights> layers() {
    return layers;
  }

  /** NF4 memory and error per tensor (empty when nothing was quantized). */
  public QuantizationReport quantizationReport() {
    return report;
  }

  /** Bytes of all base weights held in memory. */
  public long storageBytes() {
    long bytes = embed.size() * embed.getDataType().getNumOfBytes();
    if (lmHead != embed) {
      bytes += lmHead.size() * lmHead.getDataType().getNumOfBytes();
    }
    for (LayerWeights l : layers) {
      bytes += l.storageBytes();
    }
    return bytes + finalNorm.size() * finalNorm.getDataType().getNumOfBytes();
  }

  /** Every weight by its Hugging Face name; fails for NF4 weights, which cannot be trained. */
  public List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    out.add(new Parameter(HfKeys.EMBED_TOKENS, embed));
    for (int i = 0; i < layers.size(); i++) {
      LayerWeights l = layers.get(i);
      out.add(new Parameter(HfKeys.inputNorm(i), l.inputNorm()));
      for (Projection p : Projection.values()) {
        if (!(l.linear(p) instanceof DenseLinear d)) {
          throw new IllegalStateException(
              HfKeys.weight(i, p) + " is quantized; it cannot be trained or saved");
        }
        out.add(new Parameter(HfKeys.weight(i, p), d.weight()));
      }
      out.add(new Parameter(HfKeys.postAttentionNorm(i), l.postAttentionNorm()));
    }
    out.add(new Parameter(HfKeys.FINAL_NORM, finalNorm));
    if (!config.tieWordEmbeddings()) {
      out.add(new Parameter(HfKeys.LM_HEAD, lmHead));
    }
    return out;
  }

  /** Makes every base weight trainable (pre-training a scratch base) or frozen again. */
  public void setTrainable(boolean trainable) {
    parameters().forEach(p -> p.value().setRequiresGradient(trainable));
  }

  /**
   * Writes a Hugging Face model directory: {@code config.json}, {@code generation_config.json} and
   * {@code model.safetensors} (fp32), each file atomically.
   */
  public void save(Path dir) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    for (Parameter p : parameters()) {
      w.add(p.name(), p.value(), Dtype.F32);
    }
    java.nio.file.Files.createDirectories(dir);
    w.write(dir.resolve(Checkpoint.SINGLE));
    config.write(dir, "float32");
    config.writeGenerationConfig(dir);
  }

  @Override
  public void close() {
    for (LayerWeights l : layers) {
      l.linears().values().forEach(FrozenLinear::close);
    }
    manager.close();
  }
}
