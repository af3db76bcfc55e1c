package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The committed PTX is the compilation of the committed CUDA source: its header names the
 * source's SHA-256 (build-ptx writes it), and it defines every kernel {@link CudaContext} looks
 * up, for a virtual architecture. Runs without nvcc; with nvcc the build also recompiles and
 * compares (build-ptx --check).
 */
class PtxResourceTest {

  private static String ptx() {
    byte[] b = CudaContext.ptx();
    assertEquals(0, b[b.length - 1], "cuModuleLoadData needs a NUL-terminated image");
    return new String(b, 0, b.length - 1, StandardCharsets.US_ASCII);
  }

  @Test
  void headerNamesTheHashOfTheCudaSource() throws Exception {
    Path source = Path.of("src/main/cuda/pudle_kernels.cu");
    assertTrue(Files.isRegularFile(source), "run from the pudle-kernels module folder: " + source.toAbsolutePath());
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source)));
    Matcher m = Pattern.compile("(?m)^// source-sha256: ([0-9a-f]{64})$").matcher(ptx());
    assertTrue(m.find(), "the PTX resource has no source-sha256 line; regenerate it with build-ptx --write");
    assertEquals(hash, m.group(1), "pudle_kernels.ptx is stale: run pudle-kernels/src/main/cuda/build-ptx --write "
        + "(needs nvcc) and commit the PTX with the source");
  }

  @Test
  void definesEveryKernelForAVirtualArchitecture() {
    String ptx = ptx();
    for (String f : new String[] {"pudle_gemm_nn_", "pudle_gemm_tn_", "pudle_gemm_nt_", "pudle_splitk_reduce_",
        "pudle_threshold_", "pudle_mask_accumulate_", "pudle_add_lambda_sign_", "pudle_symmetrize_",
        "pudle_statistics_", "pudle_im2col_", "pudle_col2im_", "pudle_scale_", "pudle_mask_"}) {
      for (Precision p : Precision.values()) {
        assertTrue(ptx.contains(".entry " + f + p.suffix() + "("), "missing kernel " + f + p.suffix());
      }
    }
    assertTrue(ptx.contains(".entry pudle_statistics_finish("));
    assertTrue(Pattern.compile("(?m)^\\.target sm_75$").matcher(ptx).find(),
        "expected PTX for compute_75 (.target sm_75), the oldest architecture CUDA 13 supports");
    assertTrue(ptx.contains(".address_size 64"));
  }
}
