package org.pudle.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.data.InputException;

/**
 * The paths of a command are checked before Spark starts: an unknown scheme or a missing file is
 * exit 2 with one line naming the path and its config key, and nothing is written. (S3A's
 * credentials and buckets: S3IT, against a real S3-API server.)
 */
class StorageTest {

  private record Run(int status, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    return new Run(status, err.toString());
  }

  /** A small training config: synthetic data unless {@code body} names an input. */
  private static Path config(Path dir, String body) throws IOException {
    Path c = dir.resolve("run.properties");
    String data = body.startsWith("input") ? "p = 30\n" : "m = 20\np = 30\nk = 3\nn = 100\n";
    Files.writeString(c, data + "T = 5\nupdates = 2\n" + body + "\n");
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "output = foo://host/runs/x | foo://host/runs/x (config key 'output'): no filesystem for the scheme 'foo://'",
      "input = foo://host/data | foo://host/data (config key 'input'): no filesystem for the scheme 'foo://'",
      "init = foo://host/d0.npy | foo://host/d0.npy (config key 'init'): no filesystem for the scheme 'foo://'",
      "input = %s/missing | /missing (config key 'input'): no such file or directory"})
  void anUnusablePathIsExitTwoNamingIt(String line, String expected, @TempDir Path dir) throws IOException {
    String body = line.replace("%s", dir.toString());
    if (!body.startsWith("output")) {
      body += "\noutput = " + dir.resolve("out");
    }
    Run r = run("train", config(dir, body).toString());
    assertEquals(2, r.status(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(expected), r.err());
    assertFalse(Files.exists(dir.resolve("out")), "nothing written");
  }

  @Test
  void aConfigFileOnAnUnknownSchemeIsExitTwo() {
    Run r = run("train", "foo://host/run.properties");
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains("foo://host/run.properties")
        && r.err().contains("no filesystem for the scheme 'foo://'"), r.err());
  }

  @Test
  void anOutputUnderAFileIsRejected(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    InputException e = assertThrows(InputException.class,
        () -> Storage.checkWritable(file.resolve("out").toString(), new Configuration(), "config key 'output'"));
    assertTrue(e.getMessage().contains("is a file, not a directory"), e.getMessage());
    e = assertThrows(InputException.class,
        () -> Storage.checkWritable(file.toString(), new Configuration(), "config key 'output'"));
    assertTrue(e.getMessage().contains("exists and is not a directory"), e.getMessage());
    Storage.checkWritable(dir.resolve("a/b/c").toString(), new Configuration(), "config key 'output'");
    assertFalse(Files.exists(dir.resolve("a")), "a check creates nothing");
  }

  @Test
  void aPathWithoutSchemeIsALocalFileWhenOneExists(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("x.properties"), "m = 3", StandardCharsets.UTF_8);
    assertEquals("file", Storage.resolve(file.toString()).toUri().getScheme());
    assertEquals(null, Storage.resolve(dir.resolve("absent").toString()).toUri().getScheme());
  }

  @Test
  void localOutputsAreRenamedIntoPlaceNotWrittenInPlace(@TempDir Path dir) throws IOException {
    OutputDir out = OutputDir.open(dir.toString(), new Configuration());
    assertFalse(Storage.publishesOnClose(out.fileSystem(), out.path("x")));
    out.writeText("a.txt", "one");
    assertThrows(IllegalStateException.class, () -> out.write("a.txt", o -> {
      o.write("two, half".getBytes(StandardCharsets.UTF_8));
      throw new IllegalStateException("failed mid-write");
    }));
    assertEquals("one", Files.readString(dir.resolve("a.txt")), "the earlier file stays");
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
  }
}
