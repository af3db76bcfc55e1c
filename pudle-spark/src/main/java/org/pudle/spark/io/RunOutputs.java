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
 * The output directory of one run: every job writes its results, the files it streams while it
 * runs ({@code metrics.csv}) and its checkpoint through one of these, and nothing else writes
 * there. A run opens its outputs once ({@link #open}), writes, and ends with {@link #finish}: the
 * streams still open are committed, and the outputs are closed to further writes. A run that
 * fails closes them without finishing ({@link #close}): the finished files stay as they were, and
 * the partial streams stay under their temporary names for inspection.
 *
 * <p>Each file appears atomically ({@link OutputDir}). Where a run's files land, and what happens
 * to an earlier run's files, is decided here and nowhere else.
 */
public final class RunOutputs implements Closeable {
  private final OutputDir dir;
  private final List<OutputDir.TextStream> streams = new ArrayList<>();
  private boolean finished;

  private RunOutputs(OutputDir dir) {
    this.dir = dir;
  }

  /** Opens (and creates) the output directory {@code uri} of a run. */
  public static RunOutputs open(String uri, Configuration conf) throws IOException {
    return new RunOutputs(OutputDir.open(uri, conf));
  }

  /**
   * A file that an earlier run left in a run's output directory.
   *
   * @param directory the directory, qualified
   * @param bytes     the file's bytes, or null when there is none
   */
  public record Earlier(Path directory, Path path, byte[] bytes) {}

  /**
   * Reads the file {@code name} that an earlier run left in the output directory {@code uri} (the
   * checkpoint {@code --resume} continues from). Creates nothing.
   */
  public static Earlier earlier(String uri, String name, Configuration conf) throws IOException {
    Path dir = new Path(uri);
    FileSystem fs = dir.getFileSystem(conf);
    dir = fs.makeQualified(dir);
    Path file = new Path(dir, name);
    if (!fs.exists(file)) {
      return new Earlier(dir, file, null);
    }
    try (InputStream in = fs.open(file)) {
      return new Earlier(dir, file, in.readAllBytes());
    }
  }

  /** The path of {@code name} in the directory. */
  public Path path(String name) {
    return dir.path(name);
  }

  @Override
  public String toString() {
    return dir.toString();
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

  /** Ends a complete run: commits the streams not yet committed; nothing is written after. */
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
  }

  /**
   * Closes the streams not committed, keeping their partial files under the temporary names (a
   * failed run); after {@link #finish} there are none.
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
