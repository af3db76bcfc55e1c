package org.pudle.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

class KernelSpecTest {

  @Test
  void theSpecReadsBackWhatItWrites() {
    for (String text : new String[] {"auto:double", "cpu:double", "cuda:float", "cuda:double:own",
        "auto:float:cublas"}) {
      assertEquals(text, KernelSpec.parse(text).toString(), text);
    }
    assertEquals(new KernelSpec(KernelSpec.Backend.CUDA, Precision.FLOAT, GemmProvider.AUTO),
        KernelSpec.parse("CUDA:float"));
    assertEquals(KernelSpec.AUTO, KernelSpec.parse("auto:double:auto"));
    assertEquals("auto:double", KernelSpec.parse("auto:double:auto").toString());
    assertEquals(GemmProvider.OWN, KernelSpec.parse("cuda:double:own").gemm());
  }

  @Test
  void badSpecsSayWhatIsExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KernelSpec.parse("cuda:double:cudnn"));
    assertTrue(e.getMessage().contains("cuda.gemm: expected auto, cublas or own, got 'cudnn'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KernelSpec.parse("cpu:float"));
    assertTrue(e.getMessage().contains("the CPU backend computes in double"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KernelSpec.parse("cuda:double:own:x"));
    assertTrue(e.getMessage().startsWith("unknown kernel backend"), e.getMessage());
  }

  @Test
  void theLayersAreAFourthPart() {
    assertEquals(KernelSpec.Layers.AUTO, KernelSpec.parse("cpu").layers());
    KernelSpec dense = KernelSpec.parse("cpu:double:auto:dense");
    assertEquals(KernelSpec.Layers.DENSE, dense.layers());
    assertEquals("cpu:double:auto:dense", dense.toString());
    assertEquals(dense, KernelSpec.parse(dense.toString()));
    assertEquals("cuda:double:own", KernelSpec.parse("cuda:double:own:auto").toString());
    assertEquals(0.0, KernelSpec.Layers.DENSE.sparseDensity());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KernelSpec.parse("cpu:double:auto:sparse"));
    assertTrue(e.getMessage().contains("kernel.layers: expected auto or dense, got 'sparse'"), e.getMessage());
  }
}
