package org.pudle.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.pudle.spark.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's hold on its output (a directory, or the single file of {@code gradient --output}):
 * a claim that a second run sees and refuses, a staging directory where the run writes, and the
 * step that makes the whole result visible at once.
 *
 * <p>Everything lives beside the output, in the hidden control directory
 * {@code .NAME.pudle} of its parent:
 * <ul>
 *   <li>{@code claim}: who holds the output (host, process id, the process's start time, the
 *       command, a run id). It appears atomically, whole (written under another name, then linked
 *       (local) or renamed (HDFS) to {@code claim}, which fails when one exists), so exactly one
 *       run holds it. A claim whose process is gone (same host, no such pid, or a pid reused by a
 *       process started at another time) is stale and is taken over.
 *   <li>{@code staging-ID}: the files of the run with id {@code ID}. A run that is killed or fails
 *       leaves them there: its checkpoint is what {@code --resume} continues from.
 *   <li>{@code publishing}: the journal of the swap. When the run is complete, it names the
 *       staging directory; the earlier result (if any) is renamed to {@code old}, the staging
 *       directory is renamed to the output, {@code old} is deleted, then the journal. A run killed
 *       during these steps is rolled forward by the next claim (the staging directory was
 *       complete), so the output is either the earlier result or the new one, never a mix.
 * </ul>
 * Renames of a directory are atomic on the local filesystem and on HDFS. On an object store
 * ({@code s3a://}) a rename copies each file, so the swap is not atomic there.
 */
public final class RunClaim {
  private static final Logger LOG = LoggerFactory.getLogger(RunClaim.class);
  private static final String CLAIM = "claim";
  private static final String JOURNAL = "publishing";
  private static final String OLD = "old";
  private static final String STAGING = "staging-";

  /** What a run may do to an output that holds an earlier run's result. */
  public enum Mode {
    /** Refuse an output that holds a result (or the resumable files of a killed run). */
    NEW,
    /** Replace an earlier result whole, once this run is complete. */
    OVERWRITE,
    /** Continue a run from its checkpoint: a killed run's staging, else the result's. */
    RESUME,
    /** Add to an earlier result: its files are carried over, this run's replace theirs. */
    AMEND
  }

  private final FileSystem fs;
  private final Configuration conf;
  private final Path target;
  private final Path control;
  private final Path staging;
  private final String holder;
  private boolean released;

  private RunClaim(FileSystem fs, Configuration conf, Path target, Path control, Path staging, String holder) {
    this.fs = fs;
    this.conf = conf;
    this.target = target;
    this.control = control;
    this.staging = staging;
    this.holder = holder;
  }

  /** The control directory of {@code target}: {@code .NAME.pudle} beside it. */
  static Path control(Path target) {
    Path parent = target.getParent();
    if (parent == null) {
      throw new UserInputException("output " + target + ": a run's output cannot be the root of a filesystem");
    }
    return new Path(parent, "." + target.getName() + ".pudle");
  }

  /**
   * Claims {@code target} for a run of {@code command}: refuses when another live run holds it, or
   * when it holds an earlier result and {@code mode} is {@link Mode#NEW}; takes over a stale claim;
   * finishes an interrupted swap; cleans what earlier runs left (staging directories, temporary
   * files) except, with {@link Mode#RESUME}, the staging directories that may hold the checkpoint to
   * continue from ({@link #earlier}). Creates this run's staging directory.
   *
   * @param isFile whether the output is one file ({@code gradient --output}) rather than a directory
   * @throws UserInputException when the output is held or holds a result this mode may not replace
   */
  public static RunClaim acquire(FileSystem fs, Configuration conf, Path target, Mode mode, String command,
      boolean isFile) throws IOException {
    target = fs.makeQualified(target);
    Path control = control(target);
    fs.mkdirs(control);
    String runId = UUID.randomUUID().toString().substring(0, 8);
    String holder = ClaimFile.describeSelf(command, runId);
    ClaimFile.take(fs, new Path(control, CLAIM), holder, target);
    try {
      recover(fs, conf, target, control);
      FileStatus found = status(fs, target);
      if (found != null && isFile && found.isDirectory()) {
        throw new UserInputException("output " + target + " is a directory; give a file name");
      }
      if (found != null && !isFile && !found.isDirectory()) {
        throw new UserInputException("output " + target + " exists and is not a directory");
      }
      List<String> held = found == null ? List.of() : visibleEntries(fs, found);
      if (mode == Mode.NEW && (!held.isEmpty() || resumable(fs, control))) {
        throw refused(target, held, isFile);
      }
      for (FileStatus st : fs.listStatus(control)) {
        String name = st.getPath().getName();
        if (name.equals(CLAIM) || name.startsWith("." + CLAIM)) {
          continue; // the claim, or the temporary claim file of a run claiming now
        }
        if (mode == Mode.RESUME && st.isDirectory() && name.startsWith(STAGING)) {
          deleteTemporaries(fs, st.getPath()); // a checkpoint to continue from may be there
        } else {
          fs.delete(st.getPath(), true); // a dead run's staging, an old result or a temporary file
        }
      }
      if (found != null && found.isDirectory()) {
        deleteTemporaries(fs, target); // the temporary files of runs before claims existed
      }
      Path staging = new Path(control, STAGING + runId);
      fs.mkdirs(staging);
      if (mode == Mode.AMEND && found != null && found.isDirectory()) {
        for (FileStatus st : fs.listStatus(target)) {
          FileUtil.copy(fs, st.getPath(), fs, new Path(staging, st.getPath().getName()), false, conf);
        }
      }
      return new RunClaim(fs, conf, target, control, staging, holder);
    } catch (IOException | RuntimeException e) {
      ClaimFile.release(fs, new Path(control, CLAIM), holder);
      throw e;
    }
  }

  /**
   * What the next run does first, without writing a result: takes over a stale claim, finishes an
   * interrupted swap and releases the claim. Refuses (naming the holder) while a live run holds
   * the output.
   */
  public static void recover(FileSystem fs, Configuration conf, Path target) throws IOException {
    target = fs.makeQualified(target);
    Path control = control(target);
    if (!fs.exists(control)) {
      return;
    }
    String holder = ClaimFile.describeSelf("pudle (recovery)", UUID.randomUUID().toString().substring(0, 8));
    ClaimFile.take(fs, new Path(control, CLAIM), holder, target);
    try {
      recover(fs, conf, target, control);
    } finally {
      ClaimFile.release(fs, new Path(control, CLAIM), holder);
    }
  }

  private static UserInputException refused(Path target, List<String> held, boolean isFile) {
    if (isFile) {
      return new UserInputException("output " + target + " exists; give --overwrite to replace it, or another file");
    }
    String what = held.isEmpty() ? "the resumable files of a run that did not finish"
        : "an earlier run's files (" + String.join(", ", held.subList(0, Math.min(held.size(), 5)))
            + (held.size() > 5 ? ", ..." : "") + ")";
    return new UserInputException("output " + target + " holds " + what + "; give --overwrite to replace them with "
        + "this run's result once it is complete, or --resume to continue that run (train), or choose another output");
  }

  /** The staging directory, where the run writes. */
  public Path staging() {
    return staging;
  }

  /** The output, qualified. */
  public Path target() {
    return target;
  }

  /**
   * The files {@code name} that earlier runs left for the output {@code target}, newest first: in
   * the staging directories of runs that did not finish, then in the result. Claims nothing and
   * creates nothing; during an interrupted swap (which the next claim finishes) there are none.
   */
  public static List<Path> earlier(FileSystem fs, Path target, String name) throws IOException {
    target = fs.makeQualified(target);
    Path control = control(target);
    List<Path> found = new ArrayList<>();
    if (fs.exists(new Path(control, JOURNAL))) {
      return found;
    }
    for (Path s : stagings(fs, control)) {
      if (fs.exists(new Path(s, name))) {
        found.add(new Path(s, name));
      }
    }
    Path published = new Path(target, name);
    if (fs.exists(published)) {
      found.add(published);
    }
    return found;
  }

  /** Deletes the staging directories of earlier runs (once this run has taken what it continues from). */
  public void dropOtherStagings() throws IOException {
    for (Path s : stagings(fs, control)) {
      if (!s.equals(staging)) {
        fs.delete(s, true);
      }
    }
  }

  /**
   * Makes the staging directory (or, for a file output, its one file) the output, replacing an
   * earlier result whole, and releases the claim.
   */
  public void publish(boolean isFile) throws IOException {
    if (isFile) {
      Path file = new Path(staging, target.getName());
      if (!fs.exists(file)) {
        throw new IOException("nothing to publish: " + file + " was not written");
      }
      if ("file".equals(fs.getUri().getScheme())) {
        rename(fs, file, target); // POSIX rename replaces a file atomically
      } else {
        FileContext.getFileContext(fs.getUri(), conf).rename(file, target, Options.Rename.OVERWRITE);
      }
      fs.delete(staging, true);
    } else {
      writeAtomically(fs, new Path(control, JOURNAL), staging.getName());
      swap(fs, target, control, staging);
    }
    dropOtherStagings();
    release();
  }

  /**
   * Ends a run that did not complete: the staging directory stays when it holds files (the
   * checkpoint that {@code --resume} continues from, the partial streams), and is deleted when
   * empty; the claim is released. The output is as it was.
   */
  public void abandon() throws IOException {
    if (released) {
      return;
    }
    try {
      if (fs.exists(staging) && fs.listStatus(staging).length == 0) {
        fs.delete(staging, true);
      }
    } finally {
      release();
    }
  }

  /** Releases the claim; the control directory goes when nothing else is in it. */
  public void release() throws IOException {
    if (!released) {
      released = true;
      ClaimFile.release(fs, new Path(control, CLAIM), holder);
    }
  }

  // ---- staging and the swap

  /**
   * Finishes a swap that a killed run began (the journal exists): the staging directory it names
   * was complete, so it becomes the output.
   */
  private static void recover(FileSystem fs, Configuration conf, Path target, Path control) throws IOException {
    Path journal = new Path(control, JOURNAL);
    if (!fs.exists(journal)) {
      return;
    }
    String name;
    try (InputStream in = fs.open(journal)) {
      name = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    LOG.warn("finishing the publication of {} that a run began in {}", name, control);
    swap(fs, target, control, new Path(control, name));
  }

  /** The swap; each step may have been done already by a run that was killed during it. */
  private static void swap(FileSystem fs, Path target, Path control, Path staging) throws IOException {
    Path old = new Path(control, OLD);
    if (fs.exists(staging)) {
      if (fs.exists(target)) {
        if (fs.exists(old)) {
          fs.delete(old, true);
        }
        rename(fs, target, old);
      }
      rename(fs, staging, target);
    }
    fs.delete(old, true);
    fs.delete(new Path(control, JOURNAL), false);
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  private static void writeAtomically(FileSystem fs, Path file, String text) throws IOException {
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    rename(fs, tmp, file);
  }

  /** The staging directories in {@code control}, newest first. */
  private static List<Path> stagings(FileSystem fs, Path control) throws IOException {
    List<FileStatus> found = new ArrayList<>();
    if (!fs.exists(control)) {
      return List.of();
    }
    for (FileStatus st : fs.listStatus(control)) {
      if (st.isDirectory() && st.getPath().getName().startsWith(STAGING)) {
        found.add(st);
      }
    }
    found.sort(Comparator.comparingLong(FileStatus::getModificationTime).reversed());
    return found.stream().map(FileStatus::getPath).toList();
  }

  /** Whether a run that did not finish left files in a staging directory (a checkpoint). */
  private static boolean resumable(FileSystem fs, Path control) throws IOException {
    for (Path s : stagings(fs, control)) {
      for (FileStatus st : fs.listStatus(s)) {
        if (!st.getPath().getName().startsWith(".")) {
          return true;
        }
      }
    }
    return false;
  }

  private static FileStatus status(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** The names in an existing output that are not hidden (a file output: its own name). */
  private static List<String> visibleEntries(FileSystem fs, FileStatus found) throws IOException {
    if (!found.isDirectory()) {
      return List.of(found.getPath().getName());
    }
    List<String> names = new ArrayList<>();
    for (FileStatus st : fs.listStatus(found.getPath())) {
      String name = st.getPath().getName();
      if (!name.startsWith(".")) {
        names.add(name);
      }
    }
    names.sort(null);
    return names;
  }

  /** Deletes the temporary files ({@code .NAME.ID.inprogress}) that runs killed while writing left in {@code dir}. */
  private static void deleteTemporaries(FileSystem fs, Path dir) throws IOException {
    FileStatus[] stale = fs.globStatus(new Path(dir, ".*.inprogress"));
    if (stale != null) {
      for (FileStatus st : stale) {
        LOG.info("deleting {}, left by a run that did not finish", st.getPath());
        fs.delete(st.getPath(), true);
      }
    }
  }
}
