package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The setting {@code cuda.gemm} and its resolution: {@code auto} takes cuBLAS when it works and
 * the own kernels (saying why) when not, {@code own} always the own kernels, {@code cublas}
 * cuBLAS or an error that says why; on a machine without a driver, cuBLAS reports the missing
 * library and the CUDA backend still falls back to the CPU as before.
 */
class GemmChoiceTest {
  private static final Cublas.Availability LOADED = new Cublas.Availability(true, "cuBLAS 13.1.0 (libcublas.so.13), "
      + "CUDA runtime 13.0");
  private static final Cublas.Availability MISSING = new Cublas.Availability(false,
      "libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory");

  @Test
  void parsesTheThreeValuesAndNamesTheSourceOfABadOne() {
    assertEquals(GemmProvider.AUTO, GemmProvider.parse(" Auto ", "cuda.gemm"));
    assertEquals(GemmProvider.CUBLAS, GemmProvider.parse("cublas", "cuda.gemm"));
    assertEquals(GemmProvider.OWN, GemmProvider.parse("OWN", "cuda.gemm"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GemmProvider.parse("mkl", "conf/train.properties: cuda.gemm"));
    assertEquals("conf/train.properties: cuda.gemm: expected auto, cublas or own, got 'mkl'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GemmProvider.parse(null, "cuda.gemm"));
    assertEquals("cublas", GemmProvider.CUBLAS.toString());
  }

  @Test
  void theSystemPropertySetsTheDefault() {
    String before = System.getProperty(GemmProvider.PROPERTY);
    try {
      System.clearProperty(GemmProvider.PROPERTY);
      assertEquals(GemmProvider.AUTO, GemmProvider.fromSystemProperty());
      System.setProperty(GemmProvider.PROPERTY, "own");
      assertEquals(GemmProvider.OWN, GemmProvider.fromSystemProperty());
      System.setProperty(GemmProvider.PROPERTY, "fast");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, GemmProvider::fromSystemProperty);
      assertTrue(e.getMessage().startsWith("pudle.cuda.gemm: "), e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(GemmProvider.PROPERTY);
      } else {
        System.setProperty(GemmProvider.PROPERTY, before);
      }
    }
  }

  @Test
  void autoTakesCublasWhenItWorksAndTheOwnKernelsWithTheReasonWhenNot() {
    GemmChoice c = GemmChoice.resolve(GemmProvider.AUTO, LOADED);
    assertTrue(c.cublas());
    assertEquals("cuda.gemm=auto: cuBLAS 13.1.0 (libcublas.so.13), CUDA runtime 13.0", c.reason());
    GemmChoice o = GemmChoice.resolve(GemmProvider.AUTO, MISSING);
    assertEquals(GemmProvider.OWN, o.provider());
    assertEquals("cuda.gemm=auto: the hand-written GEMM kernels, cuBLAS is not usable: " + MISSING.description(),
        o.reason());
  }

  @Test
  void ownIsOwnWhateverCublasDoesAndForcedCublasWithoutItIsAnErrorThatSaysWhy() {
    assertEquals(GemmProvider.OWN, GemmChoice.resolve(GemmProvider.OWN, LOADED).provider());
    assertEquals(GemmProvider.OWN, GemmChoice.resolve(GemmProvider.OWN, null).provider());
    assertTrue(GemmChoice.resolve(GemmProvider.CUBLAS, LOADED).cublas());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GemmChoice.resolve(GemmProvider.CUBLAS, MISSING));
    assertEquals("cuda.gemm=cublas: cuBLAS is not usable: " + MISSING.description(), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GemmChoice(GemmProvider.AUTO, "x"));
  }

  @Test
  void withoutADriverCublasSaysWhichLibraryIsMissingAndKernelsFallBackToTheCpu() {
    CudaContext.Availability driver = CudaContext.probe();
    if (driver.available()) {
      return; // a machine with a GPU: the device tests cover it
    }
    Cublas.Availability a = Cublas.library();
    assertFalse(a.available());
    assertTrue(a.description().contains(".so"), a.description());
    assertEquals(GemmProvider.OWN, GemmChoice.resolve(GemmProvider.AUTO, a).provider());
    assertEquals(org.pudle.kernels.backend.CpuKernels.INSTANCE,
        org.pudle.kernels.pool.KernelPool.of(org.pudle.kernels.pool.KernelSpec.AUTO).kernels());
  }
}
