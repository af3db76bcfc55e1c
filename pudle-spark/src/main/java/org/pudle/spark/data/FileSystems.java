package org.pudle.spark.data;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * The Hadoop filesystem of a path, with one rule for a scheme that has none: a path whose scheme
 * names no filesystem ({@code foo://}), or one whose class is not on the classpath
 * ({@code s3a://} without the {@code hadoop-aws} module), is invalid input (exit status 2) whose
 * message names the path, the scheme and, for the known object stores, the module to add.
 */
public final class FileSystems {
  /** The module that holds the filesystem of each well-known scheme. */
  private static final Map<String, String> MODULES = Map.of(
      "s3a", "hadoop-aws",
      "s3", "hadoop-aws (as s3a://)",
      "s3n", "hadoop-aws (as s3a://)",
      "abfs", "hadoop-azure",
      "abfss", "hadoop-azure",
      "wasb", "hadoop-azure",
      "wasbs", "hadoop-azure",
      "gs", "Google's gcs-connector",
      "oss", "hadoop-aliyun");

  private FileSystems() {}

  /**
   * The filesystem of {@code path}.
   *
   * @param source where the path came from, for the message ({@code config key 'input'}), or null
   * @throws InputException when no filesystem serves the path's scheme
   * @throws IOException    when the filesystem fails to start
   */
  public static FileSystem of(Path path, Configuration conf, String source) throws IOException {
    try {
      return path.getFileSystem(conf);
    } catch (UnsupportedFileSystemException e) {
      throw missing(path, source, null, e);
    } catch (RuntimeException e) {
      String cls = missingClass(e);
      if (cls != null) {
        throw missing(path, source, cls, e);
      }
      throw e;
    }
  }

  /** The class that could not be loaded, when {@code e} is a class-not-found, else null. */
  private static String missingClass(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
        String m = String.valueOf(t.getMessage());
        // Configuration.getClass says "Class org.apache... not found"
        return m.replaceFirst("^Class (\\S+) not found$", "$1").replace('/', '.');
      }
    }
    return null;
  }

  private static InputException missing(Path path, String source, String cls, Exception cause) {
    String scheme = path.toUri().getScheme();
    if (scheme == null) {
      scheme = FileSystem.getDefaultUri(new Configuration()).getScheme();
    }
    String module = scheme == null ? null : MODULES.get(scheme.toLowerCase(Locale.ROOT));
    StringBuilder sb = new StringBuilder(path.toString());
    if (source != null) {
      sb.append(" (").append(source).append(")");
    }
    sb.append(": no filesystem for the scheme '").append(scheme).append("://'");
    if (cls != null) {
      sb.append(": its class ").append(cls).append(" is not on the classpath");
    }
    if (module != null) {
      sb.append("; add the module ").append(module).append(" (its jar and its dependencies) to the classpath");
    } else if (cls == null) {
      sb.append(" (file://, hdfs:// and the schemes of the filesystem modules on the classpath are known)");
    }
    return new InputException(sb.toString(), cause);
  }
}
