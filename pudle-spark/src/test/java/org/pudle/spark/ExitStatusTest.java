package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.cli.ExitStatus;
import org.pudle.spark.cli.PudleMain;

/**
 * Exit status 0 on success, 2 only for invalid user input with nothing written, 1 for any other
 * failure (out-of-memory included) with one line that gives the cause and points to the log.
 */
class ExitStatusTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  @Test
  void aConfigErrorExitsTwoWithOneLineAndWritesNothing(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("c.properties");
    Files.writeString(config, "n = 50\nupdates = 1\nupdates.every = 3\noutput = " + dir.resolve("out") + "\n");
    Run r = run("train", config.toString());
    assertEquals(ExitStatus.INVALID_INPUT, r.status(), r.err());
    assertEquals(List.of("pudle train: error: unknown config key: 'updates.every' (" + config + ")"), lines(r.err()));
    assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    // an option is user input too
    r = run("gradient", "--dictionary", "D.npy", "--input", "X.npy", "--kind", "ae-lasso", "--output", "G.npy",
        "--threads", "0");
    assertEquals(ExitStatus.INVALID_INPUT, r.status(), r.err());
    assertEquals(List.of("pudle gradient: error: --threads: expected at least 1, got 0"), lines(r.err()));
  }

  @Test
  void aFailureThatIsNotTheUsersExitsOneWithOneLine(@TempDir Path dir) throws IOException {
    // the output cannot be written: its parent is a file
    try (OutputStream o = Files.newOutputStream(dir.resolve("D.npy"))) {
      Npy.writeColumnMajor(o, new double[] {1, 0, 0, 1}, 2, 2);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("X.npy"))) {
      Npy.writeColumnMajor(o, new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
    }
    Files.writeString(dir.resolve("file"), "not a folder");
    Run r = run("gradient", "--dictionary", dir.resolve("D.npy").toString(), "--input", dir.resolve("X.npy").toString(),
        "--kind", "dec", "--output", dir.resolve("file").resolve("G.npy").toString(), "--T", "3");
    assertEquals(ExitStatus.FAILED, r.status(), r.err());
    List<String> err = lines(r.err());
    assertEquals(1, err.size(), r.err());
    assertTrue(err.get(0).startsWith("pudle gradient: failed: ") && err.get(0).endsWith(
        "(the stack trace is in the log)"), err.get(0));

    // an internal invariant (an IllegalArgumentException that is not the user's) inside a Spark job
    StringWriter w = new StringWriter();
    int status = ExitStatus.report("pudle train", new SparkException("Job aborted due to stage failure: Task 0 "
        + "failed\n\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2898)",
        new IllegalArgumentException("block: expected 3 x 4 values, got 11")), new PrintWriter(w, true));
    assertEquals(ExitStatus.FAILED, status);
    assertEquals(List.of("pudle train: failed: java.lang.IllegalArgumentException: block: expected 3 x 4 values, got "
        + "11 (the stack trace is in the log)"), lines(w.toString()));
  }

  @Test
  void anOutOfMemoryErrorExitsOneWithOneLineThatSaysWhatToChange() {
    StringWriter w = new StringWriter();
    int status = ExitStatus.report("pudle train", new SparkException("Job aborted due to stage failure",
        new OutOfMemoryError("Java heap space")), new PrintWriter(w, true));
    assertEquals(ExitStatus.FAILED, status);
    List<String> err = lines(w.toString());
    assertEquals(1, err.size(), w.toString());
    assertTrue(err.get(0).startsWith("pudle train: failed: out of memory (Java heap space); give the JVM more memory")
        && err.get(0).contains("block.size"), err.get(0));
    // on a cluster the task's error may reach the driver as text only
    w = new StringWriter();
    ExitStatus.report("pudle study", new SparkException("Job aborted due to stage failure: Task 3 in stage 2.0 "
        + "failed 4 times, most recent failure: Lost task 3.3 (TID 17) (node7 executor 2): java.lang.OutOfMemoryError: "
        + "Java heap space\n\tat org.pudle.kernels.UnfoldedIstaCpu.forward(UnfoldedIstaCpu.java:120)"),
        new PrintWriter(w, true));
    assertEquals(List.of("pudle study: failed: out of memory (Java heap space); give the JVM more memory "
        + "(PUDLE_DRIVER_MEMORY, or spark.executor.memory on a cluster) or use smaller blocks (block.size, "
        + "kernel.scratch.mb) (the stack trace is in the log)"), lines(w.toString()));
  }

  /**
   * A task's out-of-memory error in embedded local mode, where the executor is the driver's JVM:
   * Spark's handler would end the JVM with status 52 and a stack trace; pudle exits with 1 and
   * one line, and the stack trace is in the log.
   */
  @Test
  void anExecutorOutOfMemoryInLocalModeEndsTheDriverWithOneLine(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("oom.properties");
    // one partition, one block of 2000 x 100000 doubles (1.6 GB) in a JVM of 600 MB
    Files.writeString(config, "m = 2000\np = 10\nk = 1\nn = 100000\nT = 2\nupdates = 1\npartitions = 1\n"
        + "block.size = 100000\noutput = " + dir.resolve("out") + "\n");
    Path log = dir.resolve("pudle.log");
    Path logConfig = dir.resolve("log4j2.properties");
    Files.writeString(logConfig, "rootLogger.level = warn\nrootLogger.appenderRef.file.ref = file\n"
        + "appender.file.type = File\nappender.file.name = file\nappender.file.fileName = " + log + "\n"
        + "appender.file.layout.type = PatternLayout\nappender.file.layout.pattern = %p %c{1}: %m%n%ex\n");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx600m");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dlog4j2.configurationFile=" + logConfig.toUri());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PudleMain.class.getName());
    cmd.add("train");
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile())
        .redirectError(dir.resolve("stderr").toFile());
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process child = pb.start();
    try {
      assertTrue(child.waitFor(240, TimeUnit.SECONDS), "the driver should end");
    } finally {
      child.destroyForcibly();
    }
    String err = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
    String logged = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    assertEquals(ExitStatus.FAILED, child.exitValue(), err + "\n--- log:\n" + logged);
    List<String> errLines = lines(err);
    assertEquals(1, errLines.size(), err);
    assertTrue(errLines.get(0).startsWith("pudle train: failed: out of memory (Java heap space)")
        && errLines.get(0).endsWith("(the stack trace is in the log)"), errLines.get(0));
    assertTrue(logged.contains("java.lang.OutOfMemoryError: Java heap space") && logged.contains("\tat "),
        "the log holds the stack trace:\n" + logged);
    assertFalse(Files.exists(dir.resolve("out").resolve("dictionary.npy")), "no result");
  }

  /**
   * submit/pudle runs Spark embedded in the driver's JVM, whose heap is PUDLE_DRIVER_MEMORY: a
   * heap below Spark's minimum is invalid input naming that variable, not spark-submit's
   * --driver-memory.
   */
  @Test
  void aHeapTooSmallForSparkNamesPudleDriverMemory(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("small.properties");
    Files.writeString(config, "m = 5\np = 6\nk = 1\nn = 20\nT = 2\nupdates = 1\noutput = " + dir.resolve("out")
        + "\n");
    Path logConfig = dir.resolve("log4j2.properties");
    Files.writeString(logConfig, "rootLogger.level = warn\nrootLogger.appenderRef.file.ref = file\n"
        + "appender.file.type = File\nappender.file.name = file\nappender.file.fileName = " + dir.resolve("pudle.log")
        + "\nappender.file.layout.type = PatternLayout\nappender.file.layout.pattern = %p %c{1}: %m%n%ex\n");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dlog4j2.configurationFile=" + logConfig.toUri());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PudleMain.class.getName());
    cmd.add("train");
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile())
        .redirectError(dir.resolve("stderr").toFile());
    Process child = pb.start();
    try {
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the driver should end");
    } finally {
      child.destroyForcibly();
    }
    String err = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
    assertEquals(ExitStatus.INVALID_INPUT, child.exitValue(), err);
    List<String> errLines = lines(err);
    assertEquals(1, errLines.size(), err);
    assertTrue(errLines.get(0).startsWith("pudle train: error: the JVM's heap of ") && errLines.get(0).contains(
        "set PUDLE_DRIVER_MEMORY to 1g or more") && !err.contains("--driver-memory"), errLines.get(0));
    assertFalse(Files.exists(dir.resolve("out")), "nothing written");
  }
}
