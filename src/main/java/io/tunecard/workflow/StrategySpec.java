package io.tunecard.workflow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * A decoding strategy with Hugging Face {@code generate} semantics, and the one declaration of its
 * knobs: the workflow reads it ({@link #read}), the JVM decoder runs it (paired with the run's
 * {@code max_new_tokens} and seed), and the worker spec carries it ({@link #toJson}). Greedy when
 * neither beams nor sampling are asked for; beam search with {@code numBeams > 1}; sampling is on
 * when any of temperature, top_k or top_p is set (or {@code do_sample: true}); as in transformers,
 * a sampling strategy without {@code top_k} uses top_k 50 ({@code top_k: 0} turns it off), and
 * logits processors apply in transformers' order: temperature, top-k, top-p. {@code earlyStopping}
 * is transformers' boolean (its {@code "never"} is not offered).
 *
 * <p>Build one from {@link #greedy} or {@link #sampling} and the {@code with...} methods rather
 * than the canonical constructor, so that a new knob changes this file only.
 *
 * @param topK 0 turns top-k off
 * @param topP 1 turns top-p off
 * @param minNewTokens EOS is impossible before this many new tokens
 * @param seed per-strategy seed; null derives one from the workflow's eval seed and the name
 *     ({@link #resolvedSeed})
 */
public record StrategySpec(
    String name,
    int numBeams,
    double lengthPenalty,
    boolean earlyStopping,
    boolean doSample,
    double temperature,
    int topK,
    double topP,
    int minNewTokens,
    Long seed)
    implements Serializable {

  /** transformers' default top_k when sampling and none is given. */
  public static final int HF_DEFAULT_TOP_K = 50;

  public static final Setting<String> NAME =
      Setting.text("name", null)
          .help(
              "required: names the strategy in the card and its file: letters, digits, `_`, `.`, `-`")
          .shown("—");
  public static final Setting<Integer> NUM_BEAMS =
      Setting.count(
              "num_beams",
              1,
              1,
              64,
              "every beam is a sequence generated at once, with its own KV cache")
          .help("beam search with more than one (not with sampling)");
  public static final Setting<Double> LENGTH_PENALTY =
      Setting.finite("length_penalty", 1.0)
          .help("beam search: a hypothesis scores its log-probability / length^length_penalty");
  public static final Setting<Boolean> EARLY_STOPPING =
      Setting.flag("early_stopping", false)
          .help("beam search stops when num_beams hypotheses are finished");
  public static final Setting<Boolean> DO_SAMPLE =
      Setting.flag("do_sample", false)
          .help("sample; also on when `temperature`, `top_k` or `top_p` is set")
          .shown("`false`, or `true` when temperature, top_k or top_p is set");
  public static final Setting<Double> TEMPERATURE =
      Setting.number("temperature", 1.0, 0, 100, true).help("divides the logits when sampling");
  public static final Setting<Integer> TOP_K =
      Setting.count(
              "top_k",
              0,
              0,
              TokenizerSpec.MAX_VOCAB,
              "top_k counts vocabulary entries, and no supported vocabulary is larger")
          .help("sample among the k likeliest tokens; 0 turns it off (at most the vocabulary)")
          .shown("`50` when sampling, else `0`");
  public static final Setting<Double> TOP_P =
      Setting.number("top_p", 1.0, 0, 1, true)
          .help(
              "sample within the smallest set of tokens whose probability reaches p; 1 turns it off");
  public static final Setting<Integer> MIN_NEW_TOKENS =
      Setting.count("min_new_tokens", 0, 0, ModelSpec.MAX_POSITIONS, ModelSpec.POSITIONS_WHY)
          .help("EOS is impossible before this many new tokens (at most `max_new_tokens`)");
  public static final Setting<Long> SEED =
      Setting.seed("seed", null)
          .help("this strategy's sampling seed")
          .shown("eval.seed + CRC32 of the name");

  /** A strategy's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          NAME,
          NUM_BEAMS,
          LENGTH_PENALTY,
          EARLY_STOPPING,
          DO_SAMPLE,
          TEMPERATURE,
          TOP_K,
          TOP_P,
          MIN_NEW_TOKENS,
          SEED);

  public StrategySpec {
    Check c =
        new Check()
            .present("name", name)
            .matches(
                "name",
                name,
                "[A-Za-z0-9_.\\-]{1,64}",
                "letters, digits, '_', '.', '-' (it names a file)");
    NUM_BEAMS.check(c, numBeams);
    TEMPERATURE.check(c, temperature);
    TOP_K.check(c, topK);
    TOP_P.check(c, topP);
    MIN_NEW_TOKENS.check(c, minNewTokens);
    LENGTH_PENALTY.check(c, lengthPenalty);
    if (c.ok("num_beams") && doSample && numBeams > 1) {
      c.fail("num_beams", "beam sampling is not supported; use num_beams 1 with sampling");
    }
    c.done();
  }

  /** Greedy decoding: one beam, no sampling, every other knob off. */
  public static StrategySpec greedy(String name) {
    return new StrategySpec(
        name,
        NUM_BEAMS.fallback(),
        LENGTH_PENALTY.fallback(),
        EARLY_STOPPING.fallback(),
        DO_SAMPLE.fallback(),
        TEMPERATURE.fallback(),
        TOP_K.fallback(),
        TOP_P.fallback(),
        MIN_NEW_TOKENS.fallback(),
        SEED.fallback());
  }

  /** Plain sampling (temperature 1, transformers' default top_k, no top-p). */
  public static StrategySpec sampling(String name) {
    return greedy(name).withSampling(true).withTopK(HF_DEFAULT_TOP_K);
  }

  static StrategySpec read(Section s) {
    boolean sampling =
        s.has(TEMPERATURE.key()) || s.has(TOP_K.key()) || s.has(TOP_P.key()) || DO_SAMPLE.read(s);
    return new StrategySpec(
        NAME.required(s),
        NUM_BEAMS.read(s),
        LENGTH_PENALTY.read(s),
        EARLY_STOPPING.read(s),
        sampling,
        TEMPERATURE.read(s),
        TOP_K.read(s, sampling ? HF_DEFAULT_TOP_K : 0),
        TOP_P.read(s),
        MIN_NEW_TOKENS.read(s),
        SEED.read(s));
  }

  /**
   * The strategy as the worker spec's {@code generate.strategies} entry (spec.schema.json): every
   * knob under its workflow key, and the seed resolved against {@code evalSeed}.
   */
  public ObjectNode toJson(long evalSeed) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", name);
    o.put("num_beams", numBeams);
    o.put("length_penalty", lengthPenalty);
    o.put("early_stopping", earlyStopping);
    o.put("do_sample", doSample);
    o.put("temperature", temperature);
    o.put("top_k", topK);
    o.put("top_p", topP);
    o.put("min_new_tokens", minNewTokens);
    o.put("seed", resolvedSeed(evalSeed));
    return o;
  }

  /**
   * The seed this strategy samples with: its own, else {@code evalSeed + CRC32(UTF-8 name)}, so
   * each strategy samples its own stream and renaming one changes only its seed. The JVM decoder
   * and the worker spec both resolve it here.
   */
  public long resolvedSeed(long evalSeed) {
    if (seed != null) {
      return seed;
    }
    CRC32 crc = new CRC32();
    crc.update(name.getBytes(StandardCharsets.UTF_8));
    return evalSeed + crc.getValue();
  }

  public StrategySpec withBeams(int value) {
    return edit(k -> k.numBeams = value);
  }

  public StrategySpec withLengthPenalty(double value) {
    return edit(k -> k.lengthPenalty = value);
  }

  public StrategySpec withEarlyStopping(boolean value) {
    return edit(k -> k.earlyStopping = value);
  }

  /** Sampling on or off; top_k is left as it is (see {@link #sampling}). */
  public StrategySpec withSampling(boolean value) {
    return edit(k -> k.doSample = value);
  }

  public StrategySpec withTemperature(double value) {
    return edit(k -> k.temperature = value);
  }

  public StrategySpec withTopK(int value) {
    return edit(k -> k.topK = value);
  }

  public StrategySpec withTopP(double value) {
    return edit(k -> k.topP = value);
  }

  public StrategySpec withMinNewTokens(int value) {
    return edit(k -> k.minNewTokens = value);
  }

  /** The strategy with its own seed (null: derived, see {@link #resolvedSeed}). */
  public StrategySpec withSeed(Long value) {
    return edit(k -> k.seed = value);
  }

  /** A copy with {@code change} applied, checked as a whole by the canonical constructor. */
  private StrategySpec edit(Consumer<Knobs> change) {
    Knobs k = new Knobs(this);
    change.accept(k);
    return k.build();
  }

  /** The components as fields, so that each {@code with...} method names only its own knob. */
  private static final class Knobs {
    String name;
    int numBeams;
    double lengthPenalty;
    boolean earlyStopping;
    boolean doSample;
    double temperature;
    int topK;
    double topP;
    int minNewTokens;
    Long seed;

    Knobs(StrategySpec s) {
      name = s.name;
      numBeams = s.numBeams;
      lengthPenalty = s.lengthPenalty;
      earlyStopping = s.earlyStopping;
      doSample = s.doSample;
      temperature = s.temperature;
      topK = s.topK;
      topP = s.topP;
      minNewTokens = s.minNewTokens;
      seed = s.seed;
    }

    StrategySpec build() {
      return new StrategySpec(
          name,
          numBeams,
          lengthPenalty,
          earlyStopping,
          doSample,
          temperature,
          topK,
          topP,
          minNewTokens,
          seed);
    }
  }
}
