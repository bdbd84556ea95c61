package io.tunecard.evaluate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.tunecard.files.BadInputException;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.ModelLocator;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraMerge;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.tokenize.TokenizerConfig;
import io.tunecard.workflow.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A base model loaded once, with its chat template, and the adapters used with it so far (loaded
 * once each, swapped with {@link MistralModel#setAdapter}). Everything lives in one native scope,
 * freed by {@link #close}.
 */
public final class LoadedModel implements AutoCloseable {
  private final NDManager root;
  private final BaseWeights weights;
  private final MistralModel model;
  private final ChatTemplate template;
  private final SpecialIds ids;
  private final Map<Path, LoraAdapter> adapters = new HashMap<>();
  private final Map<Path, BaseWeights> merged = new HashMap<>();
  private final Path baseDir;
  private final boolean nf4;

  /** Bases up to this size get a merged copy per adapter for generation. */
  static final long MERGE_LIMIT_BYTES = 2L << 30;

  private LoadedModel(
      NDManager root,
      BaseWeights weights,
      MistralModel model,
      ChatTemplate template,
      SpecialIds ids,
      Path baseDir,
      boolean nf4) {
    this.baseDir = baseDir;
    this.nf4 = nf4;
    this.root = root;
    this.weights = weights;
    this.model = model;
    this.template = template;
    this.ids = ids;
  }

  /**
   * Loads {@code baseDir} (config.json + safetensors) with the tokenizer {@code tokenizerJson}
   * (null: {@code baseDir/tokenizer.json}). Without a tokenizer file the model still generates from
   * ids when {@code requireTokenizer} is false; otherwise the missing file is an error naming it.
   */
  public static LoadedModel load(
      Path baseDir, Path tokenizerJson, boolean nf4, boolean requireTokenizer) {
    Path tok = tokenizerJson != null ? tokenizerJson : baseDir.resolve("tokenizer.json");
    MistralConfig config = MistralConfig.read(baseDir);
    boolean haveTokenizer = Files.isRegularFile(tok);
    if (requireTokenizer && !haveTokenizer) {
      throw new BadInputException(
          tok + ": file not found (the tokenizer.json that turns text into the model's ids)");
    }
    NDManager root = NDManager.newBaseManager();
    ChatTemplate template = null;
    try {
      template = haveTokenizer ? ChatTemplate.load(baseDir, tok, config) : null;
      SpecialIds ids =
          template != null
              ? template.ids()
              : SpecialIds.resolve(config, TokenizerConfig.read(baseDir), null, null);
      BaseWeights weights =
          BaseWeights.load(baseDir, nf4 ? LoadOptions.nf4All() : LoadOptions.fp32(), root);
      return new LoadedModel(
          root, weights, new MistralModel(weights, null), template, ids, baseDir, nf4);
    } catch (RuntimeException e) {
      if (template != null) {
        template.close();
      }
      root.close();
      throw e;
    }
  }

  /** The model of the evaluation, its tokenizer required. */
  public static LoadedModel load(Evaluation e) {
    if (e.options().torchThreads() > 0) {
      useThreads(e.options().torchThreads());
    }
    return load(e.baseDirectory(), e.tokenizer(), e.nf4(), true);
  }

  /** Threads each libtorch operation may use, for the whole process. */
  public static void useThreads(int n) {
    Engine.getInstance(); // loads the native library
    if (JniUtils.getNumThreads() != n) {
      JniUtils.setNumThreads(n);
    }
  }

  /**
   * The directory of {@code model.base}: the run's {@code base/} for a scratch base, a local
   * directory, or a Hub id's snapshot in the local Hugging Face cache (never downloaded).
   */
  public static Path baseDirectory(String modelBase, RunDirectory run) {
    if (ModelSpec.SCRATCH.equals(modelBase)) {
      Path dir = run.base();
      if (!Files.isRegularFile(dir.resolve("config.json"))) {
        throw new BadInputException(
            dir
                + ": the scratch base is missing (config.json not found); run the base stage first");
      }
      return dir;
    }
    ModelLocator.Found found = ModelLocator.system().locate(modelBase, "config.json");
    return found
        .directory()
        .orElseThrow(() -> new BadInputException("model.base: " + found.reason()));
  }

  /** Uses the PEFT adapter in {@code dir} (loaded on first use), or the bare base for null. */
  public void useAdapter(Path dir) {
    if (dir == null) {
      model.setAdapter(null);
      return;
    }
    LoraAdapter a =
        adapters.computeIfAbsent(
            dir.toAbsolutePath().normalize(), d -> PeftFormat.load(d, weights.config(), root));
    model.setAdapter(a);
  }

  public MistralModel model() {
    return model;
  }

  /** A generator for the model as set up by {@link #useAdapter}. */
  public Generator generator() {
    return new Generator(model, ids);
  }

  /**
   * A generator with the PEFT adapter in {@code adapterDir} (null: the base). A dense base of at
   * most 2 GiB gets a copy with the adapter merged in ({@code W + scaling·B·A}, as the hf engine
   * merges for generation), which spares every step the adapter's own operations; a larger or NF4
   * base runs the adapter beside its weights.
   */
  public Generator generator(Path adapterDir) {
    if (adapterDir == null) {
      model.setAdapter(null);
      return generator();
    }
    if (nf4 || weights.storageBytes() > MERGE_LIMIT_BYTES) {
      useAdapter(adapterDir);
      return generator();
    }
    Path key = adapterDir.toAbsolutePath().normalize();
    BaseWeights w = merged.get(key);
    if (w == null) {
      w = BaseWeights.load(baseDir, LoadOptions.fp32(), root);
      try (LoraAdapter a = PeftFormat.load(key, weights.config(), root)) {
        LoraMerge.mergeInto(w, a);
      }
      merged.put(key, w);
    }
    return new Generator(new MistralModel(w, null), ids);
  }

  /** The chat template, or null when the model directory has no tokenizer. */
  public ChatTemplate template() {
    return template;
  }

  public SpecialIds ids() {
    return ids;
  }

  public NDManager manager() {
    return root;
  }

  @Override
  public void close() {
    adapters.values().forEach(LoraAdapter::close);
    adapters.clear();
    merged.values().forEach(BaseWeights::close);
    merged.clear();
    weights.close();
    if (template != null) {
      template.close();
    }
    root.close();
  }
}
