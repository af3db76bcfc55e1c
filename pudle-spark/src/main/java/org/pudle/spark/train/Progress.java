package org.pudle.spark.train;

import java.io.PrintStream;
import java.util.Locale;

/** Console progress lines for long loops: the first, the last, and at most one per interval. */
public final class Progress {
  private final PrintStream out;
  private final String prefix;
  private final long total;
  private final double intervalSeconds;
  private long lastPrint = Long.MIN_VALUE;

  public Progress(PrintStream out, String prefix, long total, double intervalSeconds) {
    this.out = out;
    this.prefix = prefix;
    this.total = total;
    this.intervalSeconds = intervalSeconds;
  }

  /**
   * Prints {@code detail} for step {@code done} of {@code total} when due, with an estimate of
   * the time left from the mean time per step so far.
   */
  public void step(long done, double elapsedSeconds, String detail) {
    long now = System.nanoTime();
    boolean due = done <= 1 || done >= total || lastPrint == Long.MIN_VALUE
        || (now - lastPrint) * 1e-9 >= intervalSeconds;
    if (!due) {
      return;
    }
    lastPrint = now;
    double left = done > 0 ? elapsedSeconds / done * (total - done) : Double.NaN;
    int width = String.valueOf(total).length();
    out.printf(Locale.ROOT, "[%s] %" + width + "d/%d  %s  elapsed %s  left %s%n", prefix, done, total, detail,
        duration(elapsedSeconds), done >= total ? "0s" : duration(left));
    out.flush();
  }

  /** A short human duration: 850ms, 12.3s, 4m05s, 2h03m. */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    if (seconds < 1) {
      return Math.round(seconds * 1000) + "ms";
    }
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1fs", seconds);
    }
    long s = Math.round(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
