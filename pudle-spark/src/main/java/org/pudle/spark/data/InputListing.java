package org.pudle.spark.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files of an input path: a file, a glob or a directory walked (sorted by path, skipping
 * names that start with {@code .} or {@code _}; a symbolic link back to a directory being walked
 * is an error that names it), each with its format.
 */
final class InputListing {
  private InputListing() {}

  /** The files of the input, sorted by path, with their formats. */
  static List<InputFile> list(InputParams params, Configuration conf) {
    String input = params.path();
    String key = "config key 'input'";
    List<FileStatus> found = new ArrayList<>();
    try {
      Path path = new Path(input);
      FileSystem fs = FileSystems.of(path, conf, key);
      FileStatus[] matched = fs.globStatus(path);
      if (matched == null || matched.length == 0) {
        throw new InputException("input " + input + " (" + key + "): no such file or directory");
      }
      for (FileStatus st : matched) {
        if (st.isDirectory()) {
          walk(fs, st.getPath(), found, new ArrayList<>(List.of(realPath(fs, st.getPath()))), input);
        } else {
          found.add(st);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof InputException) {
        throw (InputException) e;
      }
      throw new InputException("input " + input + " (" + key + "): " + RowReader.message(e), e);
    }
    if (found.isEmpty()) {
      throw new InputException("input " + input + " (" + key + "): no files in the directory");
    }
    found.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
    List<InputFile> files = new ArrayList<>(found.size());
    for (FileStatus st : found) {
      FileFormat f = params.format() != null ? params.format() : FileFormat.ofFileName(st.getPath().getName());
      if (f == null) {
        throw new InputException(st.getPath() + ": cannot tell the format from the file name; set input.format to "
            + "parquet, csv, tsv, npy or image");
      }
      files.add(new InputFile(files.size(), st.getPath().toString(), f, st.getLen(), st.getModificationTime()));
    }
    return files;
  }

  /**
   * Adds the files under {@code dir}; {@code ancestors} holds the real paths of the directories
   * being walked, so that a symbolic link to one of them (which would be walked until the path
   * grows too long, reading its files again at every level) is an error that names it.
   */
  private static void walk(FileSystem fs, Path dir, List<FileStatus> out, List<String> ancestors, String input)
      throws IOException {
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      if (st.isDirectory()) {
        String real = realPath(fs, st.getPath());
        if (ancestors.contains(real)) {
          throw new InputException("input " + input + " (config key 'input'): " + st.getPath() + " is a symbolic link "
              + "loop: it leads back to " + real + ", a directory that contains it; remove the link or give a path "
              + "below it");
        }
        ancestors.add(real);
        walk(fs, st.getPath(), out, ancestors, input);
        ancestors.remove(ancestors.size() - 1);
      } else {
        out.add(st);
      }
    }
  }

  /** The path with symbolic links resolved: on the local filesystem by the OS, elsewhere as listed. */
  private static String realPath(FileSystem fs, Path p) throws IOException {
    if ("file".equals(fs.getUri().getScheme())) {
      try {
        return java.nio.file.Path.of(p.toUri()).toRealPath().toString();
      } catch (java.nio.file.FileSystemException e) {
        throw new IOException(p + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()), e);
      }
    }
    return p.toUri().getPath();
  }
}
