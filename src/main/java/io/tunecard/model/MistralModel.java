package io.tunecard.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.tunecard.model.lora.LoraAdapter;

/**
 * A Llama-family causal LM (Mistral) with an optional LoRA adapter: logits, the training loss and
 * its gradients (to the adapter, or to all base weights when they are trainable), and incremental
 * decoding with a KV cache. Every call takes the caller's {@code NDManager} for its results;
 * temporaries are closed before it returns.
 */
// NDScope and GradientCollector are opened for their effect on the arrays created inside.
@SuppressWarnings("try")
public final class MistralModel {
  private final MistralConfig config;
  private final BaseWeights weights;
  private final Decoder decoder;
  private final float[] invFreq;

  public MistralModel(BaseWeights weights, LoraAdapter adapter) {
    this.config = weights.config();
    this.weights = weights;
    if (adapter != null) {
      checkAdapter(adapter);
    }
    this.decoder = new Decoder(weights, adapter);
    this.invFreq = ForwardContext.inverseFrequencies(config);
  }

  private void checkAdapter(LoraAdapter adapter) {
    if (!adapter.model().equals(config)) {
      throw new IllegalArgumentException("the adapter was made for another model shape");
    }
  }

  public MistralConfig config() {
    return config;
  }

  public BaseWeights weights() {
    return weights;
  }

  /** The adapter in use, or null. */
  public LoraAdapter adapter() {
    return decoder.adapter();
  }

  /** Swaps the adapter (null for the bare base model). */
  public void setAdapter(LoraAdapter adapter) {
    if (adapter != null) {
      checkAdapter(adapter);
    }
    decoder.setAdapter(adapter);
  }

  /** Logits (batch, len, vocab) in fp32, without gradients. */
  public NDArray logits(NDManager m, TokenBatch batch) {
    try (NDScope scope = new NDScope()) {
      ForwardContext ctx = context(m, batch, false, 0);
      NDArray logits = toFloat(decoder.head(layers(decoder.embed(batch.idsArray(m)), ctx, 0)));
      NDScope.unregister(logits);
      return logits;
    }
  }

  /** The loss as transformers computes it with {@code labels}, without gradients. */
  public LossValue loss(NDManager m, TokenBatch batch) {
    requireLabels(batch);
    try (NDScope scope = new NDScope()) {
      ForwardContext ctx = context(m, batch, false, 0);
      NDArray hidden = layers(decoder.embed(batch.idsArray(m)), ctx, 0);
      return new LossValue(
          CausalLmLoss.sum(decoder, hidden, batch).getFloat(), batch.supervisedTokens());
    }
  }

  /** Each row's summed answer-token loss and token count, in eval mode (no dropout, no graph). */
  public LossValue[] rowLosses(NDManager m, TokenBatch batch) {
    requireLabels(batch);
    try (NDScope scope = new NDScope()) {
      ForwardContext ctx = context(m, batch, false, 0);
      NDArray hidden = layers(decoder.embed(batch.idsArray(m)), ctx, 0);
      return CausalLmLoss.perRow(decoder, hidden, batch);
    }
  }

  /**
   * One forward and backward pass in training mode (LoRA dropout on): adds the gradients of {@code
   * gradScale * mean loss} to every parameter that requires them (the adapter's; the base weights'
   * only when made trainable) and returns the loss.
   */
  public LossValue trainStep(NDManager m, TokenBatch batch, StepOptions options) {
    requireLabels(batch);
    long n = batch.supervisedTokens();
    if (n == 0) {
      return new LossValue(0, 0);
    }
    return options.checkpointLayers()
        ? trainCheckpointed(m, batch, options, n)
        : trainWhole(m, batch, options, n);
  }

  private LossValue trainWhole(NDManager m, TokenBatch batch, StepOptions o, long n) {
    try (NDScope scope = new NDScope();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      ForwardContext ctx = context(m, batch, true, o.dropoutSeed());
      NDArray hidden = layers(decoder.embed(batch.idsArray(m)), ctx, 0);
      NDArray sum = CausalLmLoss.sum(decoder, hidden, batch);
      gc.backward(NativeArrays.scale(sum, o.gradScale() / n));
      return new LossValue(sum.getFloat(), n);
    }
  }

