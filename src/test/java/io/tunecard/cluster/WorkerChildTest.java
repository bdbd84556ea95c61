package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.pipeline.Runners;
import io.tunecard.testing.SessionCluster;
import io.tunecard.worker.Command;
import io.tunecard.worker.WorkerCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training and evaluation stages run their engine in a supervised child process; on a cluster
 * that child starts from a TaskManager, where tunecard's classes are not on the JVM's classpath but
 * in the job's jars. The djl engine's child JVM must still find them (and tunecard's home).
 */
@Tag("cluster")
@ExtendWith(SessionCluster.class)
class WorkerChildTest {
  @TempDir Path tmp;

  @Test
  void aDjlWorkerChildStartsFromATaskManager(LocalFlinkCluster cluster) throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Pipeline p = Pipeline.create(Runners.options(Runners.Kind.FLINK, cluster.restAddress(), 1));
    p.apply(Create.of("x")).apply("Spawn", ParDo.of(new Spawn(out.toString())));
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    String probe = Files.readString(out.resolve("child.out"));
    assertThat(probe).as(probe).startsWith("exit 0\nprobe generate ");
    assertThat(probe).contains("home=" + Path.of("").toAbsolutePath());
  }

  static final class Spawn extends DoFn<String, Void> {
    private final String out;

    Spawn(String out) {
      this.out = out;
    }

    @ProcessElement
    public void process() throws IOException, InterruptedException {
      WorkerCommand child =
          new WorkerCommand.Jvm(ChildProbe.class.getName(), "128m", List.of(), Map.of());
      Path dir = Path.of(out);
      Process p =
          new ProcessBuilder(child.argv(Command.GENERATE, dir.resolve("spec.json"), dir))
              .redirectErrorStream(true)
              .start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      Files.writeString(dir.resolve("child.out"), "exit " + code + "\n" + text);
    }
  }
}
