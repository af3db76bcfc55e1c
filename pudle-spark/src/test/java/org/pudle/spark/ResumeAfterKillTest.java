package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.train.TrainJob;

/**
 * A driver killed mid-run (SIGKILL of a separate {@code pudle train} JVM) leaves its last
 * checkpoint and no half-written result; {@code --resume} then finishes with the dictionary of an
 * uninterrupted run.
 */
class ResumeAfterKillTest {
  private static final int UPDATES = 60;

  private static final String CONFIG = "m = 12\np = 18\nk = 3\nn = 300\nseed = 11\nT = 10\ngradient = ae-ls\n"
      + "adam.lr = 1e-2\npartitions = 2\nblock.size = 64\nbatch.size = 100\ncheckpoint.every = 5\n"
      + "updates = " + UPDATES + "\n";

  @Test
  void killedDriverResumesToTheUninterruptedDictionary(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("killed");
    Path config = dir.resolve("kill.properties");
    Files.writeString(config, CONFIG + "output = " + out + "\nprogress.seconds = 0\n");
    Process child = PudleJvm.start("train", config.toString());
    TrainProcessOutput output = TrainProcessOutput.follow(child);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (output.update() < 12 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      if (!child.isAlive() || output.update() < 12) {
        fail("the training JVM should still run at update 12 (it reached " + output.update() + "):\n" + output.log());
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
      child.waitFor(30, TimeUnit.SECONDS);
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
    int killedAt = output.update();
    assertTrue(killedAt < UPDATES, "killed mid-run, after update " + killedAt);
    // the killed run's files stay in its staging directory, beside the output, which it never made
    assertTrue(Files.notExists(out), "no result of the killed run");
    assertTrue(!org.pudle.spark.io.RunOutputs.earlier(out.toString(), "checkpoint",
        new org.apache.hadoop.conf.Configuration()).isEmpty(), "a checkpoint was written");

    TrainJob.Summary resumed = TrainFromFilesTest.train(CONFIG + "progress.seconds = 1000\n", out, true);
    TrainJob.Summary whole = TrainFromFilesTest.train(CONFIG + "progress.seconds = 1000\n", dir.resolve("whole"),
        false);
    double diff = TrainFromFilesTest.relativeDifference(resumed.dictionary(), whole.dictionary());
    // 2 partitions: both runs sum the same two partial sums, so the arithmetic is the same; 1e-12
    // leaves room for a reassociation in Spark's final merge
    assertTrue(diff <= 1e-12, "resumed after a kill at update " + killedAt + ": relative difference " + diff);
    assertTrue(resumed.updates().size() == UPDATES);
  }
}