  /** Forward without a graph, then layer by layer from the top: recompute, backward, pass down. */
  private LossValue trainCheckpointed(NDManager m, TokenBatch batch, StepOptions o, long n) {
    int layers = config.numHiddenLayers();
    try (NDScope scope = new NDScope()) {
      ForwardContext ctx = context(m, batch, true, o.dropoutSeed());
      NDArray ids = batch.idsArray(m);
      NDArray[] inputs = new NDArray[layers + 1]; // input of each layer, (batch, len, hidden)
      inputs[0] = decoder.embed(ids);
      for (int l = 0; l < layers; l++) {
        inputs[l + 1] = layer(l, inputs[l], ctx);
      }
      NDArray grad; // d(scaled loss) / d(output of the layer below)
      double sum;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray top = inputs[layers];
        top.setRequiresGradient(true);
        NDArray s = CausalLmLoss.sum(decoder, top, batch);
        gc.backward(NativeArrays.scale(s, o.gradScale() / n));
        sum = s.getFloat();
        grad = top.getGradient();
      }
      boolean embedTrainable = weights.embed().hasGradient();
      for (int l = layers - 1; l >= 0; l--) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray in = l == 0 && embedTrainable ? decoder.embed(ids) : inputs[l];
          if (l > 0) {
            in.setRequiresGradient(true);
          }
          NDArray out = layer(l, in, ctx);
          JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
          if (l > 0) {
            grad = in.getGradient();
          }
        }
      }
      return new LossValue(sum, n);
    }
  }

  /** A KV cache for {@code batch} rows of up to {@code capacity} positions, owned by the caller. */
  public KvCache newCache(NDManager parent, int batch, int capacity) {
    return new KvCache(config, weights.computeType(), batch, capacity, parent);
  }

  /**
   * Runs the (left-padded) prompt into an empty cache; returns the logits of the last position,
   * (batch, vocab) fp32.
   */
  public NDArray prefill(NDManager m, KvCache cache, TokenBatch prompt) {
    if (cache.length() != 0) {
      throw new IllegalStateException("prefill needs an empty cache");
    }
    return incremental(m, cache, prompt);
  }

  /** Feeds one token per row; returns the next logits, (batch, vocab) fp32. */
  public NDArray decode(NDManager m, KvCache cache, long[] tokens) {
    long[][] ids = new long[tokens.length][];
    for (int b = 0; b < tokens.length; b++) {
      ids[b] = new long[] {tokens[b]};
    }
    return incremental(m, cache, TokenBatch.of(ids));
  }

  private NDArray incremental(NDManager m, KvCache cache, TokenBatch step) {
    try (NDScope scope = new NDScope()) {
      int[][] full = cache.maskWith(step.attentionMask());
      ForwardContext ctx =
          ForwardContext.create(
              m,
              config,
              invFreq,
              weights.computeType(),
              full,
              cache.length(),
              step.length(),
              cache,
              false,
              0);
      NDArray hidden = layers(decoder.embed(step.idsArray(m)), ctx, 0);
      cache.advance(step.attentionMask());
      NDArray last = hidden.get(new NDIndex(":, -1, :")); // (batch, hidden)
      NDArray logits = toFloat(decoder.head(last));
      NDScope.unregister(logits);
      return logits;
    }
  }

  private ForwardContext context(NDManager m, TokenBatch batch, boolean training, long seed) {
    config.checkSequenceLength(batch.length());
    return ForwardContext.create(
        m,
        config,
        invFreq,
        weights.computeType(),
        batch.attentionMask(),
        0,
        batch.length(),
        null,
        training,
        seed);
  }

  /** Runs layers {@code from..} on x, closing each intermediate as soon as the next exists. */
  private NDArray layers(NDArray x, ForwardContext ctx, int from) {
    for (int l = from; l < config.numHiddenLayers(); l++) {
      x = layer(l, x, ctx);
    }
    return x;
  }

  /** One layer in its own scope: only its output survives (autograd keeps what it needs). */
  private NDArray layer(int l, NDArray x, ForwardContext ctx) {
    try (NDScope scope = new NDScope()) {
      NDArray y = decoder.layer(l, x, ctx);
      NDScope.unregister(y);
      return y;
    }
  }

  private static NDArray toFloat(NDArray x) {
    return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
  }

  private static void requireLabels(TokenBatch batch) {
    if (batch.labels() == null) {
      throw new IllegalArgumentException("labels: required for the loss");
    }
  }
}
