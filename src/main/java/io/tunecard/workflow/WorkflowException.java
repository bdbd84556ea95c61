package io.tunecard.workflow;

import io.tunecard.files.BadInputException;
import java.util.List;

/**
 * A workflow file that cannot be used; {@link #problems()} names every key that is wrong. It is bad
 * input like any other: the command line exits 2 with the problems and no stack trace.
 */
public final class WorkflowException extends BadInputException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public WorkflowException(String source, List<String> problems) {
    super(source + ": " + problems.size() + " problem(s)\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
