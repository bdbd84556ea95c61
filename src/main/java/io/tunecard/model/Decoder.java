package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;
import io.tunecard.model.lora.LoraAdapter;

/**
 * The maths of the Llama-family decoder, written as transformers' {@code modeling_mistral} does it
 * (eager attention): RMSNorm in fp32, rotary embeddings with {@code rotate_half}, grouped-query
 * attention with an additive mask and softmax in fp32, SwiGLU MLP, LoRA on any projection.
 * Operations always take an activation as their first operand, so results land in the step's
 * manager, never in the weights'. Scalar factors go through {@link NativeArrays#scale}, never DJL's
 * {@code mul(Number)}: autograd keeps them for the backward pass.
 */
final class Decoder {
  private final MistralConfig c;
  private final BaseWeights w;
  private LoraAdapter lora;

  Decoder(BaseWeights weights, LoraAdapter lora) {
    this.c = weights.config();
    this.w = weights;
    this.lora = lora;
  }

  void setAdapter(LoraAdapter adapter) {
    this.lora = adapter;
  }

  LoraAdapter adapter() {
    return lora;
  }

  /** (batch, len) int64 ids → (batch, len, hidden). */
  NDArray embed(NDArray ids) {
    return ids.getNDArrayInternal()
        .embedding(ids, w.embed(), SparseFormat.DENSE)
        .singletonOrThrow();
  }

