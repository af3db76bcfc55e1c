package org.pudle.spark.cli;

import java.io.PrintWriter;

import org.pudle.kernels.cuda.DeviceOutOfMemoryException;
import org.pudle.spark.ClusterAccessException;
import org.pudle.spark.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exit status of a command and the one line that says why it ended:
 * <ul>
 *   <li>{@value #OK}: success;
 *   <li>{@value #INVALID_INPUT}: invalid user input (a config key or value, an option, an input
 *       file: a {@link UserInputException}), found before anything was written; the line is the
 *       exception's message, which names the source;
 *   <li>{@value #FAILED}: any other failure, out-of-memory included; the line gives the cause and
 *       points to the log, which holds the stack trace.
 * </ul>
 */
public final class ExitStatus {
  private static final Logger LOG = LoggerFactory.getLogger(ExitStatus.class);

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int INVALID_INPUT = 2;

  private ExitStatus() {}

  /**
   * Reports how {@code command} ended with {@code e}: one line on {@code err} (the stack trace of
   * a failure goes to the log) and the exit status.
   */
  public static int report(String command, Throwable e, PrintWriter err) {
    if (e instanceof UserInputException) {
      err.println(command + ": error: " + e.getMessage());
      err.flush();
      return INVALID_INPUT;
    }
    if (e instanceof ClusterAccessException) {
      // the cluster refused the run: its message is the whole story, one line
      err.println(command + ": failed: " + e.getMessage());
      err.flush();
      return FAILED;
    }
    try {
      LOG.error(command + " failed", e);
    } catch (Throwable logging) {
      // the line below still says what happened
    }
    err.println(command + ": failed: " + cause(e) + " (the stack trace is in the log)");
    err.flush();
    return FAILED;
  }

  /**
   * What ended a run, in one line: out of memory (host or CUDA device) with what to change, or the
   * innermost exception (a Spark job's failure wraps the task's) with the first line of its
   * message.
   */
  static String cause(Throwable e) {
    Throwable root = e;
    int depth = 0;
    for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof OutOfMemoryError || firstLine(t.getMessage()).contains(OutOfMemoryError.class.getName())) {
        return "out of memory (" + detail(t, OutOfMemoryError.class.getName()) + "); give the JVM more memory "
            + "(PUDLE_DRIVER_MEMORY, or spark.executor.memory on a cluster) or use smaller blocks (block.size, "
            + "kernel.scratch.mb)";
      }
      if (t instanceof DeviceOutOfMemoryException) {
        return "out of memory on the CUDA device (" + firstLine(t.getMessage()) + "); use smaller blocks "
            + "(block.size, kernel.scratch.mb) or kernel.precision = float";
      }
      root = t;
    }
    String msg = firstLine(root.getMessage());
    return msg.isEmpty() ? root.getClass().getName() : root.getClass().getName() + ": " + msg;
  }

  /** The part of {@code t}'s message from {@code marker} on, or all of its first line. */
  private static String detail(Throwable t, String marker) {
    if (t instanceof OutOfMemoryError) {
      return firstLine(t.getMessage()).isEmpty() ? marker : firstLine(t.getMessage());
    }
    String line = firstLine(t.getMessage());
    int at = line.indexOf(marker);
    String rest = line.substring(at + marker.length()).replaceFirst("^:\\s*", "");
    return rest.isEmpty() ? marker : rest;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }
}
