package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS binding without a GPU, in child JVMs against stand-ins of the NVIDIA driver and of
 * the CUDA 13 libraries ({@link FakeCudaLibraries}): JavaCPP's 13.1 bindings load against
 * libraries that export only what pudle calls (as on CUDA 13.0, which lacks some symbols of 13.1);
 * a missing libcublas.so.13 is reported by name, {@code auto} then takes the own kernels and a
 * forced {@code cublas} is an error that says why; and the handle gets the stream and the memory
 * JCuda made (the fake cuBLAS computes on host memory and checks the stream), the default math
 * mode, no atomics, and products that match the CPU BLAS with transposes, offsets, leading
 * dimensions and beta. Also the probe and {@code --require-cuda} of the check against them. Skipped
 * without gcc.
 */
class CublasFakeLibraryTest {
  private static Path withCublas;
  private static Path withoutCublas;

  @BeforeAll
  static void build() throws Exception {
    assumeTrue(FakeCudaLibraries.gccAvailable(), "gcc is not installed: the fake CUDA libraries are skipped");
    withCublas = FakeCudaLibraries.build(true);
    withoutCublas = FakeCudaLibraries.build(false);
  }

  private static Map<String, String> values(FakeCudaLibraries.Child child) {
    assertEquals(0, child.status(), child.output());
    Map<String, String> v = new LinkedHashMap<>();
    for (String line : child.output().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[a-z.0-9]+")) {
        v.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return v;
  }

  @Test
  void withCublasTheHandleGetsJcudasStreamAndMemoryAndMultipliesRight() throws Exception {
    FakeCudaLibraries.Child child = FakeCudaLibraries.run(withCublas, FakeCudaMain.class.getName());
    Map<String, String> v = values(child);
    assertEquals("true", v.get("cublas.available"), child.output());
    assertEquals("cuBLAS 13.1.0 (libcublas.so.13), CUDA runtime 13.0", v.get("cublas.description"));
    assertEquals("the CUDA driver found no device (CUDA_ERROR_NO_DEVICE)", v.get("driver"));
    assertTrue(v.get("auto").startsWith("GemmChoice[provider=cublas"), v.get("auto"));
    assertTrue(v.get("forced").startsWith("GemmChoice[provider=cublas"), v.get("forced"));
    assertEquals("0", v.get("math"), "CUBLAS_DEFAULT_MATH");
    assertEquals("0", v.get("atomics"), "CUBLAS_ATOMICS_NOT_ALLOWED");
    for (int form = 0; form < 4; form++) {
      assertTrue(Double.parseDouble(v.get("dgemm." + form)) <= 1e-15, "dgemm form " + form + ": " + child.output());
      assertTrue(Double.parseDouble(v.get("sgemm." + form)) <= 1e-6, "sgemm form " + form + ": " + child.output());
    }
  }

  @Test
  void withoutCublasAutoTakesTheOwnKernelsAndForcedCublasSaysWhy() throws Exception {
    FakeCudaLibraries.Child child = FakeCudaLibraries.run(withoutCublas, FakeCudaMain.class.getName());
    Map<String, String> v = values(child);
    String cause = "libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory";
    assertEquals("false", v.get("cublas.available"), child.output());
    assertEquals(cause, v.get("cublas.description"));
    assertEquals("GemmChoice[provider=own, reason=cuda.gemm=auto: the hand-written GEMM kernels, cuBLAS is not usable: "
        + cause + "]", v.get("auto"));
    assertEquals("cuda.gemm=cublas: cuBLAS is not usable: " + cause, v.get("forced.error"));
  }

  @Test
  void withoutADriverTheCauseIsTheMissingLibcuda() throws Exception {
    FakeCudaLibraries.Child child = FakeCudaLibraries.run(null, FakeCudaMain.class.getName());
    Map<String, String> v = values(child);
    assertEquals("libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory",
        v.get("cublas.description"), child.output());
    assertTrue(v.get("driver").startsWith("no CUDA driver: the JCuda driver library did not load (libcuda.so.1: cannot "
        + "open shared object file"), v.get("driver"));
  }

  @Test
  void theProbeSaysWhatLoadedAndTheCheckWantsADevice() throws Exception {
    FakeCudaLibraries.Child probe = FakeCudaLibraries.run(withCublas, "org.pudle.kernels.bench.CudaCheck", "--probe");
    String out = probe.output();
    assertEquals(1, probe.status(), out);
    assertTrue(out.contains("FAIL libcuda.so.1 (JCuda driver binding) and device: the CUDA driver found no device"),
        out);
    assertTrue(out.contains("OK   libcudart.so.13 (JavaCPP libjnicudart.so): CUDA runtime 13.0"), out);
    assertTrue(out.contains("OK   libcublas.so.13 (JavaCPP libjnicublas.so): cuBLAS 13.1.0"), out);

    FakeCudaLibraries.Child missing = FakeCudaLibraries.run(withoutCublas, "org.pudle.kernels.bench.CudaCheck",
        "--probe");
    assertTrue(missing.output().contains("FAIL libcublas.so.13 (JavaCPP libjnicublas.so): libjnicublas.so: "
        + "libcublas.so.13: cannot open shared object file"), missing.output());
    // the loader's whole message, with the folder JavaCPP extracted the JNI library to
    assertTrue(missing.output().matches("(?s).*java.lang.UnsatisfiedLinkError: /\\S*/libjnicublas.so: libcublas.so.13: "
        + "cannot open shared object file.*"), missing.output());

    Path folder = Path.of("target", "fake-cuda", "check-out").toAbsolutePath();
    FakeCudaLibraries.Child check = FakeCudaLibraries.run(withCublas, "org.pudle.kernels.bench.CudaCheck",
        "--require-cuda", "--out", folder.toString());
    assertEquals(3, check.status(), check.output());
    assertTrue(check.output().contains("cuda-check: no CUDA driver or device: the CUDA driver found no device "
        + "(CUDA_ERROR_NO_DEVICE)"), check.output());
    assertTrue(java.nio.file.Files.readString(folder.resolve("check.csv")).contains("result,cuda-check,,,,,NO DEVICE"));
  }
}
