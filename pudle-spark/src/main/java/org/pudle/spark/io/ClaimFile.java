package org.pudle.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.pudle.spark.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim file of an output ({@link RunClaim}): who holds it (host, process id, the process's
 * start time, when it claimed, the command, a run id), created atomically and whole, taken over
 * when its process is gone, released by its holder only.
 */
final class ClaimFile {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimFile.class);

  private ClaimFile() {}


  /** Who this process is, as the claim records it. */
  static String describeSelf(String command, String runId) {
    ProcessHandle self = ProcessHandle.current();
    Properties p = new Properties();
    p.setProperty("host", hostName());
    p.setProperty("pid", String.valueOf(self.pid()));
    p.setProperty("started", self.info().startInstant().map(Instant::toString).orElse(""));
    p.setProperty("claimed", Instant.now().toString());
    p.setProperty("command", command);
    p.setProperty("run", runId);
    StringBuilder sb = new StringBuilder("# the run that holds this output (pudle)\n");
    for (String k : List.of("host", "pid", "started", "claimed", "command", "run")) {
      sb.append(k).append('=').append(p.getProperty(k).replace("\n", " ")).append('\n');
    }
    return sb.toString();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Creates the claim, or takes over a stale one, or refuses naming the holder. */
  static void take(FileSystem fs, Path claim, String holder, Path target) throws IOException {
    for (int attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(fs, claim, holder)) {
        return;
      }
      String existing;
      try (InputStream in = fs.open(claim)) {
        existing = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (FileNotFoundException gone) {
        continue; // released meanwhile
      }
      Properties p = new Properties();
      p.load(new StringReader(existing));
      String stale = staleness(p);
      if (stale == null) {
        throw new UserInputException("output " + target + " is held by another run: " + p.getProperty("command", "?")
            + " on " + p.getProperty("host", "?") + ", process " + p.getProperty("pid", "?") + ", claimed at "
            + p.getProperty("claimed", "?") + "; wait for it to end or choose another output (if that run is gone, "
            + "delete " + claim + ")");
      }
      LOG.warn("taking over the claim on {}: {}", target, stale);
      Path aside = new Path(claim.getParent(),
          claim.getName() + ".stale." + UUID.randomUUID().toString().substring(0, 8));
      // only one taker wins the rename of the stale claim; one that renamed a claim made meanwhile
      // by another taker puts it back
      if (fs.rename(claim, aside)) {
        String moved;
        try (InputStream in = fs.open(aside)) {
          moved = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (moved.equals(existing) || !fs.rename(aside, claim)) {
          fs.delete(aside, false);
        }
      }
    }
    throw new IOException("could not claim " + target + ": " + claim + " keeps changing");
  }

  /** Why the holder of a claim is gone, or null while it may run. */
  static String staleness(Properties p) {
    if (!hostName().equals(p.getProperty("host"))) {
      return null; // another host: its processes cannot be seen from here
    }
    long pid;
    try {
      pid = Long.parseLong(p.getProperty("pid", ""));
    } catch (NumberFormatException e) {
      return "the claim names no process";
    }
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return "process " + pid + " on this host has ended";
    }
    String started = p.getProperty("started", "");
    Optional<Instant> now = h.get().info().startInstant();
    if (!started.isEmpty() && now.isPresent() && !now.get().toString().equals(started)) {
      return "process " + pid + " on this host is another process (started " + now.get() + ", the claim's at "
          + started + ")";
    }
    return null;
  }

  /**
   * Creates {@code claim} with {@code text} only when it does not exist, atomically and whole: the
   * text is written under another name and then hard-linked (local: link(2) fails when the name
   * exists) or renamed (HDFS: a rename fails when the destination exists) to the claim's name.
   */
  private static boolean createExclusive(FileSystem fs, Path claim, String text) throws IOException {
    Path tmp = new Path(claim.getParent(), "." + claim.getName() + "." + UUID.randomUUID().toString().substring(0, 8));
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    try {
      if ("file".equals(fs.getUri().getScheme())) {
        try {
          Files.createLink(java.nio.file.Path.of(claim.toUri()), java.nio.file.Path.of(tmp.toUri()));
          return true;
        } catch (FileAlreadyExistsException e) {
          return false;
        }
      }
      try {
        FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(tmp, claim, Options.Rename.NONE);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      }
    } finally {
      fs.delete(tmp, false);
    }
  }

  static void release(FileSystem fs, Path claim, String holder) throws IOException {
    Path control = claim.getParent();
    try (InputStream in = fs.open(claim)) {
      if (!new String(in.readAllBytes(), StandardCharsets.UTF_8).equals(holder)) {
        return; // not ours (taken over)
      }
    } catch (FileNotFoundException gone) {
      return;
    }
    fs.delete(claim, false);
    FileStatus[] rest = fs.listStatus(control);
    if (rest.length == 0) {
      fs.delete(control, false);
    }
  }
}
