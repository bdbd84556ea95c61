package io.tunecard.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one safetensors file: an 8-byte little-endian header length, a JSON header, then the raw
 * tensor bytes. Each tensor is memory-mapped on its own when read and unmapped right after, so a 5
 * GB shard never sits in memory as a whole (DJL's own decoder stops at 2 GiB).
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final long MAX_HEADER = 100L << 20;
  private static final int CHUNK = 1 << 20;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens {@code path} and validates its header; errors name the file and the bad entry. */
  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new BadInputException(path + ": cannot open safetensors file (" + e + ")", e);
    }
    try {
      long size = channel.size();
      if (size < 8) {
        throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw bad(
            path, "header length " + headerLen + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(channel, header, 8);
      String json = new String(header.array(), StandardCharsets.UTF_8);
      long dataStart = 8 + headerLen;
      Map<String, String> metadata = new LinkedHashMap<>();
      List<TensorInfo> list = parseHeader(path, json, size - dataStart, metadata);
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      list.stream()
          .sorted(Comparator.comparingLong(TensorInfo::begin))
          .forEach(t -> tensors.put(t.name(), t));
      return new SafetensorsFile(
          path,
          channel,
          dataStart,
          Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      closeQuietly(channel);
      throw new BadInputException(path + ": cannot read safetensors header (" + e + ")", e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static List<TensorInfo> parseHeader(
      Path path, String json, long dataSize, Map<String, String> metadata) {
    JsonNode root;
    try {
      root = Jsonl.MAPPER.readTree(json);
    } catch (IOException e) {
      throw bad(path, "header is not JSON (" + e.getMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad(path, "header is not a JSON object");
    }
    List<TensorInfo> list = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      String where = "tensor '" + name + "': ";
      Dtype dtype = Dtype.parse(v.path("dtype").asText());
      if (dtype == null) {
        throw bad(path, where + "dtype '" + v.path("dtype").asText() + "' is not supported");
      }
      JsonNode shapeNode = v.path("shape");
      JsonNode offsets = v.path("data_offsets");
      if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
        throw bad(path, where + "expected 'shape' (array) and 'data_offsets' ([begin, end])");
      }
      long[] shape = new long[shapeNode.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong(-1);
        if (shape[i] < 0) {
          throw bad(path, where + "negative or non-integer dimension in shape " + shapeNode);
        }
        numel *= shape[i];
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      if (begin < 0 || end < begin || end > dataSize) {
        throw bad(
            path,
            where
                + "data_offsets ["
                + begin
                + ", "
                + end
                + ") outside the data ("
                + dataSize
                + ")");
      }
      if (end - begin != numel * dtype.bytes()) {
        throw bad(
            path,
            where
                + (end - begin)
                + " bytes for shape "
                + shapeNode
                + " of "
                + dtype
                + " (expected "
                + numel * dtype.bytes()
                + ")");
      }
      list.add(new TensorInfo(name, dtype, shape, begin, end));
    }
    return list;
  }

  public Path path() {
    return path;
  }

  /** Tensors by name, in file order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw bad(path, "no tensor named '" + name + "'");
    }
    return t;
  }

  /**
   * Maps {@code count} elements of {@code t} from element {@code from}, little-endian. Free the
   * buffer with {@link DirectBuffers#free} when done.
   */
  public ByteBuffer map(TensorInfo t, long from, long count) {
    long offset = dataStart + t.begin() + from * t.dtype().bytes();
    long length = count * t.dtype().bytes();
    if (from < 0 || count < 0 || from + count > t.numel() || length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          t + ": cannot map elements [" + from + ", " + (from + count) + ")");
    }
    try {
      return channel
          .map(FileChannel.MapMode.READ_ONLY, offset, length)
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot map tensor " + t.name(), e);
    }
  }

  /** Reads elements [from, from + len) of {@code t} as floats into {@code dst[off..]}. */
  public void readFloats(TensorInfo t, long from, float[] dst, int off, int len) {
    requireFloat(t);
    for (int done = 0; done < len; ) {
      int n = Math.min(CHUNK, len - done);
      ByteBuffer buf = map(t, from + done, n);
      try {
        Halfs.decode(t.dtype(), buf, 0, dst, off + done, n);
      } finally {
        DirectBuffers.free(buf);
      }
      done += n;
    }
  }

  /** The whole tensor as floats (at most 2^31 - 1 elements). */
  public float[] floats(String name) {
    TensorInfo t = info(name);
    float[] out = new float[Math.toIntExact(t.numel())];
    readFloats(t, 0, out, 0, out.length);
    return out;
  }

  /**
   * Creates the tensor as a DJL array of {@code target} type (FLOAT32 or FLOAT16) in {@code
   * manager}, owned by the native library (no Java buffer stays behind it).
   */
  public NDArray read(String name, NDManager manager, DataType target) {
    TensorInfo t = info(name);
    requireFloat(t);
    Shape shape = new Shape(t.shape());
    if (t.numel() == 0) {
      return manager.zeros(shape, target);
    }
    ByteBuffer mapped = map(t, 0, t.numel());
    ByteBuffer staging = null;
    try {
      NDArray blob;
      if (t.dtype() == Dtype.BF16) {
        // DJL 0.36 has no bf16: widen in Java (bf16 is the top half of an fp32).
        staging =
            ByteBuffer.allocateDirect(Math.toIntExact(t.numel() * 4))
                .order(ByteOrder.nativeOrder());
        Halfs.bf16ToF32(mapped, staging, Math.toIntExact(t.numel()));
        blob = manager.create(staging, shape, DataType.FLOAT32);
      } else {
        blob = manager.create(mapped, shape, t.dtype().djl());
      }
      // from_blob shares the Java buffer; copy into native memory so the buffer can go now.
      try (blob) {
        return blob.getDataType() == target ? blob.duplicate() : blob.toType(target, true);
      }
    } finally {
      DirectBuffers.free(mapped);
      DirectBuffers.free(staging);
    }
  }

  private void requireFloat(TensorInfo t) {
    if (!t.dtype().isWeightType()) {
      throw bad(path, "tensor '" + t.name() + "' is " + t.dtype() + "; expected F32, F16 or BF16");
    }
  }

  static BadInputException bad(Path path, String message) {
    return new BadInputException(path + ": " + message);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // already failing with a better message
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }
}
