package io.tunecard.evaluate;

import ai.djl.ndarray.NDManager;
import io.tunecard.files.BadInputException;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.ModelLocator;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.rundir.RunDirectory;
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

  private LoadedModel(
      NDManager root,
      BaseWeights weights,
      MistralModel model,
      ChatTemplate template,
      SpecialIds ids) {
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
      template = haveTokenizer ? ChatTemplate.load(tok, config) : null;
      SpecialIds ids = template != null ? template.ids() : ChatTemplate.specialIds(config, null);
      BaseWeights weights =
          BaseWeights.load(baseDir, nf4 ? LoadOptions.nf4All() : LoadOptions.fp32(), root);
      return new LoadedModel(root, weights, new MistralModel(weights, null), template, ids);
    } catch (RuntimeException e) {
      if (template != null) {
        template.close();
      }
      root.close();
      throw e;
    }
  }

  /** The model of the evaluation settings, its tokenizer required. */
  public static LoadedModel load(EvalSettings s) {
    Path tokenizer = s.tokenizer() == null ? null : Path.of(s.tokenizer());
    return load(baseDirectory(s.modelBase(), s.run()), tokenizer, s.nf4(), true);
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

  public Generator generator() {
    return new Generator(model, ids);
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
    weights.close();
    if (template != null) {
      template.close();
    }
    root.close();
  }
}
