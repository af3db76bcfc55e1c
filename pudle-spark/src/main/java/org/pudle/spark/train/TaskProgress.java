package org.pudle.spark.train;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Progress lines for one long distributed pass: a Spark listener counts the finished tasks of the
 * pass's first stage (one per partition) and prints through {@link Progress} with the rate of the
 * items (samples, images) the tasks hold. Closing removes it.
 */
public final class TaskProgress extends SparkListener implements AutoCloseable {
  private final SparkContext sc;
  private final Progress progress;
  private final int tasks;
  private final long start = System.nanoTime();
  private final AtomicInteger done = new AtomicInteger();
  private final double itemsPerTask;
  private final String unit;

  /**
   * @param tasks the tasks of the pass
   * @param items what the tasks hold together, in {@code unit}s (for the rate)
   */
  public TaskProgress(SparkContext sc, Progress progress, int tasks, long items, String unit) {
    this.sc = sc;
    this.progress = progress;
    this.tasks = tasks;
    this.itemsPerTask = (double) items / tasks;
    this.unit = unit;
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
        progress.step(d, elapsed, String.format(Locale.ROOT, "tasks done, about %.3g %s/s",
            d * itemsPerTask / elapsed, unit));
      }
    }
  }

  @Override
  public void close() {
    sc.removeSparkListener(this);
  }
}
