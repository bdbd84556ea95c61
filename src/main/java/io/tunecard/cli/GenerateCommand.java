package io.tunecard.cli;

import static java.util.stream.Collectors.joining;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.evaluate.Answer;
import io.tunecard.evaluate.Decoding;
import io.tunecard.evaluate.LoadedModel;
import io.tunecard.evaluate.Prompt;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.ModelLocator;
import io.tunecard.workflow.Check;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.StrategySpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard generate}: one answer from a Hugging Face model directory (optionally with a PEFT
 * adapter) with transformers' {@code generate} semantics, on the JVM model.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = {
      "Generate an answer with a Hugging Face model directory, optionally with a PEFT adapter.",
      "--model holds config.json + safetensors. --prompt applies the mistral-inst chat template with the",
      "model's tokenizer.json; --input-ids feeds ids as they are. Sampled texts are reproducible",
      "for a seed but differ from transformers' (their random stream is torch's)."
    })
final class GenerateCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description =
          "A Hugging Face model directory, or a Hub id (org/name[@revision]): taken from the"
              + " Hugging Face cache, pulled into it first when missing (unless --offline).")
  String model;

  @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory.")
  Path adapter;

  static final class Input {
    @Option(
        names = "--prompt",
        paramLabel = "TEXT",
        description = "A question; the chat template wraps it.")
    String prompt;

    @Option(
        names = "--input-ids",
        split = ",",
        paramLabel = "ID",
        description = "Prompt token ids, e.g. 1,2,3 (no template applied).")
    List<Long> inputIds;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(
      names = "--strategy",
      defaultValue = "greedy",
      paramLabel = "NAME",
      description =
          "greedy, beam_4, topp_0.9, temp_1.2, temp_0.9 or topk_50 (default ${DEFAULT-VALUE}).")
  String strategy;

  @Option(names = "--num-beams", paramLabel = "N", description = "Beam search with N beams.")
  Integer numBeams;

  @Option(names = "--temperature", paramLabel = "T", description = "Sample at temperature T.")
  Double temperature;

  @Option(names = "--top-k", paramLabel = "K", description = "Sample from the K best (0: off).")
  Integer topK;

  @Option(names = "--top-p", paramLabel = "P", description = "Sample from the top-p nucleus.")
  Double topP;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "128",
      paramLabel = "N",
      description = "Stop after N new tokens (default ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--min-new-tokens",
      paramLabel = "N",
      description = "EOS is impossible before N new tokens.")
  Integer minNewTokens;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "S",
      description = "Sampling seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print {\"token_ids\": [...], \"text\": \"...\"}.")
  boolean json;

  @Mixin HubOptions hub;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Decoding d = decoding();
    hub.inputs(spec.commandLine().getErr()).model(model, "--model");
    ModelLocator.Found found = hub.locator().locate(model, "config.json");
    Path dir =
        found.directory().orElseThrow(() -> new BadInputException("--model: " + found.reason()));
    if (adapter != null && !Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
      throw new BadInputException(
          adapter + ": not a PEFT adapter directory (no adapter_config.json)");
    }
    try (LoadedModel m = LoadedModel.load(dir, null, false, input.prompt != null)) {
      ChatTemplate template = m.template();
      long[] ids =
          input.prompt != null
              ? template.prompt(input.prompt)
              : input.inputIds.stream().mapToLong(Long::longValue).toArray();
      int limit = m.model().config().maxPositionEmbeddings();
      if (ids.length + d.maxNewTokens() - 1 > limit) {
        throw new BadInputException(
            "the prompt's "
                + ids.length
                + " tokens and --max-new-tokens "
                + d.maxNewTokens()
                + " exceed the model's max_position_embeddings "
                + limit);
      }
      for (long id : ids) {
        if (id < 0 || id >= m.model().config().vocabSize()) {
          throw new BadInputException(
              "--input-ids: "
                  + id
                  + " is outside the vocabulary [0, "
                  + m.model().config().vocabSize()
                  + ")");
        }
      }
      Answer a =
          m.generator(adapter).generate(m.manager(), List.of(new Prompt("prompt", ids)), d).get(0);
      String text = template == null ? null : template.decode(a.tokens());
      print(a, text, template == null);
    }
    return Main.OK;
  }

  private void print(Answer a, String text, boolean noTokenizer) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      var ids = o.putArray("token_ids");
      Arrays.stream(a.tokens()).forEach(ids::add);
      o.put("text", text);
      out.println(Jsonl.write(o));
    } else {
      out.println(text != null ? text : Arrays.toString(a.tokens()));
    }
    out.flush();
    if (noTokenizer) {
      spec.commandLine()
          .getErr()
          .println("note: the model directory has no tokenizer.json; the answer is shown as ids");
    }
  }

  /** The preset, with the options given on top (a sampling knob turns sampling on). */
  Decoding decoding() {
    StrategySpec preset =
        EvalSpec.referenceStrategies().stream()
            .filter(s -> s.name().equals(strategy))
            .findFirst()
            .orElseThrow(
                () ->
                    new BadInputException(
                        "--strategy: expected greedy, beam_4, topp_0.9, temp_1.2, temp_0.9 or"
                            + " topk_50, found '"
                            + strategy
                            + "'"));
    try {
      StrategySpec s = preset;
      if (!preset.doSample() && (temperature != null || topK != null || topP != null)) {
        s = s.withBeams(1).withSampling(true).withTopK(StrategySpec.HF_DEFAULT_TOP_K);
      }
      if (numBeams != null) {
        s = s.withBeams(numBeams);
      }
      if (temperature != null) {
        s = s.withTemperature(temperature);
      }
      if (topK != null) {
        s = s.withTopK(topK);
      }
      if (topP != null) {
        s = s.withTopP(topP);
      }
      if (minNewTokens != null) {
        s = s.withMinNewTokens(minNewTokens);
      }
      return new Decoding(s, maxNewTokens, seed);
    } catch (Check.Invalid e) {
      throw new BadInputException(
          e.problems().stream().map(GenerateCommand::asOption).collect(joining("; ")), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(asOption(e.getMessage()), e);
    }
  }

  /**
   * A problem of a strategy's key as one of an option: {@code top_k: ...} → {@code --top-k: ...}.
   */
  private static String asOption(String problem) {
    return "--" + problem.replace('_', '-');
  }
}
