package io.tunecard.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Gathers all values of each key into one list, for steps that need a whole split (or all
 * rejections) in one writer. Like GroupByKey, but each bundle first packs its values per key into
 * one encoded block, and only the blocks are grouped. The DirectRunner copies a key's grouped state
 * every time a bundle adds to it, which made gathering 16,000 rows element by element quadratic
 * (tens of seconds); copying a few dozen byte blocks is a memory copy.
 */
final class GatherByKey<V>
    extends PTransform<PCollection<KV<String, V>>, PCollection<KV<String, List<V>>>> {
  private static final long serialVersionUID = 1L;
  private final Coder<V> coder;

  /** The size at which a block is emitted before its bundle ends. */
  static final int MAX_BLOCK_BYTES = 1 << 20;

  GatherByKey(Coder<V> coder) {
    this.coder = coder;
  }

  @Override
  public PCollection<KV<String, List<V>>> expand(PCollection<KV<String, V>> input) {
    return input
        .apply("PackBundles", ParDo.of(new Pack<>(coder)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply("GroupBlocks", GroupByKey.create())
        .apply("Unpack", ParDo.of(new Unpack<>(coder)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ListCoder.of(coder)));
  }

  /**
   * Encodes a bundle's values per key; emits a key's block when it reaches {@link
   * #MAX_BLOCK_BYTES}, and what is left when the bundle ends.
   */
  static final class Pack<V> extends DoFn<KV<String, V>, KV<String, byte[]>> {
    private static final long serialVersionUID = 1L;
    private final Coder<V> coder;
    private transient Map<String, ByteArrayOutputStream> blocks;

    Pack(Coder<V> coder) {
      this.coder = coder;
    }

    @StartBundle
    public void start() {
      blocks = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element KV<String, V> kv, OutputReceiver<KV<String, byte[]>> out)
        throws IOException {
      ByteArrayOutputStream block =
          blocks.computeIfAbsent(kv.getKey(), k -> new ByteArrayOutputStream());
      coder.encode(kv.getValue(), block);
      // Flink's batch runner makes a bundle of a worker's whole partition: without a cap a block
      // would be a whole split (tens of MB), more than one record of Flink's sorter may hold.
      if (block.size() >= MAX_BLOCK_BYTES) {
        out.output(KV.of(kv.getKey(), block.toByteArray()));
        blocks.remove(kv.getKey());
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      blocks.forEach(
          (key, block) ->
              c.output(
                  KV.of(key, block.toByteArray()),
                  BoundedWindow.TIMESTAMP_MIN_VALUE,
                  GlobalWindow.INSTANCE));
      blocks = null;
    }
  }

  /** Decodes a key's blocks back into one list of values. */
  static final class Unpack<V> extends DoFn<KV<String, Iterable<byte[]>>, KV<String, List<V>>> {
    private static final long serialVersionUID = 1L;
    private final Coder<V> coder;

    Unpack(Coder<V> coder) {
      this.coder = coder;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<byte[]>> blocks, OutputReceiver<KV<String, List<V>>> out)
        throws IOException {
      List<V> values = new ArrayList<>();
      for (byte[] block : blocks.getValue()) {
        InputStream in = new java.io.ByteArrayInputStream(block);
        while (in.available() > 0) {
          values.add(coder.decode(in));
        }
      }
      out.output(KV.of(blocks.getKey(), values));
    }
  }
}
