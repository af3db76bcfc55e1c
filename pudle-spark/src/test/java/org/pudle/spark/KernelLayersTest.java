package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.KernelStatistics;
import org.pudle.kernels.KernelStatistics.Counter;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.TrainJob;

/**
 * {@code kernel.layers}: training runs its unfolded layers on the codes' supports by default and
 * every layer by GEMM with {@code dense}, and both learn the same dictionary to rounding (the
 * kernels run in this JVM in local mode, so {@link KernelStatistics} sees them).
 */
class KernelLayersTest {
  private static final String SMALL = "m=20\np=40\nk=2\nn=400\nT=40\nupdates=3\npartitions=2\nblock.size=64\n"
      + "kernels=cpu\nprogress.seconds=1000\n";

  private static TrainJob.Summary train(String text, Path out) throws IOException {
    Config c = Config.fromString(text + "output = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
  }

  @Test
  void trainingOnTheSupportsLearnsWhatTheGemmLayersLearn(@TempDir Path dir) throws IOException {
    KernelStatistics.Counts before = KernelStatistics.snapshot();
    TrainJob.Summary auto = train(SMALL, dir.resolve("auto"));
    KernelStatistics.Counts autoRan = KernelStatistics.snapshot().minus(before);
    before = KernelStatistics.snapshot();
    TrainJob.Summary dense = train(SMALL + "kernel.layers=dense\n", dir.resolve("dense"));
    KernelStatistics.Counts denseRan = KernelStatistics.snapshot().minus(before);
    assertTrue(autoRan.forwardSupport() > 0 && autoRan.get(Counter.BACKWARD_SUPPORT) > 0, autoRan.toString());
    assertEquals(0, denseRan.forwardSupport(), denseRan.toString());
    assertEquals(0, denseRan.get(Counter.BACKWARD_SUPPORT), denseRan.toString());
    assertTrue(denseRan.get(Counter.FORWARD_DENSE) > 0, denseRan.toString());
    double[] a = auto.dictionary();
    double[] d = dense.dictionary();
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - d[i]));
    }
    assertTrue(worst <= 1e-10, "largest difference of the two dictionaries " + worst);
  }
}
