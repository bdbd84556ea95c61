package io.tunecard.worker;

import io.tunecard.files.BadInputException;
import io.tunecard.worker.EventWriter.ErrorKind;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The contract of a JVM worker child (the {@code djl} engine): its main class does
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   WorkerMain.main(args, (spec, events) -> new MyTrainer(spec, events).run());
 * }
 * }</pre>
 *
 * with {@code args = [command, specPath]}. This class reads and validates the spec, hands the task
 * an {@link EventWriter} on the real stdout, and moves {@code System.out} to stderr so a stray
 * print can never break the protocol. A task ends with {@link EventWriter#done}; exceptions become
 * {@code error} events: {@link BadInputException} is {@code bad_input} (exit status 2), a {@link
 * WorkerException} its own kind, anything else {@code internal} (status 1, stack trace on stderr).
 * The child stops by itself when its parent process goes away, so an orphan never trains on.
 */
public final class WorkerMain {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_BAD_INPUT = 2;

  private WorkerMain() {}

  /** What a worker does with its spec; it reports through {@code events} and ends with done. */
  public interface Task {
    void run(WorkerSpec spec, EventWriter events) throws Exception;
  }

  /** Runs {@code task} as a worker child and exits the JVM with the protocol's status. */
  public static void main(String[] args, Task task) {
    OutputStream protocol = new FileOutputStream(FileDescriptor.out);
    System.out.flush();
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    watchParent();
    int status = run(args, task, new EventWriter(protocol));
    System.err.flush();
    System.exit(status);
  }

  /** Runs {@code task} with events going to {@code events}; returns the exit status. */
  public static int run(String[] args, Task task, EventWriter events) {
    try {
      if (args.length != 2) {
        throw new BadInputException(
            "usage: <main class> <pretrain|train|eval_loss|generate> <spec.json>, found "
                + args.length
                + " argument(s)");
      }
      Command command;
      try {
        command = Command.fromWire(args[0]);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage(), e);
      }
      WorkerSpec spec = WorkerSpec.read(Path.of(args[1]));
      if (spec.command() != command) {
        throw new BadInputException(
            args[1] + ": the spec is for '" + spec.command() + "', not '" + command + "'");
      }
      task.run(spec, events);
      if (!events.doneSent()) {
        return fail(events, ErrorKind.INTERNAL, "the worker ended without a done event", null);
      }
      return EXIT_OK;
    } catch (BadInputException e) {
      return fail(events, ErrorKind.BAD_INPUT, e.getMessage(), null);
    } catch (WorkerException e) {
      return fail(events, e.kind(), e.getMessage(), e.getCause());
    } catch (OutOfMemoryError e) {
      return fail(events, ErrorKind.OUT_OF_MEMORY, "Java heap: " + e.getMessage(), null);
    } catch (Throwable e) {
      return fail(events, ErrorKind.INTERNAL, e.toString(), e);
    }
  }

  private static int fail(EventWriter events, ErrorKind kind, String message, Throwable trace) {
    if (trace != null) {
      trace.printStackTrace(System.err);
    }
    try {
      events.error(kind, message == null ? kind.wire() : message);
    } catch (RuntimeException e) {
      System.err.println("cannot report the error to the parent: " + e.getMessage());
    }
    return kind == ErrorKind.BAD_INPUT ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }

  /**
   * Halts the JVM once the parent is gone: an orphaned child would keep a GPU busy and write
   * checkpoints beside a new training. The parent at start-up is remembered; a changed parent pid
   * means re-parenting (to init or a subreaper).
   */
  private static void watchParent() {
    long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    if (parent <= 1) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
                long now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                if (now != parent) {
                  System.err.println(
                      "tunecard worker: parent process " + parent + " is gone; stopping");
                  Runtime.getRuntime().halt(EXIT_FAILURE);
                }
              }
            },
            "tunecard-parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
