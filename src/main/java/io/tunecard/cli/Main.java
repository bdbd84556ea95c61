package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.workflow.WorkflowException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tunecard} command line. Exit codes: 0 ok, 2 bad input or usage, 1 failure. Messages go
 * to stderr; stack traces only with {@code --verbose}.
 */
@Command(
    name = "tunecard",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = "Fine-tune a causal LM with LoRA, evaluate it and publish its model card.",
    subcommands = {
      ValidateCommand.class,
      IngestCommand.class,
      TrainCommand.class,
      RunCommand.class,
      ScoreCommand.class,
      GenerateCommand.class,
      EvaluateCommand.class,
      CardCommand.class,
      PublishCommand.class,
      PullCommand.class,
      VerifyCommand.class,
      ClusterCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code (tests call this). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, System.getenv());
  }

  /**
   * As {@link #run(String[], PrintWriter, PrintWriter)} with the environment commands read (the Hub
   * token and endpoint); tests pass their own.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
    CommandLine.IFactory defaults = CommandLine.defaultFactory();
    CommandLine.IFactory factory =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> cls) throws Exception {
            if (cls == PublishCommand.class) {
              return cls.cast(new PublishCommand(env));
            }
            if (cls == PullCommand.class) {
              return cls.cast(new PullCommand(env));
            }
            if (cls == HubOptions.class) {
              return cls.cast(new HubOptions(env));
            }
            return defaults.create(cls);
          }
        };
    CommandLine cli = new CommandLine(new Main(), factory);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          boolean verbose = matched(parseResult, "--verbose");
          return report(ex, err, verbose);
        });
    return cli.execute(args);
  }

  /** Whether {@code option} was given to the command or any of its subcommands. */
  private static boolean matched(CommandLine.ParseResult r, String option) {
    return r.hasMatchedOption(option) || r.subcommands().stream().anyMatch(s -> matched(s, option));
  }

  /**
   * Whether {@code t} only carries {@code next}: the runners' wrappers (Beam's, Flink's, "Pipeline
   * execution failed"), futures and reflection, and exceptions that add no message of their own.
   */
  private static boolean wrapper(Throwable t, Throwable next) {
    String name = t.getClass().getName();
    String message = t.getMessage();
    return name.startsWith("org.apache.beam")
        || name.startsWith("org.apache.flink")
        || t instanceof java.util.concurrent.ExecutionException
        || t instanceof java.util.concurrent.CompletionException
        || t instanceof java.lang.reflect.InvocationTargetException
        || t instanceof RuntimeException
            && (message == null
                || message.equals(next.toString())
                || message.equals("Pipeline execution failed"));
  }

  static int report(Throwable ex, PrintWriter err, boolean verbose) {
    Throwable cause = ex;
    while (cause.getCause() != null
        && !(cause instanceof BadInputException)
        && !(cause instanceof WorkflowException)) {
      Throwable next = cause.getCause();
      if (next instanceof BadInputException || next instanceof WorkflowException) {
        cause = next;
        break;
      }
      if (wrapper(cause, next)) {
        cause = next;
      } else {
        break;
      }
    }
    boolean userError = cause instanceof BadInputException || cause instanceof WorkflowException;
    err.println("error: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
    if (verbose) {
      ex.printStackTrace(err);
    } else if (!userError) {
      err.println("(run with --verbose for the stack trace)");
    }
    err.flush();
    return userError ? BAD_INPUT : FAILURE;
  }
}
