package org.pudle.spark.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.Npy;

/**
 * The output of one run: every job writes its results, the files it streams while it runs
 * ({@code metrics.csv}) and its checkpoint through one of these, and nothing else writes there.
 * A run opens its outputs once ({@link #open}), which claims the output ({@link RunClaim}: a
 * second run is refused, naming the holder; an output that holds an earlier result is refused
 * unless the mode says {@code --overwrite} or {@code --resume}), writes into a staging directory,
 * and ends with {@link #finish}: the streams still open are committed and the whole result
 * replaces the output at once. A run that fails or is killed leaves the output as it was; its
 * staging directory (with its checkpoint) stays for {@code --resume} when it holds files.
 *
 * <p>Each file in the staging directory appears atomically ({@link OutputDir}). Where a run's
 * files land, and what happens to an earlier run's files, is decided here and nowhere else.
 */
public final class RunOutputs implements Closeable {
  private final OutputDir dir;
  private final RunClaim claim;
  private final boolean isFile;
  private final List<OutputDir.TextStream> streams = new ArrayList<>();
  private boolean finished;

  private RunOutputs(OutputDir dir, RunClaim claim, boolean isFile) {
    this.dir = dir;
    this.claim = claim;
    this.isFile = isFile;
  }

  /** Claims the output directory {@code uri} for a new run ({@link RunClaim.Mode#NEW}). */
  public static RunOutputs open(String uri, Configuration conf) throws IOException {
    return open(uri, conf, RunClaim.Mode.NEW, "pudle");
  }

  /**
   * Claims the output directory {@code uri} for a run of {@code command} ({@link RunClaim#acquire}).
   *
   * @throws org.pudle.spark.UserInputException when another run holds it, or it holds an earlier
   *         result that {@code mode} may not replace
   */
  public static RunOutputs open(String uri, Configuration conf, RunClaim.Mode mode, String command)
      throws IOException {
    return claim(uri, conf, mode, command, false);
  }

  /**
   * Claims the single output file {@code uri} ({@code gradient --output}); its one file is written
   * with {@link #file} under the file's own name and replaces {@code uri} at {@link #finish}. A
   * directory at {@code uri} is refused.
   */
  public static RunOutputs openFile(String uri, Configuration conf, RunClaim.Mode mode, String command)
      throws IOException {
    return claim(uri, conf, mode, command, true);
  }

  private static RunOutputs claim(String uri, Configuration conf, RunClaim.Mode mode, String command, boolean isFile)
      throws IOException {
    Path target = Storage.resolve(uri);
    FileSystem fs = OutputDir.fileSystem(target, conf);
    RunClaim claim = RunClaim.acquire(fs, conf, target, mode, command, isFile);
    return new RunOutputs(OutputDir.at(fs, claim.staging(), conf), claim, isFile);
  }

  /**
   * A file that an earlier run left for a run's output directory.
   *
   * @param directory the output directory, qualified
   * @param path      where the file is: the staging directory of a run that did not finish, or
   *                  the output
   * @param bytes     the file's bytes
   */
  public record Earlier(Path directory, Path path, byte[] bytes) {}

  /**
   * Reads the files {@code name} that earlier runs left for the output directory {@code uri} (the
   * checkpoints {@code --resume} may continue from), newest first: runs that did not finish left
   * theirs in their staging directories, a complete one in the output. Creates nothing.
   */
  public static List<Earlier> earlier(String uri, String name, Configuration conf) throws IOException {
    Path dir = Storage.resolve(uri);
    FileSystem fs = OutputDir.fileSystem(dir, conf);
    dir = fs.makeQualified(dir);
    List<Earlier> found = new ArrayList<>();
    for (Path file : RunClaim.earlier(fs, dir, name)) {
      try (InputStream in = fs.open(file)) {
        found.add(new Earlier(dir, file, in.readAllBytes()));
      }
    }
    return found;
  }

  /**
   * Starts a resumed run from the file {@code name} of an earlier run ({@link #earlier}): writes it
   * into this run's staging directory and drops the staging directories of the runs before.
   */
  public void resumeFrom(String name, OutputDir.Writing writing) throws IOException {
    checkpoint(name, writing);
    claim.dropOtherStagings();
  }

  /** The path {@code name} will have in the output once the run finishes. */
  public Path path(String name) {
    return new Path(claim.target(), name);
  }

  /** The output (where the result appears when the run finishes). */
  @Override
  public String toString() {
    return claim.target().toString();
  }

  /** The staging directory, where the files are until the run finishes. */
  public Path staging() {
    return claim.staging();
  }

  /** Writes the one file of a file output ({@link #openFile}). */
  public void single(OutputDir.Writing writing) throws IOException {
    if (!isFile) {
      throw new IllegalStateException(claim.target() + " is a directory output");
    }
    file(claim.target().getName(), writing);
  }

  /** Writes the file {@code name}. */
  public void file(String name, OutputDir.Writing writing) throws IOException {
    checkOpen(name);
    dir.write(name, writing);
  }

  /** Writes the text file {@code name}. */
  public void text(String name, String text) throws IOException {
    checkOpen(name);
    dir.writeText(name, text);
  }

  /** Writes an m x p column-major matrix as {@code .npy} (float64, Fortran order). */
  public void npy(String name, double[] columnMajor, int rows, int cols) throws IOException {
    file(name, o -> Npy.writeColumnMajor(o, columnMajor, rows, cols));
  }

  /** Writes an m x p column-major matrix as CSV: one line per row, full precision ({@link Matrices#writeCsv}). */
  public void csv(String name, double[] columnMajor, int rows, int cols) throws IOException {
    file(name, o -> Matrices.writeCsv(o, columnMajor, rows, cols));
  }

  /** Writes the directory {@code name} (a Parquet dataset) whole ({@link OutputDir#writeDirectory}). */
  public void directory(String name, OutputDir.DirectoryWriting writing) throws IOException {
    checkOpen(name);
    dir.writeDirectory(name, writing);
  }

  /**
   * Writes the state a later run resumes from ({@code checkpoint}); it is rewritten while the run
   * goes on and stays when the run fails.
   */
  public void checkpoint(String name, OutputDir.Writing writing) throws IOException {
    checkOpen(name);
    dir.write(name, writing);
  }

  /**
   * A text file written line by line while the run goes on, under a temporary name; it takes its
   * name when the run finishes ({@link #finish}), or earlier by {@link OutputDir.TextStream#commit}.
   */
  public OutputDir.TextStream stream(String name) throws IOException {
    checkOpen(name);
    OutputDir.TextStream s = dir.stream(name);
    streams.add(s);
    return s;
  }

  /**
   * Ends a complete run: commits the streams not yet committed, then makes the whole result the
   * output (replacing an earlier one) and releases the claim; nothing is written after.
   */
  public void finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("the outputs in " + dir + " are already finished");
    }
    for (OutputDir.TextStream s : streams) {
      if (!s.committed()) {
        s.commit();
      }
    }
    finished = true;
    claim.publish(isFile);
  }

  /**
   * Closes the streams not committed, keeping their partial files under the temporary names in
   * the staging directory, and releases the claim (a failed run: the output stays as it was);
   * after {@link #finish} there are none.
   */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (OutputDir.TextStream s : streams) {
      try {
        s.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    finished = true;
    try {
      claim.abandon();
    } catch (IOException e) {
      if (first == null) {
        first = e;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private void checkOpen(String name) {
    if (finished) {
      throw new IllegalStateException("writing " + name + ": the outputs in " + dir + " are finished");
    }
  }
}
