package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.train.TrainJob;

/**
 * Fault injection: 20 {@code pudle train --overwrite} JVMs, each into a directory that holds an
 * earlier good run, killed with SIGKILL at seeded random points: after a seeded update (while the
 * updates and checkpoints go on) or at a seeded filesystem operation of the run
 * ({@link KillPointFileSystem}: the claim, the checkpoints, the final files, the swap). After each
 * kill, what the next command sees (a stale claim taken over, an interrupted swap finished) is
 * either the earlier run, byte for byte and so resumable, or the new run complete; never a mix.
 * One directory whose earlier run survived is then resumed.
 */
class KilledRunsTest {
  private static final String SIZES = "m = 20\np = 40\nk = 3\nn = 500\nT = 10\ngradient = ae-ls\nadam.lr = 1e-2\n"
      + "partitions = 2\nblock.size = 128\ncheckpoint.every = 2\n";
  private static final String EARLIER = SIZES + "seed = 3\nupdates = 4\nprogress.seconds = 1000\n";
  private static final String NEW = SIZES + "seed = 8\nupdates = 10\nprogress.seconds = 0\n";
  private static final int RUNS = 20;

  private record Child(Process process, TrainProcessOutput output) {}

  /** A JVM like the one submit/pudle starts, on this test's classpath, with the kill points installed. */
  private static Child start(Path config, Path root, int killAt, boolean after) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
        "-Dspark.hadoop.fs.file.impl=" + KillPointFileSystem.class.getName(),
        "-Dspark.hadoop.fs.file.impl.disable.cache=true", "-Dpudle.test.killRoot=" + root,
        "-Dpudle.test.killAt=" + killAt, "-Dpudle.test.killAfter=" + after));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.pudle.spark.cli.PudleMain", "train",
        config.toString(), "--overwrite"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    return new Child(p, TrainProcessOutput.follow(p));
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path f : s.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
    return to;
  }

  private static Path config(Path dir, Path out) throws IOException {
    Path c = dir.resolve("new.properties");
    Files.writeString(c, NEW + "output = " + out + "\n");
    return c;
  }

  /** A point to kill at: after update {@code update} (> 0), or at filesystem operation {@code op}. */
  private record KillPoint(int update, int op, boolean after) {
    @Override
    public String toString() {
      return update > 0 ? "after update " + update : (after ? "after" : "before") + " operation " + op;
    }
  }

  private static String kill(Path dir, Path earlier, KillPoint at) throws Exception {
    Path out = copy(earlier, dir.resolve("out"));
    Child child = start(config(dir, out), dir, at.update() > 0 ? -1 : at.op(), at.after());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try {
      while (child.process().isAlive() && System.nanoTime() < deadline
          && !(at.update() > 0 ? child.output().update() >= at.update()
              : child.output().log().contains("KILLPOINT " + at.op() + " "))) {
        Thread.sleep(2);
      }
      if (!child.process().isAlive()) {
        fail(at + ": the run ended before its kill point:\n" + child.output().log());
      }
      child.process().destroyForcibly(); // SIGKILL
      child.process().waitFor(30, TimeUnit.SECONDS);
    } finally {
      child.process().destroyForcibly();
    }
    return child.output().log();
  }

  @Test
  void killedRunsLeaveTheEarlierRunOrTheNewOneNeverAMix(@TempDir Path dir) throws Exception {
    long t0 = System.nanoTime();
    Path earlier = dir.resolve("earlier");
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    Config ce = Config.fromString(EARLIER + "output = " + earlier + "\n");
    TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(ce, TrainParams.from(ce)), ce.values(), quiet, false);
    Map<String, byte[]> earlierFiles = OutputClaimTest.snapshot(earlier);

    // the new run uninterrupted, counting its filesystem operations
    Path whole = Files.createDirectories(dir.resolve("whole"));
    Child counting = start(config(whole, copy(earlier, whole.resolve("out"))), whole, -1, false);
    assertTrue(counting.process().waitFor(240, TimeUnit.SECONDS), "the uninterrupted run should end");
    assertEquals(0, counting.process().exitValue(), counting.output().log());
    int ops = (int) counting.output().log().lines().filter(l -> l.startsWith("FSOP ")).count();
    Map<String, byte[]> newFiles = OutputClaimTest.snapshot(whole.resolve("out"));
    double[] newDictionary = TrainFromFilesTest.readNpy(whole.resolve("out/dictionary.npy"));
    assertTrue(ops > 20, "operations: " + ops + "\n" + counting.output().log());

    Random r = new Random(20261130);
    List<KillPoint> points = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      int kind = r.nextInt(3);
      // during the updates and checkpoints; at any operation; at one of the last (the final files, the swap)
      points.add(kind == 0 ? new KillPoint(1 + r.nextInt(9), 0, false)
          : new KillPoint(0, kind == 1 ? 1 + r.nextInt(ops) : Math.max(1, ops - r.nextInt(12)), r.nextBoolean()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<String>> logs = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      Path run = Files.createDirectories(dir.resolve("run" + i));
      KillPoint at = points.get(i);
      logs.add(pool.submit(() -> kill(run, earlier, at)));
    }
    pool.shutdown();
    int intact = 0;
    int complete = 0;
    Path survivor = null;
    Configuration conf = new Configuration();
    FileSystem local = FileSystem.getLocal(conf).getRaw();
    for (int i = 0; i < RUNS; i++) {
      String log = logs.get(i).get(300, TimeUnit.SECONDS);
      Path out = dir.resolve("run" + i).resolve("out");
      // what the next command does first: take over the dead claim, finish an interrupted swap
      RunClaim.recover(local, conf, new org.apache.hadoop.fs.Path(out.toUri()));
      Map<String, byte[]> now = Files.exists(out) ? OutputClaimTest.snapshot(out) : Map.of();
      if (sameBytes(earlierFiles, now)) {
        intact++;
        survivor = out;
      } else if (names(now).equals(names(newFiles)) && TrainFromFilesTest.relativeDifference(
          TrainFromFilesTest.readNpy(out.resolve("dictionary.npy")), newDictionary) <= 1e-12) {
        complete++;
      } else {
        fail("run " + i + " killed " + points.get(i) + ": a mixed directory " + now.keySet() + "\n" + log);
      }
    }
    System.out.printf("[KilledRunsTest] %d kills (%s): %d left the earlier run intact, %d the new run complete; "
        + "%d operations per run; %.1f s%n", RUNS, points, intact, complete, ops, (System.nanoTime() - t0) * 1e-9);
    assertEquals(RUNS, intact + complete);
    assertTrue(survivor != null, "some kills land before the new run is complete");

    // the earlier run resumes, beside the killed run's staging directory
    Config resume = Config.fromString(EARLIER.replace("updates = 4", "updates = 6") + "output = " + survivor + "\n");
    TrainJob.Summary s = TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(resume, TrainParams.from(resume)),
        resume.values(), quiet, true);
    assertEquals(6, s.updates().size());
  }

  /** The file names, with the random part of Spark's Parquet part files left out. */
  private static List<String> names(Map<String, byte[]> files) {
    return files.keySet().stream().map(n -> n.replaceAll("part-\\d+-[0-9a-f-]+-c000", "part-N")).sorted().toList();
  }

  private static boolean sameBytes(Map<String, byte[]> a, Map<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String k : a.keySet()) {
      if (!Arrays.equals(a.get(k), b.get(k))) {
        return false;
      }
    }
    return true;
  }
}
