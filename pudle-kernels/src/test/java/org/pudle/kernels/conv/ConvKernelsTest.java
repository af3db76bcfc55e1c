package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.cuda.ConvUnfoldedIstaCuda;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;

/** The convolution backends by name. */
class ConvKernelsTest {
  private static final ConvEncoderParams E = new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0);
  private static final double[] W = ConvFilters.random(9, 4, 1);

  @Test
  void namesAreValidatedWithoutTouchingCuda() {
    for (String ok : new String[] {"cpu", "cuda", "auto", "cuda:float", "AUTO:double", " cpu "}) {
      ConvKernels.validate(ok);
    }
    for (String bad : new String[] {"gpu", "cpu:float", "cuda:half", "", "cuda:float:x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvKernels.validate(bad));
      assertTrue(e.getMessage().contains("cpu") || e.getMessage().contains("double"), e.getMessage());
    }
    assertFalse(ConvKernels.mayUseCuda("cpu"));
    assertTrue(ConvKernels.mayUseCuda("auto"));
    assertInstanceOf(ConvUnfoldedIstaCpu.class, ConvKernels.create("cpu", W, 9, 4, 4, E));
  }

  @Test
  void withoutADeviceCudaSaysWhyAndAutoFallsBackToTheCpu() {
    CudaContext.Availability a = CudaKernels.availability();
    assumeFalse(a.available(), "this machine has a CUDA device");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConvKernels.create("cuda", W, 9, 4, 4, E));
    assertTrue(e.getMessage().contains("no usable CUDA device") && e.getMessage().contains(a.description()),
        e.getMessage());
    assertInstanceOf(ConvUnfoldedIstaCpu.class, ConvKernels.create("auto", W, 9, 4, 4, E));
  }

  @Test
  void withADeviceCudaAndAutoRunOnIt() {
    CudaContext.Availability a = CudaKernels.availability();
    assumeTrue(a.available(), "no CUDA driver or device here (" + a.description() + "): the real-GPU case is skipped");
    assertInstanceOf(ConvUnfoldedIstaCuda.class, ConvKernels.create("cuda", W, 9, 4, 4, E));
    assertInstanceOf(ConvUnfoldedIstaCuda.class, ConvKernels.create("auto", W, 9, 4, 4, E));
  }
}
