package org.pudle.spark.io;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Two independent pieces of output work at the same time: one on the calling thread, one on a
 * helper thread started from it (so it has the caller's context class loader, as Hadoop's file
 * systems need). Returns only when both have ended; the caller's failure is thrown first, with the
 * helper's attached as suppressed.
 */
public final class SideBySide {
  private SideBySide() {}

  /** Work that writes outputs. */
  @FunctionalInterface
  public interface Work {
    void run() throws IOException;
  }

  /**
   * Runs {@code here} on this thread and {@code there} on a helper thread named {@code name}, and
   * waits for both.
   */
  public static void run(String name, Work here, Work there) throws IOException {
    Throwable[] failed = new Throwable[1];
    Thread helper = new Thread(() -> {
      try {
        there.run();
      } catch (Throwable e) {
        failed[0] = e;
      }
    }, name);
    helper.setDaemon(true);
    helper.start();
    Throwable mine = null;
    try {
      here.run();
    } catch (Throwable e) {
      mine = e;
    }
    boolean interrupted = false;
    while (true) {
      try {
        helper.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable first = mine != null ? mine : failed[0];
    if (first == null) {
      return;
    }
    if (mine != null && failed[0] != null) {
      mine.addSuppressed(failed[0]);
    }
    if (first instanceof IOException io) {
      throw io;
    }
    if (first instanceof UncheckedIOException unchecked) {
      throw unchecked;
    }
    if (first instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (first instanceof Error error) {
      throw error;
    }
    throw new IllegalStateException(first);
  }
}
