package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PosixLocalFileSystem} leaves the same modes as Hadoop's local file system (which runs
 * chmod) for files and directories, with the configuration's umask applied, and is what
 * {@code file:} paths get once it is configured.
 */
class PosixLocalFileSystemTest {
  @TempDir
  java.nio.file.Path dir;

  private static Configuration conf(boolean ours, String umask) {
    Configuration c = new Configuration(false);
    if (ours) {
      c.set(PosixLocalFileSystem.KEY, PosixLocalFileSystem.class.getName());
    }
    c.set("fs.permissions.umask-mode", umask);
    c.setBoolean("fs.file.impl.disable.cache", true);
    return c;
  }

  /** The modes a file and a directory made through {@code fs} get, as ls prints them. */
  private static String[] modes(FileSystem fs, java.nio.file.Path base) throws IOException {
    Path file = new Path(base.resolve("f.bin").toUri());
    try (FSDataOutputStream out = fs.create(file, new FsPermission((short) 0664), false, 4096, (short) 1, 1 << 20,
        null)) {
      out.write(new byte[] {1, 2, 3});
    }
    Path plain = new Path(base.resolve("plain.txt").toUri());
    fs.create(plain, false).close();
    Path sub = new Path(base.resolve("d/e").toUri());
    fs.mkdirs(sub, new FsPermission((short) 0775));
    return new String[] {
        PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("f.bin"))),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("plain.txt"))),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("d/e"))),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("d")))};
  }

  @Test
  void sameModesAsHadoopsLocalFileSystem() throws IOException {
    for (String umask : new String[] {"022", "077", "002"}) {
      java.nio.file.Path a = Files.createDirectories(dir.resolve("ours-" + umask));
      java.nio.file.Path b = Files.createDirectories(dir.resolve("hadoop-" + umask));
      FileSystem ours = new Path(a.toUri()).getFileSystem(conf(true, umask));
      FileSystem hadoops = new Path(b.toUri()).getFileSystem(conf(false, umask));
      assertInstanceOf(PosixLocalFileSystem.class, ours);
      assertEquals(org.apache.hadoop.fs.LocalFileSystem.class, hadoops.getClass());
      String[] x = modes(ours, a);
      String[] y = modes(hadoops, b);
      for (int i = 0; i < x.length; i++) {
        assertEquals(y[i], x[i], "umask " + umask + ", path " + i);
      }
      ours.close();
      hadoops.close();
    }
  }

  @Test
  void setPermissionSetsTheNineFlags() throws IOException {
    java.nio.file.Path f = Files.createFile(dir.resolve("x"));
    FileSystem fs = new Path(f.toUri()).getFileSystem(conf(true, "022"));
    fs.setPermission(new Path(f.toUri()), new FsPermission((short) 0604));
    assertEquals("rw----r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    fs.close();
  }
}
