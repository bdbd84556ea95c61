package io.tunecard.tokenize;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import io.tunecard.files.BadInputException;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template (Jinja) rendered as transformers' {@code apply_chat_template}
 * renders it: {@code trim_blocks} and {@code lstrip_blocks} on, a single trailing newline of the
 * source dropped (Jinja's default), {@code raise_exception(message)} failing the render with the
 * template's message, {@code trim} as Python's {@code str.strip()}, {@code tojson} as {@code
 * json.dumps} (no ASCII escaping); the variables are {@code messages}, {@code
 * add_generation_prompt} and the special-token strings. Rendering is done by jinjava with its
 * Python-compatible settings (whitespace control on expressions and comments, natural operator
 * precedence).
 */
public final class ChatJinja {
  private static final JinjavaConfig CONFIG =
      JinjavaConfig.newBuilder()
          .withTrimBlocks(true)
          .withLstripBlocks(true)
          .withFailOnUnknownTokens(false)
          .withLegacyOverrides(
              LegacyOverrides.newBuilder()
                  .withUseTrimmingForNotesAndExpressions(true)
                  .withParseWhitespaceControlStrictly(true)
                  .withUseNaturalOperatorPrecedence(true)
                  .withKeepNullableLoopValues(true)
                  .withUsePyishObjectMapper(true)
                  .build())
          .build();

  private final String origin;
  private final Jinjava jinjava;
  private final Node root;
  private final Map<String, Object> specialTokens;
  private JinjavaInterpreter interpreter;

  /**
   * @param source the template's Jinja text
   * @param origin where it came from, named in errors (a file, or a bundled template's name)
   * @param specialTokens {@code bos_token}, {@code eos_token}, ... as the template sees them
   */
  public ChatJinja(String source, String origin, Map<String, String> specialTokens) {
    this.origin = origin;
    this.specialTokens = Map.copyOf(specialTokens);
    this.jinjava = new Jinjava(CONFIG);
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatJinja.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFilter(new PythonTrim());
    jinjava.getGlobalContext().registerFilter(new PythonJson());
    String text = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    JinjavaInterpreter parser = jinjava.newInterpreter();
    this.root = parser.parse(text);
    if (!parser.getErrors().isEmpty()) {
      throw new BadInputException(
          origin + ": chat_template does not parse: " + describe(parser.getErrors()));
    }
  }

  /** Called by templates as {@code raise_exception(message)}. */
  public static String raiseException(String message) {
    throw new TemplateRaised(message);
  }

  /**
   * The text of {@code messages} (each {@code {"role", "content"}}); with {@code
   * addGenerationPrompt} the template opens the assistant's turn when it knows how.
   */
  public synchronized String render(
      List<Map<String, String>> messages, boolean addGenerationPrompt) {
    if (interpreter == null) {
      // One interpreter, a fresh scope per render: what a render sets does not outlive it.
      interpreter =
          new JinjavaInterpreter(
              jinjava, new Context(jinjava.getGlobalContext(), specialTokens), CONFIG);
    }
    JinjavaInterpreter in = interpreter;
    int errorsBefore = in.getErrors().size();
    JinjavaInterpreter.pushCurrent(in);
    in.enterScope();
    try {
      in.getContext().put("messages", messages);
      in.getContext().put("add_generation_prompt", addGenerationPrompt);
      String out = in.render(root);
      List<TemplateError> errors = in.getErrors().subList(errorsBefore, in.getErrors().size());
      if (errors.stream().anyMatch(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)) {
        String why = describe(errors);
        interpreter = null;
        throw new BadInputException(origin + ": chat_template failed: " + why);
      }
      return out;
    } finally {
      in.leaveScope();
      JinjavaInterpreter.popCurrent();
    }
  }

  private static String describe(List<TemplateError> errors) {
    for (TemplateError e : errors) {
      for (Throwable t = e.getException(); t != null; t = t.getCause()) {
        if (t instanceof TemplateRaised r) {
          return "raise_exception(\"" + r.getMessage() + "\")";
        }
      }
    }
    TemplateError first = errors.get(0);
    return first.getMessage() + " (template line " + first.getLineno() + ")";
  }

  /** What {@code raise_exception} throws; the render turns it into a BadInputException. */
  static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }
  }

  /** Jinja's {@code trim}: Python's {@code str.strip()}, which knows Unicode's spaces. */
  static final class PythonTrim implements Filter {
    @Override
    public String getName() {
      return "trim";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return var == null ? "" : PythonText.strip(var.toString());
    }
  }

  /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False)}. */
  static final class PythonJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return PythonText.json(var);
    }
  }
}