  /** One decoder layer: (batch, len, hidden) → (batch, len, hidden). */
  NDArray layer(int l, NDArray x, ForwardContext ctx) {
    LayerWeights lw = w.layer(l);
    int b = ctx.batch;
    int t = ctx.length;
    int hd = c.headDim();
    int kv = c.numKeyValueHeads();
    NDArray h = rmsNorm(x, lw.inputNorm());
    NDArray[] qkv = projectMany(l, h, ctx, Projection.Q_PROJ, Projection.K_PROJ, Projection.V_PROJ);
    NDArray q = rotary(qkv[0].reshape(b, t, c.numAttentionHeads(), hd), ctx);
    NDArray k = rotary(qkv[1].reshape(b, t, kv, hd), ctx);
    NDArray v = qkv[2].reshape(b, t, kv, hd);
    NDArray keys = k.transpose(0, 2, 1, 3); // (batch, kv, len, hd)
    NDArray values = v.transpose(0, 2, 1, 3);
    if (ctx.cache != null) {
      keys = ctx.cache.store(l, true, ctx.past, keys);
      values = ctx.cache.store(l, false, ctx.past, values);
    }
    NDArray attn = attention(q, keys, values, ctx); // (batch, len, heads * hd)
    NDArray x1 = x.add(project(l, Projection.O_PROJ, attn, ctx));
    NDArray h2 = rmsNorm(x1, lw.postAttentionNorm());
    NDArray[] gateUp = projectMany(l, h2, ctx, Projection.GATE_PROJ, Projection.UP_PROJ);
    NDArray gate = gateUp[0];
    NDArray up = gateUp[1];
    NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up); // silu(gate) * up
    return x1.add(project(l, Projection.DOWN_PROJ, act, ctx));
  }

  /** {@code weight * x / sqrt(mean(x^2) + eps)}, computed in fp32 as transformers does. */
  NDArray rmsNorm(NDArray x, NDArray weight) {
    DataType type = x.getDataType();
    NDArray x32 = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    NDArray variance = x32.square().mean(new int[] {-1}, true);
    NDArray normed = x32.div(variance.add(c.rmsNormEps()).sqrt());
    if (type != DataType.FLOAT32) {
      normed = normed.toType(type, false);
    }
    return normed.mul(weight);
  }

  /** q·cos + rotate_half(q)·sin on (batch, len, heads, hd), halves [x1, x2] → [-x2, x1]. */
  private NDArray rotary(NDArray x, ForwardContext ctx) {
    NDList halves = x.split(2, 3);
    NDArray x1 = halves.get(0);
    NDArray x2 = halves.get(1);
    NDArray r1 = x1.mul(ctx.cos).sub(x2.mul(ctx.sin));
    NDArray r2 = x2.mul(ctx.cos).add(x1.mul(ctx.sin));
    return NDArrays.concat(new NDList(r1, r2), 3);
  }

  /**
   * Grouped-query attention without repeating K and V: the queries of the {@code n_rep} heads that
   * share a KV head are stacked along the sequence axis and multiplied in one product.
   */
  private NDArray attention(NDArray q, NDArray keys, NDArray values, ForwardContext ctx) {
    int b = ctx.batch;
    int t = ctx.length;
    int kv = c.numKeyValueHeads();
    int rep = c.queriesPerKv();
    int hd = c.headDim();
    long tk = keys.getShape().get(2);
    // (batch, len, heads, hd) → (batch, kv, rep * len, hd); head h uses KV head h / rep, as HF.
    NDArray qg =
        q.reshape(b, t, kv, rep, hd).transpose(0, 2, 3, 1, 4).reshape(b, kv, (long) rep * t, hd);
    NDArray scores =
        NativeArrays.scale(
            qg.matMul(keys.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(hd)); // (b, kv, rep*t, tk)
    NDArray masked = scores.reshape(b, kv, rep, t, tk).add(ctx.bias);
    NDArray probs =
        masked.getDataType() == DataType.FLOAT32
            ? masked.softmax(-1)
            : masked
                .toType(DataType.FLOAT32, false)
                .softmax(-1)
                .toType(masked.getDataType(), false);
    NDArray out = probs.reshape(b, kv, (long) rep * t, tk).matMul(values); // (b, kv, rep*t, hd)
    return out.reshape(b, kv, rep, t, hd)
        .transpose(0, 3, 1, 2, 4)
        .reshape(b, t, (long) kv * rep * hd);
  }

  /**
   * Several projections of the same input. Dense base weights are concatenated (a small copy per
   * call, which autograd differentiates through) so one wide product replaces several narrow ones.
   */
  private NDArray[] projectMany(int l, NDArray x, ForwardContext ctx, Projection... ps) {
    NDArray[] out = new NDArray[ps.length];
    LayerWeights lw = w.layer(l);
    boolean dense = true;
    for (Projection p : ps) {
      dense &= lw.linear(p) instanceof DenseLinear;
    }
    if (!dense) {
      for (int i = 0; i < ps.length; i++) {
        out[i] = project(l, ps[i], x, ctx);
      }
      return out;
    }
    NDList weights = new NDList();
    long[] cuts = new long[ps.length - 1];
    long sum = 0;
    for (int i = 0; i < ps.length; i++) {
      NDArray wi = ((DenseLinear) lw.linear(ps[i])).weight();
      weights.add(wi);
      sum += wi.getShape().get(0);
      if (i < cuts.length) {
        cuts[i] = sum;
      }
    }
    NDArray fused = NDArrays.concat(weights, 0); // (sum of out, in), lands in the weights' manager
    fused.attach(x.getManager());
    NDList parts =
        Linear.linear(x, fused).singletonOrThrow().split(cuts, x.getShape().dimension() - 1);
    for (int i = 0; i < ps.length; i++) {
      out[i] = withAdapter(l, ps[i], x, parts.get(i), ctx);
    }
    return out;
  }

  /** Base projection plus, where an adapter sits, {@code scaling * B A dropout(x)} (PEFT order). */
  NDArray project(int l, Projection p, NDArray x, ForwardContext ctx) {
    return withAdapter(l, p, x, w.layer(l).linear(p).apply(x), ctx);
  }

  private NDArray withAdapter(int l, Projection p, NDArray x, NDArray y, ForwardContext ctx) {
    LoraAdapter.Pair pair = lora == null ? null : lora.pair(l, p);
    if (pair == null) {
      return y;
    }
    NDArray in = x;
    double dropout = lora.config().dropout();
    if (ctx.training && dropout > 0) {
      long seed = DropoutMask.seed(ctx.dropoutSeed, l, p);
      in = x.mul(DropoutMask.create(x.getManager(), x.getShape(), dropout, seed, x.getDataType()));
    }
    // scaling is applied to the rank-r product (..., r), the smallest tensor on the path
    NDArray down =
        NativeArrays.scale(Linear.linear(in, pair.a()).singletonOrThrow(), lora.scaling());
    return y.add(Linear.linear(down, pair.b()).singletonOrThrow());
  }

  long headVocab() {
    return w.lmHead().getShape().get(0);
  }

  /** Final norm then LM head: (..., hidden) → (..., vocab). */
  NDArray head(NDArray x) {
    return Linear.linear(rmsNorm(x, w.finalNorm()), w.lmHead()).singletonOrThrow();
  }
}
