package org.pudle.spark;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local filesystem with numbered kill points, for a child JVM that a test kills with SIGKILL:
 * every create, rename, delete and mkdirs under {@code pudle.test.killRoot} is counted and
 * reported ({@code FSOP n op path} on stderr); at operation {@code pudle.test.killAt} (before it,
 * or after it with {@code pudle.test.killAfter=true}) the JVM says {@code KILLPOINT n} and waits
 * for its SIGKILL. Installed as {@code fs.file.impl} through {@code spark.hadoop.*} settings.
 */
public class KillPointFileSystem extends RawLocalFileSystem {
  private static final AtomicInteger OPS = new AtomicInteger();
  private static final int KILL_AT = Integer.getInteger("pudle.test.killAt", -1);
  private static final boolean AFTER = Boolean.getBoolean("pudle.test.killAfter");
  private static final String ROOT = System.getProperty("pudle.test.killRoot", "/nonexistent");

  private void before(String op, Path p) {
    if (!AFTER) {
      point(op, p);
    }
  }

  private void after(String op, Path p) {
    if (AFTER) {
      point(op, p);
    }
  }

  private void point(String op, Path p) {
    if (!p.toUri().getPath().startsWith(ROOT)) {
      return;
    }
    int n = OPS.incrementAndGet();
    System.err.println("FSOP " + n + " " + op + " " + p);
    if (n == KILL_AT) {
      System.err.println("KILLPOINT " + n + " " + op + " " + p);
      System.err.flush();
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    before("create", f);
    FSDataOutputStream out = super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    after("create", f);
    return out;
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    before("create", f);
    FSDataOutputStream out = super.createNonRecursive(f, permission, overwrite, bufferSize, replication, blockSize,
        progress);
    after("create", f);
    return out;
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    before("rename", src);
    boolean done = super.rename(src, dst);
    after("rename", src);
    return done;
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    before("delete", p);
    boolean done = super.delete(p, recursive);
    after("delete", p);
    return done;
  }

  @Override
  public boolean mkdirs(Path p, FsPermission permission) throws IOException {
    before("mkdirs", p);
    boolean done = super.mkdirs(p, permission);
    after("mkdirs", p);
    return done;
  }
}
