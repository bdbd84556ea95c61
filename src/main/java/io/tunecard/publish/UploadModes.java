package io.tunecard.publish;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Regular git blob or Git LFS? The Hub decides per file in its preupload call, which tunecard asks
 * whenever it has a token. Without one (a dry run) tunecard applies this local rule, modelled on
 * the Hub's: LFS when the file is at least 10 MiB, or its extension is one the Hub's default {@code
 * .gitattributes} stores in LFS (plus raster images), or its first 512 bytes look binary (a NUL
 * byte or invalid UTF-8). Empty files are always regular: LFS storage refuses them.
 */
public final class UploadModes {
  /** The size from which the Hub stores a file in LFS whatever its content. */
  public static final long LFS_SIZE = 10L * 1024 * 1024;

  /** The wording printed with a dry run, so the reader knows which rule decided. */
  public static final String LOCAL_RULE =
      "tunecard's local rule (no token, so the Hub was not asked): LFS when the file is at least"
          + " 10 MiB, has a binary extension (.safetensors, .bin, .png, ...) or binary content in"
          + " its first 512 bytes";

  public static final String HUB_RULE = "the Hub's preupload endpoint";

  /** Extensions of the Hub's default .gitattributes, plus the image formats a card holds. */
  static final Set<String> LFS_EXTENSIONS =
      Set.of(
          "7z",
          "arrow",
          "bin",
          "bz2",
          "ckpt",
          "ftz",
          "gz",
          "h5",
          "joblib",
          "mlmodel",
          "model",
          "msgpack",
          "npy",
          "npz",
          "onnx",
          "ot",
          "parquet",
          "pb",
          "pickle",
          "pkl",
          "pt",
          "pth",
          "rar",
          "safetensors",
          "tar",
          "tflite",
          "tgz",
          "wasm",
          "xz",
          "zip",
          "zst",
          "png",
          "jpg",
          "jpeg",
          "gif",
          "webp",
          "bmp",
          "tif",
          "tiff",
          "ico",
          "pdf");

  /** Upload mode of one file. */
  public enum Mode {
    REGULAR,
    LFS;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private UploadModes() {}

  /** The local rule for a file of {@code size} bytes whose first bytes are {@code sample}. */
  public static Mode local(String path, long size, byte[] sample) {
    if (size == 0) {
      return Mode.REGULAR;
    }
    if (size >= LFS_SIZE) {
      return Mode.LFS;
    }
    String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    if (dot >= 0 && LFS_EXTENSIONS.contains(name.substring(dot + 1))) {
      return Mode.LFS;
    }
    if (name.contains("tfevents")) {
      return Mode.LFS;
    }
    return looksBinary(sample, size > sample.length) ? Mode.LFS : Mode.REGULAR;
  }

  /**
   * A NUL byte, or bytes that are not UTF-8. When the sample is a cut of a longer file ({@code
   * truncated}), a character split by the cut is not an error.
   */
  static boolean looksBinary(byte[] sample, boolean truncated) {
    for (byte b : sample) {
      if (b == 0) {
        return true;
      }
    }
    CoderResult r =
        StandardCharsets.UTF_8
            .newDecoder()
            .decode(ByteBuffer.wrap(sample), CharBuffer.allocate(sample.length), !truncated);
    return r.isError();
  }
}
