package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark security defaults of pudle's sessions, and where a cluster's secret may come from. */
class SparkSecurityTest {
  private static final String SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

  @Test
  void recognisesLocalMasters() {
    for (String m : new String[] {"local", "local[2]", "local[*]", "local[4,3]", "local[*, 2]"}) {
      assertTrue(SparkSecurity.isLocal(m), m);
    }
    for (String m : new String[] {"local-cluster[2,1,1024]", "spark://h:7077", "yarn", "k8s://h:443", "localhost"}) {
      assertFalse(SparkSecurity.isLocal(m), m);
    }
  }

  @Test
  void embeddedSparkListensOnLoopbackAndAuthenticates() {
    SparkConf conf = new SparkConf(false);
    SparkSecurity.embedded(conf);
    assertEquals("127.0.0.1", conf.get("spark.driver.host"));
    assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"));
    assertEquals("true", conf.get("spark.authenticate"));
    assertEquals("false", conf.get("spark.ui.enabled"));
  }

  @Test
  void theUsersSettingsWin() {
    // either address given: Spark derives the other (the bind address defaults to the host)
    SparkConf host = new SparkConf(false).set("spark.driver.host", "10.1.2.3");
    SparkSecurity.embedded(host);
    assertEquals("10.1.2.3", host.get("spark.driver.host"));
    assertFalse(host.contains("spark.driver.bindAddress"));

    SparkConf bind = new SparkConf(false).set("spark.driver.bindAddress", "0.0.0.0")
        .set("spark.authenticate", "false").set("spark.ui.enabled", "true");
    SparkSecurity.embedded(bind);
    assertEquals("0.0.0.0", bind.get("spark.driver.bindAddress"));
    assertFalse(bind.contains("spark.driver.host"));
    assertEquals("false", bind.get("spark.authenticate"));
    assertEquals("true", bind.get("spark.ui.enabled"));
  }

  @Test
  void noSecretInTheEnvironmentLeavesTheConfAlone() {
    SparkConf conf = new SparkConf(false);
    SparkSecurity.sharedSecret(conf, Map.of("HOME", "/home/u"));
    assertEquals(0, conf.getAll().length);
  }

  @Test
  void theSecretComesFromTheEnvironment() {
    SparkConf conf = new SparkConf(false);
    SparkSecurity.sharedSecret(conf, Map.of(SparkSecurity.SECRET_ENV, " " + SECRET + "\n"));
    assertEquals("true", conf.get("spark.authenticate"));
    assertEquals(SECRET, conf.get("spark.authenticate.secret"));

    SparkConf off = new SparkConf(false).set("spark.authenticate", "false");
    SparkSecurity.sharedSecret(off, Map.of(SparkSecurity.SECRET_ENV, SECRET));
    assertEquals("false", off.get("spark.authenticate"), "the user's spark.authenticate wins");
  }

  @Test
  void theSecretComesFromAPrivateFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("spark.secret");
    Files.writeString(file, SECRET + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    SparkConf conf = new SparkConf(false);
    SparkSecurity.sharedSecret(conf, Map.of(SparkSecurity.SECRET_FILE_ENV, file.toString()));
    assertEquals("true", conf.get("spark.authenticate"));
    assertEquals(SECRET, conf.get("spark.authenticate.secret"));
  }

  @Test
  void refusesAFileOthersCanReadAndNamesTheFix(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("spark.secret");
    Files.writeString(file, SECRET);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    var e = assertThrows(IllegalArgumentException.class, () -> SparkSecurity.sharedSecret(new SparkConf(false),
        Map.of(SparkSecurity.SECRET_FILE_ENV, file.toString())));
    assertTrue(e.getMessage().contains("PUDLE_AUTH_SECRET_FILE=" + file) && e.getMessage().contains("chmod 600"),
        e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), "the message never shows the secret");
  }

  @Test
  void refusesMissingEmptyAndAmbiguousSecrets(@TempDir Path dir) throws Exception {
    Path empty = dir.resolve("empty");
    Files.writeString(empty, " \n");
    Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-------"));
    String[][] cases = {
        {SparkSecurity.SECRET_FILE_ENV, dir.resolve("missing").toString(), "no such file"},
        {SparkSecurity.SECRET_FILE_ENV, empty.toString(), "empty"},
        {SparkSecurity.SECRET_ENV, "  ", "empty"},
    };
    for (String[] c : cases) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> SparkSecurity.sharedSecret(new SparkConf(false), Map.of(c[0], c[1])));
      assertTrue(e.getMessage().contains(c[0]) && e.getMessage().contains(c[2]), e.getMessage());
    }
    var both = assertThrows(IllegalArgumentException.class, () -> SparkSecurity.sharedSecret(new SparkConf(false),
        Map.of(SparkSecurity.SECRET_ENV, SECRET, SparkSecurity.SECRET_FILE_ENV, empty.toString())));
    assertTrue(both.getMessage().contains("set one of them"), both.getMessage());
    var twice = assertThrows(IllegalArgumentException.class, () -> SparkSecurity.sharedSecret(
        new SparkConf(false).set("spark.authenticate.secret", "other"), Map.of(SparkSecurity.SECRET_ENV, SECRET)));
    assertTrue(twice.getMessage().contains("keep one"), twice.getMessage());
    assertFalse(twice.getMessage().contains(SECRET) || twice.getMessage().contains("other"), twice.getMessage());
  }

  @Test
  void aClusterRunWithoutItsSecretStopsBeforeConnecting() {
    var e = assertThrows(IllegalArgumentException.class, () -> StandaloneMasterCheck.check("spark://127.0.0.1:1",
        new SparkConf(false).set("spark.authenticate", "true")));
    assertTrue(e.getMessage().contains(SparkSecurity.SECRET_FILE_ENV), e.getMessage());
  }

  @Test
  void aMasterThatIsNotThereIsOneLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String master = "spark://127.0.0.1:" + port;
    var e = assertThrows(ClusterAccessException.class, () -> StandaloneMasterCheck.check(master,
        new SparkConf(false)));
    assertTrue(e.getMessage().startsWith("no Spark master answers at " + master + ": Connection refused"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
