package org.pudle.spark.io;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Properties;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.pudle.spark.data.FileSystems;
import org.pudle.spark.data.InputException;

/**
 * The paths a command names (config file, input, dictionaries, output), checked on the driver
 * before a job starts, so that an unusable one is an input error (exit 2) that names it, with
 * nothing written: an unknown scheme ({@code foo://}), a filesystem whose classes are missing, an
 * object store without credentials, a bucket that does not exist, a path that is not there.
 *
 * <p>Object stores ({@code s3a://}) publish a file when its output stream closes, in one PUT:
 * {@link OutputDir} writes there without a temporary name (a rename on S3 is a copy) and aborts
 * the upload when a write fails; see {@link #publishesOnClose}.
 */
public final class Storage {
  private static final String SPARK_HADOOP = "spark.hadoop.";

  private Storage() {}

  /**
   * The Hadoop configuration of the driver before Spark starts: the {@code core-site.xml} on the
   * classpath ({@code HADOOP_CONF_DIR} under spark-submit) with the {@code spark.hadoop.*}
   * settings of the Spark configuration on top, as the SparkContext's own will have them.
   */
  public static Configuration driverConfiguration() {
    Configuration conf = new Configuration();
    // the system properties are where spark-submit (and the embedded mode) put Spark's settings,
    // and where SparkConf reads them; SparkConf itself is not used, as its defaults look up the
    // host name
    Properties props = System.getProperties();
    for (String key : props.stringPropertyNames()) {
      if (key.startsWith(SPARK_HADOOP)) {
        conf.set(key.substring(SPARK_HADOOP.length()), props.getProperty(key), "spark.hadoop");
      }
    }
    return conf;
  }

  /**
   * The Hadoop path of a path argument: a path without a scheme that names a local file is that
   * file (a config file on the submitting machine, or one that spark-submit shipped into a YARN
   * container's working folder); other paths go to their filesystem, the default one when they
   * have no scheme.
   */
  public static Path resolve(String path) {
    Path p = new Path(path);
    if (p.toUri().getScheme() == null) {
      File local = new File(path);
      if (local.isFile()) {
        return new Path(local.getAbsoluteFile().toURI());
      }
    }
    return p;
  }

  /**
   * The filesystem of {@code path}, or an input error naming the path and {@code what} (for
   * example "config key 'output'") when it has none here.
   */
  public static FileSystem fileSystem(Path path, Configuration conf, String what) {
    try {
      return FileSystems.of(path, conf, what);
    } catch (IOException | RuntimeException e) {
      if (e instanceof InputException) {
        throw (InputException) e;
      }
      throw new InputException(path + " (" + what + "): " + cause(path, e), e);
    }
  }

  /**
   * Checks that an existing file or directory can be read: its filesystem, credentials and
   * bucket work and it exists.
   */
  public static void checkReadable(String path, Configuration conf, String what) {
    Path p = resolve(path);
    FileSystem fs = fileSystem(p, conf, what);
    try {
      if (p.toString().matches(".*[*?\\[{].*")) {
        FileStatus[] matched = fs.globStatus(p);
        if (matched == null || matched.length == 0) {
          throw new InputException(path + " (" + what + "): no file matches");
        }
      } else {
        fs.getFileStatus(p);
      }
    } catch (FileNotFoundException e) {
      throw new InputException(path + " (" + what + "): no such file or directory", e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof InputException) {
        throw (InputException) e;
      }
      throw new InputException(path + " (" + what + "): " + cause(p, e), e);
    }
  }

  /**
   * Checks that an output directory can be written: its filesystem, credentials and bucket work,
   * and it is a directory or does not exist yet. A real request is made to the store (a listing
   * of the nearest existing ancestor), so that missing credentials or a missing bucket show here.
   */
  public static void checkWritable(String path, Configuration conf, String what) {
    Path p = resolve(path);
    FileSystem fs = fileSystem(p, conf, what);
    try {
      Path q = fs.makeQualified(p);
      FileStatus found = null;
      for (Path a = q; a != null && found == null; a = a.getParent()) {
        try {
          found = fs.getFileStatus(a);
        } catch (FileNotFoundException e) {
          continue; // look further up
        }
        if (!found.isDirectory()) {
          throw new InputException(path + " (" + what + "): "
              + (a.equals(q) ? "exists and is not a directory" : a + " is a file, not a directory"));
        }
      }
      if (found != null) {
        RemoteIterator<FileStatus> it = fs.listStatusIterator(found.getPath());
        it.hasNext();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof InputException) {
        throw (InputException) e;
      }
      throw new InputException(path + " (" + what + "): " + cause(p, e), e);
    }
  }

  /**
   * Whether files on {@code fs} appear only when their output stream closes and a failed write can
   * be abandoned ({@code Abortable} streams: S3A), so that writing the final name directly is
   * atomic per file.
   */
  public static boolean publishesOnClose(FileSystem fs, Path path) {
    try {
      return fs.hasPathCapability(path, CommonPathCapabilities.ABORTABLE_STREAM);
    } catch (IOException e) {
      return false;
    }
  }

  /** As {@link #cause(Path, Throwable)} for a path argument that may not even parse. */
  public static String cause(String path, Throwable e) {
    try {
      return cause(new Path(path), e);
    } catch (IllegalArgumentException bad) {
      String m = firstLine(e.getMessage());
      return m.isEmpty() ? e.getClass().getSimpleName() : m;
    }
  }

  /**
   * One line saying why {@code path} cannot be used: the scheme without a filesystem, missing
   * credentials, a missing bucket, refused access, or the first line of the store's message.
   */
  public static String cause(Path path, Throwable e) {
    String scheme = path.toUri().getScheme();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof UnsupportedFileSystemException || message.startsWith("No FileSystem for scheme")) {
        return "no filesystem for scheme '" + scheme + "' (pudle reads and writes file, hdfs and s3a paths, and "
            + "any other whose Hadoop filesystem is on the classpath)";
      }
      if (t instanceof ClassNotFoundException) {
        return "the filesystem for scheme '" + scheme + "' is not on the classpath (" + firstLine(message) + ")";
      }
      String lower = message.toLowerCase(java.util.Locale.ROOT);
      if (name.endsWith("NoAuthWithAWSException") || name.endsWith("NoAwsCredentialsException")
          || name.endsWith("CredentialInitializationException") || lower.contains("no aws credentials")
          || lower.contains("unable to load aws credentials")) {
        return "no credentials for " + scheme + "://" + path.toUri().getAuthority() + " (set fs.s3a.access.key and "
            + "fs.s3a.secret.key, as spark.hadoop.fs.s3a.* Spark settings, or AWS_ACCESS_KEY_ID and "
            + "AWS_SECRET_ACCESS_KEY; see docs/yarn-s3.md)";
      }
      if (name.endsWith("UnknownStoreException") || message.contains("NoSuchBucket")) {
        return "bucket '" + path.toUri().getAuthority() + "' does not exist";
      }
    }
    if (e instanceof AccessDeniedException || firstLine(e.getMessage()).contains("403")) {
      return "access denied: " + firstLine(e.getMessage());
    }
    String m = firstLine(e.getMessage());
    return m.isEmpty() ? e.getClass().getSimpleName() : m;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String m = message.strip();
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).strip();
  }
}
