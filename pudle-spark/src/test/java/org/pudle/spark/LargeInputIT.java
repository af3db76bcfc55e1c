package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.pudle.kernels.io.Npy;

/**
 * Opt-in (not in CI: it writes 2 GiB and trains for minutes): a 2 GiB {@code .npy} (4194304
 * samples of m = 64 doubles) trains with T = 5 and 2 full-batch updates through
 * {@code submit/pudle} in the embedded mode with {@code PUDLE_DRIVER_MEMORY=512m} and no Spark or
 * partition setting: the input is split by size, each task streams its blocks, and the cached
 * blocks that do not fit in memory go to disk. The file lives in this test's temporary directory
 * and is removed after. The wall time and the peak resident memory ({@code /usr/bin/time -v}) go
 * to {@code pudle-spark/target/it-reports/LargeInputIT.txt}.
 *
 * <p>Run: {@code PUDLE_LARGE_INPUT_IT=1 mvn -B -q -pl pudle-spark -am verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LargeInputIT}.
 */
@EnabledIfEnvironmentVariable(named = "PUDLE_LARGE_INPUT_IT", matches = "1")
class LargeInputIT {
  private static final int M = 64;
  private static final long N = (2L << 30) / (8L * M);

  @Test
  void aTwoGigabyteNpyTrainsInA512MegabyteDriver() throws Exception {
    Path root = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();
    Path dir = Files.createTempDirectory("pudle-large-input");
    try {
      Path npy = dir.resolve("x.npy");
      write(npy);
      Path config = dir.resolve("large.properties");
      Files.writeString(config, "input = " + npy + "\np = 64\nT = 5\nupdates = 2\noutput = " + dir.resolve("out")
          + "\n");
      Path timeLog = dir.resolve("time.txt");
      List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-v", "-o", timeLog.toString(), "bash",
          root.resolve("submit/pudle").toString(), "train", config.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt")
          .toFile());
      pb.environment().remove("SPARK_HOME");
      pb.environment().put("PUDLE_DRIVER_MEMORY", "512m");
      pb.environment().put("PUDLE_NO_BUILD", "1");
      long t0 = System.nanoTime();
      Process p = pb.start();
      assertTrue(p.waitFor(3600, TimeUnit.SECONDS), "train did not finish within an hour");
      double seconds = (System.nanoTime() - t0) * 1e-9;
      String log = Files.readString(dir.resolve("log.txt"), StandardCharsets.UTF_8);
      String time = Files.exists(timeLog) ? Files.readString(timeLog) : "";
      assertEquals(0, p.exitValue(), log + "\n" + time);
      assertTrue(Files.isRegularFile(dir.resolve("out/dictionary.npy")), log);
      Matcher rss = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)").matcher(time);
      String peak = rss.find() ? String.format(Locale.ROOT, "%.0f MB", Long.parseLong(rss.group(1)) / 1024.0) : "?";
      StringBuilder lines = new StringBuilder();
      for (String line : log.split("\n")) {
        if (line.startsWith("[train]") && !line.startsWith("[train] kernels")) {
          lines.append("  ").append(line).append('\n');
        }
      }
      Path reports = Files.createDirectories(root.resolve("pudle-spark/target/it-reports"));
      Files.writeString(reports.resolve("LargeInputIT.txt"), String.format(Locale.ROOT,
          "%s: %d x %d float64 .npy (%d bytes), PUDLE_DRIVER_MEMORY=512m, T=5, 2 updates: exit 0 in %.1f s wall, "
              + "peak RSS %s%n%s", java.time.Instant.now(), N, M, Files.size(npy), seconds, peak, lines),
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** N x M standard normal doubles in C order, written a chunk of rows at a time. */
  private static void write(Path npy) throws IOException {
    SplittableRandom rng = new SplittableRandom(13);
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(npy), 1 << 20)) {
      Npy.writeHeader(o, "<f8", false, new long[] {N, M});
      ByteBuffer chunk = ByteBuffer.allocate(8 * M * 4096).order(ByteOrder.LITTLE_ENDIAN);
      for (long done = 0; done < N; done += 4096) {
        chunk.clear();
        for (int i = 0; i < 4096 * M; i++) {
          chunk.putDouble(rng.nextGaussian());
        }
        o.write(chunk.array());
      }
    }
  }
}
