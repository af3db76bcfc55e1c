package org.pudle.spark.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.pudle.spark.UserInputException;
import org.pudle.spark.config.Config;

/**
 * A path whose scheme has no filesystem on the classpath is invalid input (exit status 2) naming
 * the scheme and the module that holds it, wherever the path is given.
 */
class FileSystemsTest {

  /** s3a:// while hadoop-aws is not on the classpath (skipped in a build that includes it). */
  @Test
  void s3aWithoutHadoopAwsNamesTheModule() {
    boolean present;
    try {
      Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem");
      present = true;
    } catch (ClassNotFoundException e) {
      present = false;
    }
    Assumptions.assumeFalse(present, "hadoop-aws is on the classpath");
    InputException e = assertThrows(InputException.class,
        () -> FileSystems.of(new Path("s3a://bucket/data"), new Configuration(), "config key 'input'"));
    assertTrue(e.getMessage().equals("s3a://bucket/data (config key 'input'): no filesystem for the scheme 's3a://': "
        + "its class org.apache.hadoop.fs.s3a.S3AFileSystem is not on the classpath; add the module hadoop-aws (its "
        + "jar and its dependencies) to the classpath"), e.getMessage());
  }

  /** The same rule for any scheme whose configured class is missing, and for the config file's own path. */
  @Test
  void anyMissingFileSystemClassAndAnUnknownScheme() {
    Configuration conf = new Configuration();
    conf.set("fs.s3a.impl", "org.example.NoSuchFileSystem");
    InputException e = assertThrows(InputException.class,
        () -> FileSystems.of(new Path("s3a://bucket/data"), conf, null));
    assertTrue(e.getMessage().startsWith("s3a://bucket/data: no filesystem for the scheme 's3a://': its class "
        + "org.example.NoSuchFileSystem is not on the classpath; add the module hadoop-aws"), e.getMessage());
    UserInputException c = assertThrows(UserInputException.class,
        () -> Config.load("foo://host/conf/run.properties", List.of()));
    assertTrue(c.getMessage().startsWith("foo://host/conf/run.properties (config file): no filesystem for the scheme "
        + "'foo://'"), c.getMessage());
  }
}
