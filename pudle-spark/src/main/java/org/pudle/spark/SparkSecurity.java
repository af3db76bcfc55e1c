package org.pudle.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.spark.SparkConf;

/**
 * Who may talk to a pudle job's Spark (docs/security.md).
 *
 * <p>An embedded run (a {@code local} master: the executors live in the driver's JVM) needs no
 * network, so its driver RPC and block manager listen on 127.0.0.1 only, and Spark authenticates
 * every connection with a secret it makes for the run. A cluster run keeps Spark's behaviour; a
 * cluster that requires authentication shares one secret between its daemons and the
 * applications, which pudle reads from the file named by {@value #SECRET_FILE_ENV} (or from
 * {@value #SECRET_ENV}) into the driver's Spark conf, in memory: never onto a command line, where
 * every user of the machine can read it, and never into {@code run.properties}.
 *
 * <p>Settings the user gave (a {@code spark-defaults.conf}, {@code --conf}, {@code -Dspark.*})
 * always win over these defaults.
 */
public final class SparkSecurity {
  /** The environment variable naming a file that holds the cluster's shared secret. */
  public static final String SECRET_FILE_ENV = "PUDLE_AUTH_SECRET_FILE";
  /** The environment variable holding the cluster's shared secret itself. */
  public static final String SECRET_ENV = "PUDLE_AUTH_SECRET";

  static final String AUTHENTICATE = "spark.authenticate";
  static final String SECRET = "spark.authenticate.secret";
  static final String DRIVER_HOST = "spark.driver.host";
  static final String DRIVER_BIND_ADDRESS = "spark.driver.bindAddress";
  static final String LOOPBACK = "127.0.0.1";

  // local, local[4], local[*], local[4,2], local[*,2]: Spark's local masters (not local-cluster)
  private static final Pattern LOCAL_MASTER = Pattern.compile("local(\\[[0-9*]+(,\\s*[0-9]+)?])?");

  private SparkSecurity() {}

  /** Whether {@code master} runs the executors inside the driver's JVM. */
  public static boolean isLocal(String master) {
    return LOCAL_MASTER.matcher(master.trim()).matches();
  }

  /**
   * The defaults of an embedded run: the driver and the block manager bind to and advertise
   * 127.0.0.1, unless the user set either address; Spark authenticates connections with a
   * per-run secret, unless the user set {@code spark.authenticate}; the web UI is off, unless the
   * user turned it on (it binds to {@code SPARK_LOCAL_IP}, else to every interface, and no conf
   * key changes that). Modifies {@code conf}.
   */
  public static void embedded(SparkConf conf) {
    if (!conf.contains(DRIVER_HOST) && !conf.contains(DRIVER_BIND_ADDRESS)) {
      conf.set(DRIVER_HOST, LOOPBACK);
      conf.set(DRIVER_BIND_ADDRESS, LOOPBACK);
    }
    conf.setIfMissing(AUTHENTICATE, "true");
    conf.setIfMissing("spark.ui.enabled", "false");
  }

  /**
   * Puts the shared secret of {@value #SECRET_FILE_ENV} or {@value #SECRET_ENV} (from {@code env})
   * into {@code conf} and turns {@code spark.authenticate} on, unless the user turned it off.
   * Without either variable {@code conf} is left as it is. Modifies {@code conf}.
   *
   * @throws IllegalArgumentException when both variables are set, when the conf holds a secret of
   *     its own too, or when the file is missing, empty or readable by other users
   */
  public static void sharedSecret(SparkConf conf, Map<String, String> env) {
    String file = env.get(SECRET_FILE_ENV);
    String value = env.get(SECRET_ENV);
    if (file == null && value == null) {
      return;
    }
    if (file != null && value != null) {
      throw new UserInputException("both " + SECRET_FILE_ENV + " and " + SECRET_ENV
          + " are set; set one of them");
    }
    if (conf.contains(SECRET)) {
      throw new UserInputException("the Spark conf sets " + SECRET + " and the environment sets "
          + (file != null ? SECRET_FILE_ENV : SECRET_ENV) + "; keep one (the environment: a secret in a Spark"
          + " properties file or on a command line is easy to leak)");
    }
    String secret = file != null ? readSecretFile(Path.of(file)) : value.strip();
    if (secret.isEmpty()) {
      throw new UserInputException(SECRET_ENV + " is set but empty");
    }
    conf.setIfMissing(AUTHENTICATE, "true");
    conf.set(SECRET, secret);
  }

  /** The secret in {@code file} without surrounding white space; the file must be private. */
  static String readSecretFile(Path file) {
    String where = SECRET_FILE_ENV + "=" + file;
    if (!Files.isRegularFile(file)) {
      throw new UserInputException(where + ": no such file");
    }
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (view != null) {
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        Set<PosixFilePermission> shared = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        shared.retainAll(perms);
        if (!shared.isEmpty()) {
          throw new UserInputException(where + " can be read or written by other users ("
              + PosixFilePermissions.toString(perms) + "); make it private: chmod 600 " + file);
        }
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (secret.isEmpty()) {
        throw new UserInputException(where + ": the file is empty");
      }
      return secret;
    } catch (IOException e) {
      throw new UserInputException(where + ": cannot read it: " + e.getMessage(), e);
    }
  }
}
