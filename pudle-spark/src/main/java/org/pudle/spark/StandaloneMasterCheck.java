package org.pudle.spark;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.rpc.RpcEnv;

import scala.Option;

/**
 * Asks a standalone master whether it accepts this driver before the application registers.
 * Spark's own client retries a refused registration for a minute and then fails with "All masters
 * are unresponsive", after a stack trace per try; this check fails at once, in one line that names
 * the cause (authentication, most often) and the fix (docs/security.md).
 *
 * <p>It opens a client-only Spark RPC environment with the driver's conf and security settings
 * (the same SASL or AES handshake the application will use), looks up the master's endpoint, and
 * closes. It listens on no port.
 */
final class StandaloneMasterCheck {
  private static final String PREFIX = "spark://";
  private static final List<String> QUIET = List.of("org.apache.spark.network.client.TransportClientFactory",
      "org.apache.spark.network.client.TransportResponseHandler", "org.apache.spark.rpc.netty");

  private StandaloneMasterCheck() {}

  /**
   * Returns when one of the masters of {@code master} ({@code spark://host:port[,host:port...]})
   * answers this client; throws otherwise.
   *
   * @throws IllegalArgumentException when {@code spark.authenticate} is on without a secret
   * @throws ClusterAccessException when no master accepts the connection
   */
  static void check(String master, SparkConf conf) {
    boolean authenticate = conf.getBoolean(SparkSecurity.AUTHENTICATE, false);
    if (authenticate && !conf.contains(SparkSecurity.SECRET)) {
      throw new IllegalArgumentException(SparkSecurity.AUTHENTICATE + " is true but this run has no secret for the"
          + " cluster: set " + SparkSecurity.SECRET_FILE_ENV + " to a private file holding it (docs/security.md)");
    }
    SparkConf probe = conf.clone();
    // a master that accepts the connection but never answers should not hold the run for long
    probe.setIfMissing("spark.rpc.lookupTimeout", "30s");
    SecurityManager security = new SecurityManager(probe, Option.empty(),
        org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE_DRIVER());
    Map<String, Level> levels = quiet();
    RpcEnv env = null;
    Exception first = null;
    try {
      env = RpcEnv.create("pudleMasterCheck", SparkSecurity.LOOPBACK, SparkSecurity.LOOPBACK, 0, probe, security, 1,
          true);
      for (String hostPort : master.substring(PREFIX.length()).split(",")) {
        URI address = URI.create(PREFIX + hostPort.trim());
        try {
          env.setupEndpointRefByURI(PREFIX + "Master@" + address.getHost() + ":" + address.getPort());
          return;
        } catch (Exception e) { // SparkException (checked, thrown by Scala) and runtime failures
          first = first == null ? e : first;
        }
      }
    } finally {
      if (env != null) {
        env.shutdown();
      }
      restore(levels);
    }
    throw new ClusterAccessException(explain(master, authenticate, first), first);
  }

  /**
   * Turns off Spark's network loggers, which log a failed handshake as an ERROR with a stack trace
   * before the lookup fails; returns their levels. The failure is reported by the exception.
   */
  private static Map<String, Level> quiet() {
    Map<String, Level> levels = new LinkedHashMap<>();
    try {
      for (String name : QUIET) {
        levels.put(name, LogManager.getLogger(name).getLevel());
        Configurator.setLevel(name, Level.OFF);
      }
    } catch (RuntimeException | LinkageError e) {
      // another logging backend than Spark's log4j-core: the check works, only less quietly
    }
    return levels;
  }

  private static void restore(Map<String, Level> levels) {
    try {
      levels.forEach(Configurator::setLevel);
    } catch (RuntimeException | LinkageError e) {
      // as in quiet()
    }
  }

  /** One line: which master, what went wrong, what to do. */
  static String explain(String master, boolean authenticate, Throwable failure) {
    String causes = causes(failure);
    String lower = causes.toLowerCase(Locale.ROOT);
    String docs = " (docs/security.md)";
    if (lower.contains("connection refused") || lower.contains("failed to connect")) {
      return "no Spark master answers at " + master + ": " + root(failure).getMessage();
    }
    if (!authenticate && (lower.contains("sasl") || lower.contains("authenticat"))) {
      return "the Spark master at " + master + " refused this run: the cluster requires authentication"
          + " (spark.authenticate) and this run has no secret; set " + SparkSecurity.SECRET_FILE_ENV
          + " to a private file holding the cluster's secret" + docs;
    }
    if (authenticate && !lower.contains("reply") && !lower.contains("endpoint")) {
      // a failed handshake closes the connection before any answer: the cause only says so
      return "the Spark master at " + master + " refused this run's secret: it is not the cluster's secret, or the"
          + " cluster does not use authentication (spark.authenticate) or encryption (spark.network.crypto.enabled)"
          + " as this run does" + docs;
    }
    return "the Spark master at " + master + " did not accept this run: " + causes;
  }

  /** The distinct messages of the cause chain, outermost first. */
  private static String causes(Throwable failure) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = failure; t != null && parts.size() < 8; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        String line = m.lines().findFirst().orElse("").strip();
        if (!line.isEmpty() && parts.stream().noneMatch(p -> p.contains(line))) {
          parts.add(line);
        }
      }
    }
    return parts.isEmpty() ? String.valueOf(failure) : String.join(": ", parts);
  }

  private static Throwable root(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
