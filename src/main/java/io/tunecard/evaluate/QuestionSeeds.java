package io.tunecard.evaluate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * Each question samples from its own generator, seeded by the strategy's seed and the question's
 * id. A question's answer then depends on nothing else: not on the worker that runs it, not on the
 * questions beside it in a batch, not on how many workers there are.
 */
public final class QuestionSeeds {
  private QuestionSeeds() {}

  /**
   * The generator of question {@code id} under {@code strategySeed}: the first 8 bytes of
   * SHA-256({@code "<seed>:<id>"}) seed a {@link SplittableRandom}.
   */
  public static SplittableRandom random(long strategySeed, String id) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] h = sha.digest((strategySeed + ":" + id).getBytes(StandardCharsets.UTF_8));
      long seed = 0;
      for (int i = 0; i < 8; i++) {
        seed = (seed << 8) | (h[i] & 0xff);
      }
      return new SplittableRandom(seed);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
