package io.tunecard.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Optional;

/**
 * What an interpreter has for the hf engine, as {@code python -m tunecard_worker doctor --json}
 * (src/main/python/tunecard_worker/doctor.py) reports it: the package's declared requirements (its
 * pyproject.toml or installed metadata, the one list) against what is installed, and torch's view
 * of the GPUs. This is the only reader of that output.
 *
 * @param missing the required (not optional) packages that are not installed
 * @param torch null when torch is absent or the report was asked for without it ({@code
 *     --packages})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PythonReport(
    int doctor,
    Interpreter python,
    Worker worker,
    List<Requirement> packages,
    List<String> missing,
    Torch torch) {

  /** The report format this reader understands. */
  public static final int FORMAT = 1;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  public PythonReport {
    if (doctor != FORMAT) {
      throw new IllegalArgumentException(
          "doctor: expected report format " + FORMAT + ", found " + doctor);
    }
    if (python == null || worker == null || packages == null || missing == null) {
      throw new IllegalArgumentException("python, worker, packages, missing: all required");
    }
    packages = List.copyOf(packages);
    missing = List.copyOf(missing);
  }

  /**
   * @throws IllegalArgumentException when {@code json} is not a report of this format
   */
  public static PythonReport parse(String json) {
    try {
      return MAPPER.readValue(json, PythonReport.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(
          "not a tunecard_worker doctor report: " + e.getOriginalMessage(), e);
    }
  }

  /** The entry of {@code name} (a distribution name as the requirements spell it). */
  public Optional<Requirement> requirement(String name) {
    return packages.stream().filter(p -> p.name().equalsIgnoreCase(name)).findFirst();
  }

  /** The required packages in declaration order (no extras). */
  public List<Requirement> required() {
    return packages.stream().filter(p -> p.extra() == null).toList();
  }

  /** {@code <python> -m pip install '<name><range>'...} for the missing required packages. */
  public String installCommand() {
    StringBuilder b = new StringBuilder(python.executable()).append(" -m pip install");
    for (Requirement r : required()) {
      if (r.installed() == null) {
        b.append(" '").append(r.name()).append(r.required()).append('\'');
      }
    }
    return b.toString();
  }

  /**
   * @param ok whether the version satisfies {@code requires} (requires-python)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Interpreter(String executable, String version, String requires, boolean ok) {}

  /**
   * @param location the package's directory
   * @param requirementsFrom the pyproject.toml read, or the installed distribution
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Worker(String version, String location, String requirementsFrom) {}

  /**
   * One declared requirement.
   *
   * @param required the version range, e.g. {@code >=5.17,<5.18} (empty: any)
   * @param extra the optional group it belongs to ({@code nf4}, {@code test}), null if required
   * @param installed the installed version, null if absent
   * @param inRange whether {@code installed} is within {@code required}; null when it could not be
   *     told (the packaging library is absent)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Requirement(
      String name, String required, String extra, String installed, Boolean inRange) {}

  /**
   * @param cuda the CUDA version torch was built with, null for a CPU-only build
   * @param error why torch could not be asked (a broken CUDA setup), else null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Torch(
      String version, String cuda, boolean cudaAvailable, List<Device> devices, String error) {
    public Torch {
      devices = devices == null ? List.of() : List.copyOf(devices);
    }
  }

  /** A CUDA device as torch sees it, with its free memory when the report was made. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Device(
      int index, String name, long freeBytes, long totalBytes, String capability, boolean bf16) {}
}
