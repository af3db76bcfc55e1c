package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.bench.CudaCheck;

/**
 * Every section of {@link CudaCheck} on an emulated device ({@link EmulatedCheckDevice} over
 * {@link EmulatedGpu}) for both GEMM providers, at the small shapes of {@code --quick}: the table
 * and the CSV have a row per section, provider and precision, every agreement passes, and the run
 * exits 0; with the time limit already spent, the sections are skipped and the run fails.
 */
class CudaCheckEmulatedTest {

  @Test
  void everySectionRunsForBothProvidersAndPasses() throws Exception {
    Path out = Path.of("target", "cuda-check-emulated").toAbsolutePath();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    int status;
    try (PrintStream ps = new PrintStream(text, true, StandardCharsets.UTF_8)) {
      status = CudaCheck.run(ps, new EmulatedCheckDevice(new EmulatedGpu(1L << 30), new EmulatedGpu(1L << 30), 1L << 30),
          "--require-cuda", "--quick", "--size",
          "20x24x4", "--samples", "64", "--b1-samples", "16", "--reps", "1", "--cpu-samples", "8", "--study-samples", "4",
          "--out", out.toString());
    }
    String console = text.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, console);
    List<String> csv = Files.readAllLines(out.resolve("check.csv"));
    assertEquals("section,item,gemm,precision,seconds,gflop_s,result,note", csv.get(0));
    for (String gemm : new String[] {"own", "cublas"}) {
      for (String precision : new String[] {"FP64", "FP32"}) {
        String tag = "," + gemm + "," + precision + ",";
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("gemm,") && l.contains(tag)), tag + "\n" + console);
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("agreement,dense: ") && l.contains(tag) && l.contains("PASS")),
            tag);
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("agreement,conv: ") && l.contains(tag) && l.contains("PASS")),
            tag);
        assertEquals(3, csv.stream().filter(l -> l.startsWith("gradients,") && l.contains(tag)).count(), tag);
        assertEquals(3, csv.stream().filter(l -> l.startsWith("b1,") && l.contains(tag) && l.contains("m=50 p=100 T=200 "
            + "B=16")).count(), tag);
        assertEquals(2, csv.stream().filter(l -> l.startsWith("conv,") && l.contains(tag)).count(), tag);
        // the study kernel on the device, its per-depth gradients against the CPU's
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("study,") && l.contains(tag) && l.contains("ms/sample")
            && l.contains("per-depth gradients vs CPU") && (precision.equals("FP32") || l.contains("PASS"))), tag);
      }
    }
    assertTrue(csv.stream().anyMatch(l -> l.startsWith("device,GEMM provider (cuda.gemm=auto),cublas")), csv.toString());
    assertTrue(csv.stream().anyMatch(l -> l.startsWith("study,") && l.contains(",cpu,FP64,") && l.contains("ms/sample")),
        csv.toString());
    assertTrue(csv.stream().anyMatch(l -> l.startsWith("cpu,\"DGEMM")), csv.toString());
    assertEquals("result,cuda-check,,,,,PASS,", csv.get(csv.size() - 1));
    assertTrue(csv.stream().noneMatch(l -> l.contains("FAILED")), csv.toString());
    String last = console.strip().substring(console.strip().lastIndexOf('\n') + 1);
    assertTrue(last.startsWith("cuda-check PASS: agreement own/FP64 PASS, own/FP32 PASS, cublas/FP64 PASS, "
        + "cublas/FP32 PASS, conv own/FP64 PASS"), last);
    assertTrue(Files.readString(out.resolve("check.txt")).startsWith("section"));
  }

  @Test
  void pastTheTimeLimitTheSectionsAreSkippedAndTheCheckFails() throws Exception {
    Path out = Path.of("target", "cuda-check-emulated-late").toAbsolutePath();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    int status;
    try (PrintStream ps = new PrintStream(text, true, StandardCharsets.UTF_8)) {
      EmulatedGpu gpu = new EmulatedGpu(1L << 26);
      status = CudaCheck.run(ps, new EmulatedCheckDevice(gpu, gpu, 1L << 26), "--quick", "--time-limit", "0.000001",
          "--out", out.toString());
    }
    assertEquals(1, status, text.toString(StandardCharsets.UTF_8));
    List<String> csv = Files.readAllLines(out.resolve("check.csv"));
    assertTrue(csv.stream().anyMatch(l -> l.startsWith("device,skipped,,,,,SKIPPED")), csv.toString());
    assertEquals("result,cuda-check,,,,,FAIL,a section failed, was skipped or ran out of time (rows above)",
        csv.get(csv.size() - 1).replace("\"", ""));
  }
}
