package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Submission options, against a stand-in for Flink's REST API (no cluster started). */
class FlinkSubmissionTest {
  private HttpServer server;
  private String address;

  @BeforeEach
  void fakeRest() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Map<String, String> answers =
        Map.of(
            "/overview",
            "{\"taskmanagers\":2,\"slots-total\":4,\"slots-available\":4,\"jobs-running\":0,"
                + "\"flink-version\":\"1.19.0\"}",
            "/taskmanagers",
            "{\"taskmanagers\":[{\"id\":\"tm-1\"},{\"id\":\"tm-2\"}]}");
    answers.forEach(
        (path, body) ->
            server.createContext(
                path,
                x -> {
                  byte[] b = body.getBytes(StandardCharsets.UTF_8);
                  x.sendResponseHeaders(200, b.length);
                  x.getResponseBody().write(b);
                  x.close();
                }));
    server.start();
    address = "localhost:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void everyFlinkJobRunsWithBlockingExchanges() {
    FlinkPipelineOptions local = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    local.setFlinkMaster("[local]");
    FlinkSubmission.configure(local);
    assertThat(local.getExecutionModeForBatch()).isEqualTo("BATCH_FORCED");
    assertThat(local.getFilesToStage()).isNull();
  }

  @Test
  void aClusterJobStagesTunecardAndBeamOnly() {
    FlinkPipelineOptions remote = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    remote.setFlinkMaster(address);
    FlinkSubmission.configure(remote);
    assertThat(remote.getExecutionModeForBatch()).isEqualTo("BATCH_FORCED");
    assertThat(remote.getFilesToStage())
        .isNotEmpty()
        .anyMatch(f -> f.endsWith("classes"))
        .anyMatch(f -> f.contains("beam-sdks-java-core"))
        .noneMatch(f -> f.contains("pytorch-native") || f.contains("flink-runtime"));
  }

  @Test
  void theDefaultParallelismIsEverySlotOfTheCluster() throws IOException {
    assertThat(FlinkSubmission.parallelism(address, 0)).isEqualTo(4);
    assertThat(FlinkSubmission.parallelism("http://" + address + "/", 3)).isEqualTo(3);
    assertThat(new FlinkRest(address).taskManagerIds()).containsExactlyInAnyOrder("tm-1", "tm-2");
    assertThatThrownBy(() -> FlinkSubmission.parallelism(address, 5))
        .isInstanceOf(BadInputException.class)
        .hasMessage("--parallelism 5: the cluster at " + address + " has only 4 task slot(s)");
  }

  @Test
  void anAddressWithoutFlinkFailsAtOnceNamingTheOption() {
    server.stop(0);
    assertThatThrownBy(() -> FlinkSubmission.parallelism(address, 0))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith("--flink-master " + address + ": no Flink REST API answers there")
        .hasMessageContaining("tunecard cluster start");
  }

  @Test
  void onlyBracketedMastersAreInThisJvm() {
    assertThat(FlinkSubmission.isRemote("[local]")).isFalse();
    assertThat(FlinkSubmission.isRemote("[auto]")).isFalse();
    assertThat(FlinkSubmission.isRemote(null)).isFalse();
    assertThat(FlinkSubmission.isRemote("flink.example:8081")).isTrue();
  }
}
