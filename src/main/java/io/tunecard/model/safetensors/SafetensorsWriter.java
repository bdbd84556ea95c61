package io.tunecard.model.safetensors;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files (adapters, optimizer state, model weights) atomically: under a temporary
 * name, renamed into place when complete. Tensor bytes are produced at write time, one tensor after
 * the other, so a large checkpoint streams through.
 */
public final class SafetensorsWriter {
  /** Produces exactly the declared number of bytes of one tensor. */
  public interface Data {
    void writeTo(OutputStream out) throws IOException;
  }

  /** One tensor to write. */
  public record Entry(String name, Dtype dtype, long[] shape, Data data) {
    public Entry {
      shape = shape.clone();
    }

    public long byteSize() {
      return Arrays.stream(shape).reduce(1, (a, b) -> a * b) * dtype.bytes();
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  public SafetensorsWriter add(Entry entry) {
    for (Entry e : entries) {
      if (e.name().equals(entry.name())) {
        throw new IllegalArgumentException("tensor '" + entry.name() + "' added twice");
      }
    }
    entries.add(entry);
    return this;
  }

  public SafetensorsWriter add(String name, Dtype dtype, long[] shape, Data data) {
    return add(new Entry(name, dtype, shape, data));
  }

  /** Adds {@code array} in its own type (FLOAT32, FLOAT16, INT64, ...). */
  public SafetensorsWriter add(String name, NDArray array) {
    Dtype dtype = Dtype.of(array.getDataType());
    return add(
        name, dtype, array.getShape().getShape(), out -> writeBuffer(out, array.toByteBuffer()));
  }

  /** Adds a FLOAT32 {@code array} stored as {@code as} (F32, F16 or BF16). */
  public SafetensorsWriter add(String name, NDArray array, Dtype as) {
    if (as == Dtype.of(array.getDataType())) {
      return add(name, array);
    }
    long[] shape = array.getShape().getShape();
    return add(name, as, shape, out -> writeFloats(out, array.toFloatArray(), as));
  }

  public SafetensorsWriter add(String name, float[] values, long[] shape, Dtype as) {
    long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    if (n != values.length) {
      throw new IllegalArgumentException(
          name + ": " + values.length + " values for shape " + Arrays.toString(shape));
    }
    return add(name, as, shape, out -> writeFloats(out, values, as));
  }

  public long dataBytes() {
    return entries.stream().mapToLong(Entry::byteSize).sum();
  }

  /** Writes all tensors to {@code target}, atomically. */
  public void write(Path target) throws IOException {
    write(target, entries, metadata);
  }

  static void write(Path target, List<Entry> entries, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = Jsonl.MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry e : entries) {
      ObjectNode t = header.putObject(e.name());
      t.put("dtype", e.dtype().name());
      ArrayNode shape = t.putArray("shape");
      Arrays.stream(e.shape()).forEach(shape::add);
      ArrayNode offsets = t.putArray("data_offsets");
      offsets.add(offset);
      offset += e.byteSize();
      offsets.add(offset);
    }
    byte[] json = Jsonl.write(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // the data section starts 8-byte aligned
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    AtomicFiles.write(
        target,
        raw -> {
          try (OutputStream out = new java.io.BufferedOutputStream(raw, 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(padded);
            out.write(len.array());
            out.write(head);
            for (Entry e : entries) {
              Counting counting = new Counting(out);
              e.data().writeTo(counting);
              if (counting.count != e.byteSize()) {
                throw new IOException(
                    target
                        + ": tensor "
                        + e.name()
                        + " produced "
                        + counting.count
                        + " bytes, expected "
                        + e.byteSize());
              }
            }
          }
        });
  }

  /**
   * Writes the tensors as a Hugging Face checkpoint in {@code dir}: one {@code model.safetensors}
   * when they fit {@code maxShardBytes}, else {@code model-0000i-of-0000n.safetensors} shards and
   * {@code model.safetensors.index.json}.
   */
  public void writeSharded(Path dir, long maxShardBytes) throws IOException {
    List<List<Entry>> shards = new ArrayList<>();
    List<Entry> current = new ArrayList<>();
    long size = 0;
    for (Entry e : entries) {
      if (!current.isEmpty() && size + e.byteSize() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(e);
      size += e.byteSize();
    }
    if (!current.isEmpty()) {
      shards.add(current);
    }
    Map<String, String> meta = Map.of("format", "pt");
    if (shards.size() <= 1) {
      write(dir.resolve(Checkpoint.SINGLE), entries, meta);
      return;
    }
    ObjectNode index = Jsonl.MAPPER.createObjectNode();
    index.putObject("metadata").put("total_size", dataBytes());
    ObjectNode map = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      write(dir.resolve(name), shards.get(i), meta);
      shards.get(i).forEach(e -> map.put(e.name(), name));
    }
    AtomicFiles.writeString(dir.resolve(Checkpoint.INDEX), Jsonl.pretty(index));
  }

  static void writeBuffer(OutputStream out, ByteBuffer buf) throws IOException {
    ByteBuffer b = buf.duplicate();
    byte[] chunk = new byte[1 << 16];
    while (b.hasRemaining()) {
      int n = Math.min(chunk.length, b.remaining());
      b.get(chunk, 0, n);
      out.write(chunk, 0, n);
    }
  }

  /** Encodes floats little-endian as F32, F16 or BF16 (round-to-nearest-even). */
  public static void writeFloats(OutputStream out, float[] values, Dtype as) throws IOException {
    int width = as.bytes();
    ByteBuffer buf = ByteBuffer.allocate(width * 8192).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < values.length; i++) {
      switch (as) {
        case F32 -> buf.putFloat(values[i]);
        case BF16 -> buf.putShort(Halfs.floatToBf16(values[i]));
        case F16 -> buf.putShort(Halfs.floatToF16(values[i]));
        default -> throw new IllegalArgumentException("cannot encode floats as " + as);
      }
      if (!buf.hasRemaining()) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
    }
    out.write(buf.array(), 0, buf.position());
  }

  private static final class Counting extends OutputStream {
    private final OutputStream out;
    long count;

    Counting(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
