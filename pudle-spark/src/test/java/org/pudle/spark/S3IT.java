package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;

/**
 * pudle on an S3-API object store: S3Proxy (an S3 server in Java, from Maven Central, with an
 * in-memory store) runs in a child JVM on 127.0.0.1 and {@code submit/pudle} runs embedded with
 * S3A pointed at it: explicit endpoint and keys, path-style requests, no TLS, a fixed region, and
 * no credential provider or region lookup that could reach a cloud metadata address.
 *
 * <p>Checks: a training run reads its config and its {@code .npy} shards from {@code s3a://},
 * writes its outputs and checkpoint there, and a run resumed from that checkpoint ends with the
 * dictionary of an uninterrupted run (1e-12 relative, the same arithmetic in the same order);
 * without credentials or with an output in a missing bucket the command exits with status 2 and a
 * one-line message naming the path, before anything is written.
 */
class S3IT {
  private static final String BUCKET = "pudle";
  private static final String KEY = "pudle-test";
  private static final String SECRET = "pudle-test-secret";
  private static final int M = 16;
  private static final int P = 24;
  private static final int N = 800;

  private static Path root;
  private static Path work;
  private static Process server;
  private static String endpoint;
  private static FileSystem s3;

  @BeforeAll
  static void start() throws Exception {
    root = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();
    Path jar = root.resolve("pudle-spark/target/it-tools/s3proxy.jar");
    assertTrue(Files.exists(jar), "run after pre-integration-test: " + jar);
    work = Files.createTempDirectory("pudle-s3-it");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    endpoint = "http://127.0.0.1:" + port;
    Path props = work.resolve("s3proxy.properties");
    Files.writeString(props, "s3proxy.endpoint=" + endpoint + "\ns3proxy.authorization=aws-v2-or-v4\n"
        + "s3proxy.identity=" + KEY + "\ns3proxy.credential=" + SECRET + "\njclouds.provider=transient\n"
        + "jclouds.identity=" + KEY + "\njclouds.credential=" + SECRET + "\n");
    server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", jar.toString(), "--properties", props.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile()).start();
    awaitPort(port, 120);

    AmazonS3 client = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint, "us-east-1"))
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(KEY, SECRET)))
        .withPathStyleAccessEnabled(true).build();
    client.createBucket(BUCKET);
    client.shutdown();

    Configuration conf = new Configuration();
    for (Map.Entry<String, String> e : s3aSettings(true).entrySet()) {
      conf.set(e.getKey(), e.getValue());
    }
    conf.setBoolean("fs.s3a.impl.disable.cache", true);
    s3 = FileSystem.get(java.net.URI.create("s3a://" + BUCKET + "/"), conf);

    SyntheticModel model = new SyntheticModel(M, P, 3, 7, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[M * N];
    model.generate(dTilde, 0, N, x, 0, null, null);
    int half = 500;
    writeNpy("/data/x/part-0.npy", Arrays.copyOfRange(x, 0, M * half), half, M, false);
    writeNpy("/data/x/part-1.npy", Arrays.copyOfRange(x, M * half, M * N), N - half, M, false);
    writeNpy("/data/d0.npy", model.initialDictionary(dTilde, 0.6), M, P, true);
    writeNpy("/data/dtilde.npy", dTilde, M, P, true);
  }

  private static void awaitPort(int port, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        assertTrue(server.isAlive(), "S3Proxy exited:\n" + Files.readString(work.resolve("s3proxy.log")));
        Thread.sleep(200);
      }
    }
    fail("S3Proxy did not listen on " + port + " within " + seconds + " s:\n"
        + Files.readString(work.resolve("s3proxy.log")));
  }

  /** The S3A settings that point at the local server, with or without the keys. */
  private static Map<String, String> s3aSettings(boolean withKeys) {
    Map<String, String> s = new java.util.LinkedHashMap<>();
    s.put("fs.s3a.endpoint", endpoint);
    s.put("fs.s3a.endpoint.region", "us-east-1");
    s.put("fs.s3a.path.style.access", "true");
    s.put("fs.s3a.connection.ssl.enabled", "false");
    s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    // a wrong setting fails in seconds, not after S3A's default minutes of retries
    s.put("fs.s3a.attempts.maximum", "2");
    s.put("fs.s3a.retry.limit", "2");
    if (withKeys) {
      s.put("fs.s3a.access.key", KEY);
      s.put("fs.s3a.secret.key", SECRET);
    }
    return s;
  }

  private static void writeNpy(String path, double[] data, int rows, int cols, boolean columnMajor) throws IOException {
    try (OutputStream o = s3.create(new org.apache.hadoop.fs.Path(path))) {
      if (columnMajor) {
        Npy.writeColumnMajor(o, data, rows, cols);
      } else {
        Npy.writeRowMajor(o, data, rows, cols);
      }
    }
  }

  private static double[] readNpy(String path) throws IOException {
    try (DataInputStream in = s3.open(new org.apache.hadoop.fs.Path(path))) {
      return Npy.read(in, path).columnMajor();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (server != null) {
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }
    if (work != null) {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** A finished {@code submit/pudle} run: its exit status and console. */
  private record Run(int status, String log) {}

  /** Runs {@code submit/pudle ARGS} embedded, with the S3A settings as Spark's spark.hadoop.* properties. */
  private static Run pudle(boolean withKeys, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/pudle").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    for (String v : List.of("SPARK_HOME", "HADOOP_CONF_DIR", "YARN_CONF_DIR", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")) {
      env.remove(v);
    }
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    StringBuilder opts = new StringBuilder("-Dspark.master=local[2] -Dspark.driver.host=127.0.0.1 "
        + "-Dspark.ui.enabled=false -Dcom.amazonaws.sdk.disableEc2Metadata=true");
    for (Map.Entry<String, String> e : s3aSettings(withKeys).entrySet()) {
      opts.append(" -Dspark.hadoop.").append(e.getKey()).append('=').append(e.getValue());
    }
    env.put("PUDLE_JAVA_OPTS", opts.toString());
    env.put("PUDLE_NO_BUILD", "1");
    env.put("PUDLE_DRIVER_MEMORY", "1g");
    env.put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    TrainProcessOutput out = TrainProcessOutput.follow(p);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("submit/pudle " + String.join(" ", args) + " did not finish in 300 s:\n" + out.log());
    }
    Thread.sleep(200);
    return new Run(p.exitValue(), out.log());
  }

  /** A training config whose data, dictionaries and output are on the object store. */
  private static String config(String output) {
    String b = "s3a://" + BUCKET;
    return "input = " + b + "/data/x\ninit = " + b + "/data/d0.npy\nreference = " + b + "/data/dtilde.npy\n"
        + "p = " + P + "\nseed = 3\nT = 15\nlambda = 0.2\nalpha = 0.2\ngradient = ae-ls\nadam.lr = 5e-3\n"
        + "batch.size = 200\npartitions = 2\nblock.size = 128\ncheckpoint.every = 3\nprogress.seconds = 0\n"
        + "kernels = cpu\noutput = " + output + "\n";
  }

  private static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return num / den;
  }

  @Test
  void trainsFromS3WritesThereAndResumesFromAnS3Checkpoint() throws Exception {
    String base = "s3a://" + BUCKET;
    try (OutputStream o = s3.create(new org.apache.hadoop.fs.Path("/conf/train.properties"))) {
      o.write(config(base + "/runs/resumed").getBytes(StandardCharsets.UTF_8));
    }
    Run first = pudle(true, "train", base + "/conf/train.properties", "--set", "updates=6");
    assertEquals(0, first.status(), first.log());
    assertTrue(first.log().contains("[train] read " + N + " samples in "), first.log());
    assertTrue(s3.exists(new org.apache.hadoop.fs.Path("/runs/resumed/checkpoint")), first.log());
    assertTrue(!s3.exists(new org.apache.hadoop.fs.Path("/runs/.resumed.pudle")), "no claim or staging left");

    Run resumed = pudle(true, "train", base + "/conf/train.properties", "--set", "updates=12", "--resume");
    assertEquals(0, resumed.status(), resumed.log());
    assertTrue(resumed.log().contains("[train] resumed from the checkpoint for " + base
        + "/runs/resumed after update 6"),
        resumed.log());

    Run straight = pudle(true, "train", base + "/conf/train.properties", "--set", "updates=12", "--set",
        "output=" + base + "/runs/straight");
    assertEquals(0, straight.status(), straight.log());

    double[] d = readNpy("/runs/resumed/dictionary.npy");
    double diff = relativeDifference(d, readNpy("/runs/straight/dictionary.npy"));
    assertTrue(diff <= 1e-12, "resumed from the s3a:// checkpoint vs uninterrupted: relative difference " + diff);
    assertTrue(relativeDifference(d, readNpy("/data/d0.npy")) > 1e-3, "the dictionary moved");
    String metrics = new String(s3.open(new org.apache.hadoop.fs.Path("/runs/resumed/metrics.csv")).readAllBytes(),
        StandardCharsets.UTF_8);
    assertEquals(13, metrics.strip().split("\n").length, "header and 12 updates:\n" + metrics);
    List<String> names = new ArrayList<>();
    for (FileStatus st : s3.listStatus(new org.apache.hadoop.fs.Path("/runs/resumed"))) {
      names.add(st.getPath().getName());
    }
    assertTrue(names.containsAll(List.of("dictionary.npy", "dictionary.csv", "dictionary.parquet", "metrics.csv",
        "learning-curve.png", "run.properties", "checkpoint")), names.toString());
    assertTrue(names.stream().noneMatch(n -> n.startsWith(".")), "no temporary objects left: " + names);
  }

  @Test
  void withoutCredentialsItIsAnInputErrorNamingThePath() throws Exception {
    Path conf = work.resolve("nokeys.properties");
    Files.writeString(conf, config("s3a://" + BUCKET + "/runs/nokeys"));
    Run run = pudle(false, "train", conf.toString(), "--set", "updates=2");
    assertEquals(2, run.status(), run.log());
    assertOneLineError(run.log(), "s3a://" + BUCKET + "/data/x", "no credentials for s3a://" + BUCKET);
    assertFalse(s3.exists(new org.apache.hadoop.fs.Path("/runs/nokeys")), "nothing written");
  }

  @Test
  void aMissingBucketIsAnInputErrorNamingThePath() throws Exception {
    Path conf = work.resolve("nobucket.properties");
    Files.writeString(conf, config("s3a://no-such-bucket/runs/x"));
    Run run = pudle(true, "train", conf.toString(), "--set", "updates=2");
    assertEquals(2, run.status(), run.log());
    assertOneLineError(run.log(), "s3a://no-such-bucket/runs/x", "bucket 'no-such-bucket' does not exist");
  }

  /** The console holds one error line that names {@code path} (and says {@code why}), and no stack trace. */
  private static void assertOneLineError(String log, String path, String why) {
    List<String> errors = log.lines().filter(l -> l.contains("error:")).toList();
    assertEquals(1, errors.size(), log);
    assertTrue(errors.get(0).contains(path) && errors.get(0).contains(why), log);
    assertFalse(log.contains("\tat ") || log.contains("Exception"), "no stack trace:\n" + log);
  }
}
