package org.pudle.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}, with its checksum files) whose permissions are set
 * through Java's POSIX file attributes. Hadoop's own sets the mode of every file and directory it
 * creates by starting a {@code chmod} process unless its native library is loaded, which the
 * Maven artifacts do not ship: about 30 processes for the outputs of one {@code pudle train}.
 * The command line installs it ({@link #install}); modes with the sticky bit, and systems without
 * POSIX attributes, go to Hadoop's way.
 */
public final class PosixLocalFileSystem extends LocalFileSystem {
  /** The Hadoop configuration key of the class behind {@code file:} paths. */
  public static final String KEY = "fs.file.impl";

  public PosixLocalFileSystem() {
    super(new Raw());
  }

  /**
   * Makes this the file system of {@code file:} paths in this JVM unless the Hadoop configuration
   * ({@value #KEY}) or the Spark configuration ({@code spark.hadoop.fs.file.impl}, which
   * spark-submit and {@code SparkConf} take from the system properties) names one: Hadoop
   * caches one instance per scheme and user ({@code FileSystem.get}), and this creates that
   * instance before anything else asks for it.
   * Configurations that turn the cache off get Hadoop's own class, as before. Call it first
   * thing in a process's main method; it changes nothing when the instance exists already.
   */
  public static void install() {
    Configuration conf = new Configuration();
    if (conf.get(KEY) != null || System.getProperty("spark.hadoop." + KEY) != null) {
      return;
    }
    conf.set(KEY, PosixLocalFileSystem.class.getName());
    try {
      FileSystem.get(URI.create("file:///"), conf);
    } catch (IOException e) {
      // Hadoop's own file system then, created on first use as without this class
    }
  }

  /** The raw local file system with {@link #setPermission} through java.nio. */
  static final class Raw extends RawLocalFileSystem {
    private static final boolean POSIX =
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      if (!POSIX || permission.getStickyBit()) {
        super.setPermission(p, permission);
        return;
      }
      // FsPermission prints the nine rwx flags as ls does
      Files.setPosixFilePermissions(pathToFile(p).toPath(),
          PosixFilePermissions.fromString(permission.toString().substring(0, 9)));
    }
  }
}
