package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code submit/gpu-bundle} from the packaged jar and this test's class path: it stays under
 * 64 MiB and prints its size; it carries the cudart and cublas JNI libraries of org.bytedeco:cuda
 * and none of the other CUDA bindings; and its launcher, on its jlink'ed runtime, runs the probe
 * and the check: without a driver they say so (the check exits 3 with {@code --require-cuda}),
 * and against the fake CUDA libraries ({@link FakeCudaLibraries}) the probe loads libcudart and
 * libcublas through the bundle's trimmed jar.
 */
class GpuBundleIT {
  private static final long LIMIT = 64L << 20;
  private static Path bundle;
  private static String buildOutput;

  @BeforeAll
  static void build() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bash")) || Files.isExecutable(Path.of("/bin/bash")), "no bash");
    Path root = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();
    bundle = Path.of("target", "gpu-bundle-it", "pudle-gpu-check").toAbsolutePath();
    Result r = run(List.of("bash", root.resolve("submit/gpu-bundle").toString(), "--from-classpath",
        System.getProperty("java.class.path"), bundle.toString()), null, 600);
    buildOutput = r.output;
    assertEquals(0, r.status, r.output);
  }

  record Result(int status, String output) {}

  static Result run(List<String> cmd, Path libraries, int seconds) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("LD_LIBRARY_PATH");
    pb.environment().put("PUDLE_JAVACPP_CACHE", Path.of("target", "gpu-bundle-it", "javacpp").toAbsolutePath()
        .toString());
    pb.environment().put("PUDLE_CHECK_HEAP", "1g");
    if (libraries != null) {
      pb.environment().put("LD_LIBRARY_PATH", libraries.toString());
    }
    Path log = Files.createTempFile(Path.of("target"), "gpu-bundle-it", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(cmd + " did not finish in " + seconds + " s:\n" + Files.readString(log));
    }
    String out = Files.readString(log);
    Files.delete(log);
    return new Result(p.exitValue(), out);
  }

  @Test
  void theBundleIsUnder64MibAndCarriesOnlyTheCudartAndCublasBindings() throws IOException {
    long size;
    try (Stream<Path> files = Files.walk(bundle)) {
      size = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
    assertTrue(size < LIMIT, "the bundle has " + size + " bytes");
    assertTrue(buildOutput.matches("(?s).*\\[gpu-bundle\\] \\S+: [0-9.]+ MiB \\(limit 64 MiB\\).*"), buildOutput);
    List<String> lib;
    try (Stream<Path> files = Files.list(bundle.resolve("lib"))) {
      lib = files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
    assertTrue(lib.contains("pudle-cuda-cublas.jar"), lib.toString());
    assertFalse(lib.stream().anyMatch(n -> n.startsWith("cuda-") || n.startsWith("openblas") || n.startsWith("junit")),
        lib.toString());
    assertTrue(lib.stream().anyMatch(n -> n.matches("javacpp-[0-9.]+-linux-x86_64\\.jar")), lib.toString());
    List<String> entries = new ArrayList<>();
    try (ZipFile z = new ZipFile(bundle.resolve("lib/pudle-cuda-cublas.jar").toFile())) {
      z.stream().forEach(e -> entries.add(e.getName()));
    }
    assertTrue(entries.contains("org/bytedeco/cuda/linux-x86_64/libjnicublas.so"), entries.toString());
    assertTrue(entries.contains("org/bytedeco/cuda/linux-x86_64/libjnicudart.so"));
    assertTrue(entries.contains("org/bytedeco/cuda/global/cublas.class"));
    assertFalse(entries.stream().anyMatch(n -> n.contains("npp") || n.contains("cudnn") || n.contains("cusolver")),
        entries.stream().filter(n -> n.contains("npp")).findFirst().orElse(""));
    assertTrue(Files.isExecutable(bundle.resolve("run")));
  }

  @Test
  void withoutADriverTheProbeSaysWhatIsMissingAndTheCheckExits3() throws Exception {
    Result probe = run(List.of(bundle.resolve("run").toString(), "--probe"), null, 120);
    assertEquals(1, probe.status, probe.output);
    assertTrue(probe.output.contains("FAIL libcuda.so.1 (JCuda driver binding) and device: no CUDA driver"),
        probe.output);
    assertTrue(probe.output.contains("libjnicudart.so: libcuda.so.1: cannot open shared object file"), probe.output);
    Path out = Path.of("target", "gpu-bundle-it", "check").toAbsolutePath();
    long t0 = System.nanoTime();
    Result check = run(List.of(bundle.resolve("run").toString(), "--require-cuda", "--out", out.toString()), null, 120);
    assertEquals(3, check.status, check.output);
    assertTrue(check.output.contains("cuda-check: no CUDA driver: the JCuda driver library did not load (libcuda.so.1: "
        + "cannot open shared object file"), check.output);
    assertTrue(Files.readString(out.resolve("check.csv")).startsWith("section,item,gemm,precision,seconds,gflop_s,"
        + "result,note\n"));
    assertTrue((System.nanoTime() - t0) * 1e-9 < 60, "the check without a device should end in seconds");
  }

  @Test
  void againstTheFakeCudaLibrariesTheBundleLoadsCudartAndCublas() throws Exception {
    assumeTrue(FakeCudaLibraries.gccAvailable(), "gcc is not installed");
    Path fakes = FakeCudaLibraries.build(true);
    Result probe = run(List.of(bundle.resolve("run").toString(), "--probe"), fakes, 120);
    assertTrue(probe.output.contains("OK   libcudart.so.13 (JavaCPP libjnicudart.so): CUDA runtime 13.0"),
        probe.output);
    assertTrue(probe.output.contains("OK   libcublas.so.13 (JavaCPP libjnicublas.so): cuBLAS 13.1.0"), probe.output);
    assertTrue(probe.output.contains("FAIL libcuda.so.1 (JCuda driver binding) and device: the CUDA driver found no "
        + "device"), probe.output);
  }
}
