package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Compiles {@code pudle_kernels.cu} with g++ against a host emulation of the CUDA thread grid
 * ({@code src/test/cuda/host_emulation.h}), with AddressSanitizer, and runs
 * {@code kernel_check.cpp}: every kernel (GEMM in three layouts with its epilogues and split-K,
 * the element-wise kernels, the statistics) against a loop reference, at shapes that end inside
 * tiles. This is what tests the CUDA C without a GPU; skipped when g++ is missing.
 */
class CudaKernelEmulationTest {

  private static boolean gxx() {
    try {
      Process p = new ProcessBuilder("g++", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String run(List<String> cmd, Path log, long timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(done, String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s:\n" + out);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
    return out;
  }

  @Test
  void everyKernelMatchesItsLoopReference() throws Exception {
    assumeTrue(gxx(), "g++ is not installed: the host emulation of the CUDA kernels is skipped");
    Path dir = Path.of("target", "cuda-emulation");
    Files.createDirectories(dir);
    Path exe = dir.resolve("kernel_check");
    run(List.of("g++", "-std=c++20", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
        "-Wall", "-Wno-unknown-pragmas", "-pthread", "-o", exe.toString(),
        "src/test/cuda/kernel_check.cpp"), dir.resolve("compile.log"), 600);
    String out = run(List.of(exe.toAbsolutePath().toString()), dir.resolve("run.log"), 600);
    assertTrue(out.matches("(?s).*kernel emulation: [1-9][0-9]* passed, 0 failed\\s*"),
        "unexpected output of kernel_check:\n" + out);
    assertTrue(new File(exe.toString()).canExecute());
  }
}
