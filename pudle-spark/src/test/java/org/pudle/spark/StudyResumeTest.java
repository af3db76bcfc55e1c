package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.study.StudyCheckpoint;
import org.pudle.spark.study.StudyJob;
import org.pudle.spark.study.StudyParams;

/**
 * {@code pudle study --resume}: the groups of samples in the checkpoint are not computed again,
 * and the study's numbers are those of a run that went through.
 */
class StudyResumeTest {
  private static final String SETTING = "m = 12\np = 24\nk = 3\nseed = 5\nsign = per-sample\ninit.tau = 0.3\n"
      + "T = 60\nlambda = 0.2\nalpha = 0.2\ngrid.dense = 8\ngrid.log = 4\ngroups = 4\npartitions = 2\n"
      + "dstar.n = 300\ndstar.eta = 3\ndstar.tolerance = 1e-9\ndstar.max.updates = 400\nblock.size = 64\n";

  @TempDir
  static Path shared;

  private static String config(String extra, Path out) {
    return SETTING + extra + "output = " + out + "\ndstar.cache = " + shared.resolve("cache") + "\n";
  }

  private record Ran(StudyJob.Summary summary, String console) {}

  private static Ran study(String text, RunClaim.Mode mode) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    StudyParams p = StudyParams.from(Config.fromString(text));
    StudyJob.Summary s = StudyJob.run(SparkTestSupport.sc(), StudyJob.prepare(Config.fromString(text), p), Map.of(),
        console, mode);
    return new Ran(s, bytes.toString(StandardCharsets.UTF_8));
  }

  private static void assertSameRows(List<Row> a, List<Row> b, double tolerance) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      for (Reference r : Reference.values()) {
        for (Norm nm : Norm.values()) {
          double x = a.get(i).error(r, nm);
          double y = b.get(i).error(r, nm);
          assertEquals(x, y, tolerance * Math.abs(x), a.get(i) + " " + r + " " + nm);
          assertEquals(a.get(i).se(r, nm), b.get(i).se(r, nm), 1e3 * tolerance * Math.abs(a.get(i).se(r, nm)),
              "se " + a.get(i) + " " + r + " " + nm);
        }
      }
      assertEquals(a.get(i).codeError(), b.get(i).codeError(), tolerance * a.get(i).codeError());
    }
  }

  /**
   * A finished study leaves its checkpoint in its output: resuming it computes nothing and gives
   * its numbers to the bit; other settings, or an output without a checkpoint, are refused.
   */
  @Test
  void resumingAFinishedStudyComputesNothing(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Ran first = study(config("n = 400\n", out), RunClaim.Mode.NEW);
    assertTrue(Files.exists(out.resolve(StudyCheckpoint.FILE)), "the checkpoint is in the result");
    Ran again = study(config("n = 400\nprogress.seconds = 7\nkernel.scratch.mb = 64\n", out), RunClaim.Mode.RESUME);
    assertTrue(again.console().contains("4 of 4 groups from the checkpoint"), again.console());
    assertEquals(4, again.summary().main(400).resumed());
    assertTrue(again.summary().text().contains("4 of 4 groups of samples from the checkpoint"), again.summary().text());
    assertSameRows(first.summary().main(400).rows(), again.summary().main(400).rows(), 0.0);

    ConfigException other = assertThrows(ConfigException.class,
        () -> study(config("n = 400\njacobian = true\n", out), RunClaim.Mode.RESUME));
    assertTrue(other.getMessage().contains("jacobian: false -> true"), other.getMessage());
    ConfigException none = assertThrows(ConfigException.class,
        () -> study(config("n = 400\n", dir.resolve("empty")), RunClaim.Mode.RESUME));
    assertTrue(none.getMessage().contains("no study checkpoint"), none.getMessage());
  }

  private static final Pattern GROUP = Pattern.compile("\\[study\\] n=\\d+: group (\\d+)/\\d+ ");

  /**
   * A study killed (SIGKILL of a separate {@code pudle study} JVM) after its first group leaves no
   * result and a checkpoint; {@code --resume} computes the other groups only, and the numbers are
   * those of a study that ran through, to rounding (the groups' sums are summed in the same
   * order; Spark may merge a group's two partitions either way round).
   */
  @Test
  void killedStudyResumesToTheNumbersOfOneThatRanThrough(@TempDir Path dir) throws Exception {
    String n = "n = 6000\nprogress.seconds = 0\n";
    Ran whole = study(config(n, dir.resolve("whole")), RunClaim.Mode.NEW);
    Path out = dir.resolve("killed");
    Path config = dir.resolve("study.properties");
    Files.writeString(config, config(n, out));
    Process child = PudleJvm.start("study", config.toString());
    StringBuilder log = new StringBuilder();
    int[] group = {0};
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (log) {
            log.append(line).append('\n');
            Matcher mt = GROUP.matcher(line);
            if (mt.find()) {
              group[0] = Integer.parseInt(mt.group(1));
              child.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            }
          }
        }
      } catch (IOException e) {
        // the process ended or was killed
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      if (!child.waitFor(240, TimeUnit.SECONDS)) {
        fail("the study JVM did not end:\n" + log);
      }
    } finally {
      child.destroyForcibly();
    }
    reader.join(10_000);
    int killedAfter;
    synchronized (log) {
      killedAfter = group[0];
      assertTrue(killedAfter >= 1 && killedAfter < 4, "killed after group " + killedAfter + ":\n" + log);
    }
    assertTrue(Files.notExists(out), "no result of the killed run");
    assertTrue(!RunOutputs.earlier(out.toString(), StudyCheckpoint.FILE, new org.apache.hadoop.conf.Configuration())
        .isEmpty(), "a checkpoint was written");

    Ran resumed = study(config(n, out), RunClaim.Mode.RESUME);
    Matcher from = Pattern.compile("\\((\\d) of 4 groups from the checkpoint\\)").matcher(resumed.console());
    assertTrue(from.find(), resumed.console());
    int reused = Integer.parseInt(from.group(1));
    assertTrue(reused >= killedAfter && reused < 4, reused + " groups reused after a kill after group " + killedAfter);
    assertSameRows(whole.summary().main(6000).rows(), resumed.summary().main(6000).rows(), 1e-12);
    assertEquals(6000, resumed.summary().main(6000).total().count());
  }
}
