package org.pudle.spark.study;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.pudle.spark.train.Progress;

/**
 * Progress lines for one long distributed pass: a Spark listener counts the finished tasks of the
 * pass's first stage (one per partition) and prints through {@link Progress}. Closing removes it.
 */
final class TaskProgress extends SparkListener implements AutoCloseable {
  private final SparkContext sc;
  private final Progress progress;
  private final int tasks;
  private final long start = System.nanoTime();
  private final AtomicInteger done = new AtomicInteger();
  private final double samplesPerTask;

  TaskProgress(SparkContext sc, Progress progress, int tasks, long samples) {
    this.sc = sc;
    this.progress = progress;
    this.tasks = tasks;
    this.samplesPerTask = (double) samples / tasks;
    sc.addSparkListener(this);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskInfo() == null || !end.taskInfo().successful()) {
      return;
    }
    int d = done.incrementAndGet();
    if (d <= tasks) {
      double elapsed = (System.nanoTime() - start) * 1e-9;
      synchronized (progress) {
        progress.step(d, elapsed, String.format(Locale.ROOT, "tasks done, about %.3g samples/s",
            d * samplesPerTask / elapsed));
      }
    }
  }

  @Override
  public void close() {
    sc.removeSparkListener(this);
  }
}
