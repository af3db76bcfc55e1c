package org.pudle.spark.io;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * An output directory on any Hadoop filesystem, where every file appears atomically: it is
 * written under a hidden temporary name and renamed over the final name only when complete, so a
 * failed run never leaves half a result where a good one was.
 *
 * <p>On an object store whose files appear only when their stream closes (S3A, see
 * {@link Storage#publishesOnClose}) a rename is a copy, and the final name is written directly
 * instead: the object is replaced by one PUT when the stream closes, and a failed write aborts
 * the upload, so the earlier object stays. A Parquet directory ({@link #writeDirectory}) is still
 * renamed into place, which on S3 copies each of its files and is atomic per file only
 * (docs/yarn-s3.md).
 */
public final class OutputDir {
  private final FileSystem fs;
  private final Path dir;
  private final Configuration conf;
  private final boolean publishesOnClose;

  private OutputDir(FileSystem fs, Path dir, Configuration conf) {
    this.fs = fs;
    this.dir = dir;
    this.conf = conf;
    this.publishesOnClose = Storage.publishesOnClose(fs, dir);
  }

  /** The filesystem of {@code path}; on the local one without {@code .crc} side files. */
  static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    if (fs instanceof LocalFileSystem) {
      // the raw local filesystem: no .crc side files next to the outputs
      fs = ((LocalFileSystem) fs).getRaw();
    }
    return fs;
  }

  /** The existing directory {@code dir} of {@code fs} (a run's staging directory). */
  static OutputDir at(FileSystem fs, Path dir, Configuration conf) {
    return new OutputDir(fs, fs.makeQualified(dir), conf);
  }

  /** Opens (and creates) the directory {@code uri}. */
  public static OutputDir open(String uri, Configuration conf) throws IOException {
    Path dir = new Path(uri);
    FileSystem fs = fileSystem(dir, conf);
    dir = fs.makeQualified(dir);
    if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
      throw new IOException("output " + dir + " exists and is not a directory");
    }
    fs.mkdirs(dir);
    return new OutputDir(fs, dir, conf);
  }

  /** Writes the single file {@code uri} atomically (through a temporary name in its directory). */
  public static void writeFile(String uri, Configuration conf, Writing writing) throws IOException {
    Path file = new Path(uri);
    Path parent = file.getParent();
    if (parent == null) {
      throw new IOException(uri + ": not a file path");
    }
    open(parent.toString(), conf).write(file.getName(), writing);
  }

  public Path path(String name) {
    return new Path(dir, name);
  }

  public FileSystem fileSystem() {
    return fs;
  }

  @Override
  public String toString() {
    return dir.toString();
  }

  /** Something that writes a file's bytes. */
  @FunctionalInterface
  public interface Writing {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code name} atomically. */
  public void write(String name, Writing writing) throws IOException {
    if (publishesOnClose) {
      writeInPlace(path(name), writing);
      return;
    }
    Path tmp = temporary(name);
    try {
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        writing.write(out);
      }
      commit(tmp, path(name));
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
  }

  /** Writes {@code target} through a stream that publishes it on close, or abandons it on failure. */
  private void writeInPlace(Path target, Writing writing) throws IOException {
    FSDataOutputStream out = fs.create(target, true);
    try {
      writing.write(out);
    } catch (IOException | RuntimeException e) {
      try {
        out.abort();
      } catch (RuntimeException ignored) {
        // the failure to report is e
      }
      throw e;
    }
    out.close();
  }

  /** Something that writes a directory of files (a Spark dataset) at a path it is given. */
  @FunctionalInterface
  public interface DirectoryWriting {
    void write(String path) throws IOException;
  }

  /**
   * Writes the directory {@code name} (for example a Parquet dataset written by Spark) under a
   * temporary name and renames it into place when complete. A directory cannot be renamed over
   * another, so an earlier one is first moved aside and deleted after: a failed write leaves the
   * earlier directory where it was.
   */
  public void writeDirectory(String name, DirectoryWriting writing) throws IOException {
    Path tmp = temporary(name);
    Path target = path(name);
    try {
      writing.write(tmp.toString());
      if (fs.exists(target)) {
        Path old = temporary(name + ".old");
        if (!fs.rename(target, old)) {
          throw new IOException("could not move " + target + " aside to " + old);
        }
        if (!fs.rename(tmp, target)) {
          fs.rename(old, target);
          throw new IOException("could not rename " + tmp + " to " + target);
        }
        fs.delete(old, true);
      } else if (!fs.rename(tmp, target)) {
        throw new IOException("could not rename " + tmp + " to " + target);
      }
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, true);
      throw e;
    }
  }

  /** Writes text atomically. */
  public void writeText(String name, String text) throws IOException {
    write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A text file written line by line while a job runs (under a temporary name, flushed as it
   * goes) and renamed into place by {@link TextStream#commit()}.
   */
  public TextStream stream(String name) throws IOException {
    // partial files of earlier failed runs go once a new run starts the same file
    org.apache.hadoop.fs.FileStatus[] stale = fs.globStatus(new Path(dir, "." + name + ".*.inprogress"));
    if (stale != null) {
      for (org.apache.hadoop.fs.FileStatus st : stale) {
        fs.delete(st.getPath(), false);
      }
    }
    Path tmp = temporary(name);
    return new TextStream(fs.create(tmp, true), tmp, path(name));
  }

  private Path temporary(String name) {
    return new Path(dir, "." + name + "." + UUID.randomUUID().toString().substring(0, 8) + ".inprogress");
  }

  private void commit(Path tmp, Path target) throws IOException {
    if (fs.exists(target) && fs.getFileStatus(target).isDirectory()) {
      // a rename would move the file into it, hidden under its temporary name
      throw new IOException("cannot write " + target + ": a directory is in the way");
    }
    if (publishesOnClose) {
      // a copy in one PUT, which replaces the target whole; a rename would delete it first
      writeInPlace(target, out -> {
        try (java.io.InputStream in = fs.open(tmp)) {
          in.transferTo(out);
        }
      });
      fs.delete(tmp, false);
      return;
    }
    if ("file".equals(fs.getUri().getScheme())) {
      // POSIX rename replaces the target atomically
      if (!fs.rename(tmp, target)) {
        throw new IOException("could not rename " + tmp + " to " + target);
      }
    } else {
      FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
    }
  }

  /** See {@link OutputDir#stream(String)}. */
  public final class TextStream implements Closeable {
    private final FSDataOutputStream out;
    private final Writer writer;
    private final Path tmp;
    private final Path target;
    private boolean closed;
    private boolean committed;

    private TextStream(FSDataOutputStream out, Path tmp, Path target) {
      this.out = out;
      this.writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      this.tmp = tmp;
      this.target = target;
    }

    /** Appends a line and flushes it to the filesystem. */
    public void line(String text) {
      try {
        writer.write(text);
        writer.write('\n');
        writer.flush();
        if (!publishesOnClose) {
          // an object store keeps the lines until the stream closes, and warns on hflush
          out.hflush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("writing " + tmp, e);
      }
    }

    /** Closes the file and renames it into place. */
    public void commit() throws IOException {
      writer.close();
      closed = true;
      OutputDir.this.commit(tmp, target);
      committed = true;
    }

    /** Whether {@link #commit} renamed the file into place. */
    public boolean committed() {
      return committed;
    }

    /** The temporary file, where a failed run's partial output remains. */
    public Path temporaryPath() {
      return tmp;
    }

    /** Closes without committing (a failed run keeps the partial file for inspection). */
    @Override
    public void close() throws IOException {
      if (!closed) {
        writer.close();
        closed = true;
      }
    }
  }
}
