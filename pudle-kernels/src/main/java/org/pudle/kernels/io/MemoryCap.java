package org.pudle.kernels.io;

import java.io.IOException;
import java.util.Locale;

/**
 * The most one array read from a file may take: half of this JVM's heap, and no more values than a
 * Java array holds. Readers compare what a header promises with this cap before they allocate, so
 * that a file too large for the JVM (or a header that lies) is an error naming the file and what
 * to change instead of an {@link OutOfMemoryError}.
 */
public final class MemoryCap {
  /** The most values one Java array may hold (some JVMs reserve a few header words). */
  public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private MemoryCap() {}

  /** Half of the JVM's maximum heap, in bytes. */
  public static long bytes() {
    return Runtime.getRuntime().maxMemory() / 2;
  }

  /**
   * Checks that an array of {@code values} doubles fits under {@code capBytes}.
   *
   * @param source names the file in the message
   * @param what   what the array holds, for the message: "the array of shape (100000000, 20)"
   * @throws IOException naming {@code source}, the sizes and what to change
   */
  public static void check(String source, String what, long values, long capBytes) throws IOException {
    if (values > MAX_ARRAY_LENGTH) {
      throw new IOException(source + ": " + what + " holds " + values + " values, more than one Java array holds ("
          + MAX_ARRAY_LENGTH + "); split it into smaller files");
    }
    long bytes = values * 8;
    if (bytes > capBytes) {
      throw new IOException(String.format(Locale.ROOT, "%s: %s takes %s as doubles, more than the %s that one array "
          + "may take in this JVM (half of its %s heap); give it more memory (PUDLE_DRIVER_MEMORY with submit/pudle, "
          + "spark.executor.memory for the executors of a cluster) or split the file", source, what, size(bytes),
          size(capBytes), size(Runtime.getRuntime().maxMemory())));
    }
  }

  /** A byte count as people read it: 812 MB, 3.2 GB. */
  public static String size(long bytes) {
    if (bytes < 1L << 20) {
      return bytes < 1024 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
    if (bytes < 1L << 30) {
      return String.format(Locale.ROOT, "%.0f MB", bytes / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
  }
}
