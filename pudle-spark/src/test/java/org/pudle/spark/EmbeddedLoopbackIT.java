package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded run ({@code submit/pudle train} without a cluster) listens on loopback only. The
 * training JVM is paused (SIGSTOP) after its first update, while Spark's driver RPC and block
 * manager are up, and its listening TCP sockets are read from /proc ({@link ListeningSockets});
 * then it resumes and must finish. A user's own address still wins. Each run also has a cluster
 * secret in its environment (by file, then by value), which must appear in no output.
 */
class EmbeddedLoopbackIT {
  private static final String SECRET = "embedded-it-7c1d54a09be2f3";
  private static final String CONFIG = "m = 12\np = 18\nk = 3\nn = 300\nseed = 11\nT = 10\ngradient = ae-ls\n"
      + "adam.lr = 1e-2\npartitions = 2\nblock.size = 64\nbatch.size = 100\nupdates = 15\nprogress.seconds = 0\n";

  private static final Path ROOT = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();

  /** What a paused run listened on, its console, and its output folder. */
  private record Run(List<InetSocketAddress> listening, String log, Path output) {}

  private static Run train(Path dir, Map<String, String> extraEnv) throws Exception {
    Path output = dir.resolve("out");
    Path config = dir.resolve("loopback.properties");
    Files.writeString(config, CONFIG + "output = " + output + "\n");
    ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("submit/pudle").toString(), "train", config.toString())
        .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.remove("SPARK_HOME");
    env.remove("SPARK_LOCAL_IP");
    env.put("PUDLE_NO_BUILD", "1");
    env.put("PUDLE_DRIVER_MEMORY", "1g");
    env.putAll(extraEnv);
    Process p = pb.start(); // bash execs java: the same pid
    TrainProcessOutput out = TrainProcessOutput.follow(p);
    List<InetSocketAddress> listening;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (out.update() < 1 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      signal("STOP", p.pid());
      try {
        if (!p.isAlive() || out.update() >= 15) {
          fail("the run should be training when paused (update " + out.update() + "):\n" + out.log());
        }
        listening = ListeningSockets.of(p.pid());
      } finally {
        signal("CONT", p.pid());
      }
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        fail("the run did not finish in 300 s:\n" + out.log());
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    Thread.sleep(200); // the reader thread takes the last lines
    assertEquals(0, p.exitValue(), out.log());
    return new Run(listening, out.log(), output);
  }

  private static void signal(String name, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
  }

  /** The secret appears neither on the console nor in any file of the run's output. */
  static void assertNoSecret(String secret, String what, String console, Path output) throws IOException {
    assertFalse(console.contains(secret), "the secret is on the console of " + what);
    byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(output)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        assertFalse(contains(Files.readAllBytes(f), needle), "the secret is in " + f);
      }
    }
    assertTrue(Files.exists(output.resolve("run.properties")), "run.properties of " + what);
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static void report(String line) throws IOException {
    Path dir = Files.createDirectories(ROOT.resolve("pudle-spark/target/it-reports"));
    Files.writeString(dir.resolve("EmbeddedLoopbackIT.txt"), java.time.Instant.now() + " " + line + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void everyListenerOfAnEmbeddedRunIsOnLoopback(@TempDir Path dir) throws Exception {
    assumeTrue(ListeningSockets.available(), "needs Linux /proc");
    Path secretFile = dir.resolve("spark.secret");
    Files.writeString(secretFile, SECRET + "\n");
    Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
    Run run = train(dir, Map.of(SparkSecurity.SECRET_FILE_ENV, secretFile.toString()));
    report("embedded run listened on " + run.listening());
    // the driver's RPC endpoint and its block manager
    assertTrue(run.listening().size() >= 2, "the paused run should listen (driver, block manager): "
        + run.listening());
    for (InetSocketAddress a : run.listening()) {
      assertTrue(a.getAddress().isLoopbackAddress(), a + " is not on loopback; all: " + run.listening());
    }
    assertFalse(run.log().contains("resolves to a loopback address"), run.log());
    assertNoSecret(SECRET, "the embedded run (secret by file)", run.log(), run.output());
  }

  @Test
  void theUsersOwnAddressWins(@TempDir Path dir) throws Exception {
    assumeTrue(ListeningSockets.available(), "needs Linux /proc");
    // another loopback address, so that the test listens nowhere else either
    Run run = train(dir, Map.of("PUDLE_JAVA_OPTS", "-Dspark.driver.bindAddress=127.0.0.2 -Dspark.driver.host=127.0.0.2",
        SparkSecurity.SECRET_ENV, SECRET));
    report("embedded run with spark.driver.bindAddress=127.0.0.2 listened on " + run.listening());
    assertTrue(run.listening().size() >= 2, String.valueOf(run.listening()));
    InetAddress wanted = InetAddress.getByName("127.0.0.2");
    for (InetSocketAddress a : run.listening()) {
      assertEquals(wanted, a.getAddress(), "all: " + run.listening());
    }
    assertNoSecret(SECRET, "the embedded run (secret by value)", run.log(), run.output());
  }
}
