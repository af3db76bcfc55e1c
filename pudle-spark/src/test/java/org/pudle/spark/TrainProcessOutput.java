package org.pudle.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console of a {@code pudle train} child process, read by a daemon thread: the whole log, and
 * the last update its progress lines reported. Tests that kill a driver or an executor mid-run
 * watch it.
 */
final class TrainProcessOutput {
  private static final Pattern PROGRESS = Pattern.compile("^\\[train\\]\\s+(\\d+)/(\\d+)\\s");

  private final AtomicInteger update = new AtomicInteger();
  private final StringBuilder log = new StringBuilder();

  private TrainProcessOutput() {}

  /** Starts reading {@code process}'s standard output (with stderr redirected into it). */
  static TrainProcessOutput follow(Process process) {
    TrainProcessOutput out = new TrainProcessOutput();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (out.log) {
            out.log.append(line).append('\n');
          }
          Matcher mt = PROGRESS.matcher(line);
          if (mt.find()) {
            out.update.set(Integer.parseInt(mt.group(1)));
          }
        }
      } catch (IOException e) {
        // the process ended or was killed
      }
    });
    t.setDaemon(true);
    t.start();
    return out;
  }

  /** The last update a progress line reported (0 before the first). */
  int update() {
    return update.get();
  }

  /** The output so far. */
  String log() {
    synchronized (log) {
      return log.toString();
    }
  }
}
