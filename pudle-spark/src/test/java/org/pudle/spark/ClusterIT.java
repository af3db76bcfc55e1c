package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;

/**
 * pudle on real components: an HDFS (MiniDFSCluster, in this JVM) holds the samples, a Spark
 * standalone Master and Worker run as separate JVMs from the packaged dependency jars (a
 * SPARK_HOME whose jars/ is pudle-spark/target/lib), and jobs go through {@code submit/pudle}
 * with {@code --master spark://...}. The cluster is secured as docs/security.md says: the daemons
 * read {@code spark.authenticate}, the shared secret and {@code spark.network.crypto.enabled} from
 * a private properties file, and each run takes the secret from {@code PUDLE_AUTH_SECRET_FILE} or
 * {@code PUDLE_AUTH_SECRET}. Checks: the authenticated, encrypted cluster run reads hdfs:// and
 * equals the embedded local-mode run; a run whose executor JVM is killed mid-training still
 * finishes, with the same dictionary; a run without the secret, or with another one, is refused
 * in one line; no console, log or output file holds the secret.
 *
 * <p>The Master, Worker and HDFS start once for the class; the embedded reference run is made by
 * the first test that needs it ({@link #reference()}), so each test runs alone as well.
 *
 * <p>Tolerance 1e-12 (relative, max norm): with two partitions the final merge of Spark's
 * treeAggregate adds two partial sums, which is commutative, so the runs do the same arithmetic
 * and agree to the last bit in practice; the bound leaves room for a reassociation should Spark
 * merge in another tree.
 */
class ClusterIT {
  private static final int M = 16;
  private static final int P = 24;
  private static final int N = 1200;
  private static final int UPDATES = 30;

  private static Path root;
  private static Path work;
  private static Path sparkHome;
  private static MiniDFSCluster dfs;
  private static FileSystem hdfs;
  private static String hdfsUri;
  private static Process master;
  private static Process worker;
  private static String masterUrl;
  /** The cluster's shared secret, in the daemons' private properties file and in secretFile. */
  private static String secret;
  private static Path secretFile;
  /** The embedded local-mode run's dictionary, made once by the first test that asks. */
  private static double[] reference;

  @BeforeAll
  static void start() throws Exception {
    root = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();
    Path lib = root.resolve("pudle-spark/target/lib");
    assertTrue(Files.isDirectory(lib) && Files.exists(root.resolve("pudle-spark/target/pudle-spark-app.jar")),
        "run after package: " + lib);
    work = Files.createTempDirectory("pudle-cluster-it");
    sparkHome = Files.createDirectories(work.resolve("spark-home"));
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    try (Stream<Path> s = Files.list(lib)) {
      for (Path j : (Iterable<Path>) s::iterator) {
        Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
      }
    }

    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
    dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    dfs.waitActive();
    hdfs = dfs.getFileSystem();
    hdfsUri = hdfs.getUri().toString();

    // the samples of a synthetic model as two .npy shards, D0 and D_tilde, on HDFS
    SyntheticModel model = new SyntheticModel(M, P, 3, 7, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[M * N];
    model.generate(dTilde, 0, N, x, 0, null, null);
    int half = 700;
    writeNpy("/data/x/part-0.npy", java.util.Arrays.copyOfRange(x, 0, M * half), half, M, false);
    writeNpy("/data/x/part-1.npy", java.util.Arrays.copyOfRange(x, M * half, M * N), N - half, M, false);
    writeNpy("/data/d0.npy", model.initialDictionary(dTilde, 0.6), M, P, true);
    writeNpy("/data/dtilde.npy", dTilde, M, P, true);

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    masterUrl = "spark://127.0.0.1:" + port;
    // the cluster's secret: in the daemons' private properties file, and in a private file for runs
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    secret = java.util.HexFormat.of().formatHex(random);
    Path daemonConf = privateFile("daemon.conf", "spark.authenticate true\nspark.authenticate.secret " + secret
        + "\nspark.network.crypto.enabled true\n");
    secretFile = privateFile("spark.secret", secret + "\n");
    master = startJvm("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
        String.valueOf(port), "--webui-port", "0", "--properties-file", daemonConf.toString());
    worker = startJvm("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2",
        "--memory", "2g", "--webui-port", "0", "--work-dir", work.resolve("worker").toString(),
        "--properties-file", daemonConf.toString(), masterUrl);
    waitForLog("worker", "Successfully registered with master", 120);
  }

  /** A file of {@code work} that only its owner can read (mode 600). */
  private static Path privateFile(String name, String text) throws IOException {
    Path f = Files.createFile(work.resolve(name),
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, text);
    return f;
  }

  private static void writeNpy(String path, double[] data, int rows, int cols, boolean columnMajor) throws IOException {
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path(path))) {
      if (columnMajor) {
        Npy.writeColumnMajor(o, data, rows, cols);
      } else {
        Npy.writeRowMajor(o, data, rows, cols);
      }
    }
  }

  private static double[] readNpy(String path) throws IOException {
    try (DataInputStream in = hdfs.open(new org.apache.hadoop.fs.Path(path))) {
      return Npy.read(in, path).columnMajor();
    }
  }

  private static List<String> opens() {
    List<String> out = new ArrayList<>();
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) {
        out.add(a);
      }
    }
    return out;
  }

  private static void environment(Map<String, String> env) {
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("OPENBLAS_NUM_THREADS", "1");
  }

  private static Process startJvm(String name, String main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.addAll(opens());
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + File.separator + "*");
    cmd.add(main);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile());
    environment(pb.environment());
    return pb.start();
  }

  private static void waitForLog(String name, String text, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Path log = work.resolve(name + ".log");
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    fail(name + " did not log '" + text + "' within " + seconds + " s:\n" + Files.readString(log));
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : new Process[] {worker, master}) {
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (dfs != null) {
      dfs.shutdown();
    }
    if (work != null) {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** A config that reads everything from HDFS and writes there. */
  private static Path config(String name, int updates) throws IOException {
    Path c = work.resolve(name + ".properties");
    Files.writeString(c, "input = " + hdfsUri + "/data/x\ninit = " + hdfsUri + "/data/d0.npy\nreference = " + hdfsUri
        + "/data/dtilde.npy\np = " + P + "\nseed = 3\nT = 20\nlambda = 0.2\nalpha = 0.2\ngradient = ae-ls\n"
        + "adam.lr = 5e-3\nupdates = " + updates + "\nbatch.size = 400\npartitions = 2\nblock.size = 128\n"
        + "progress.seconds = 0\noutput = " + hdfsUri + "/runs/" + name + "\n");
    return c;
  }

  /** A running {@code submit/pudle} and the updates it has reported. */
  private record Submitted(Process process, TrainProcessOutput output) {
    int progress() {
      return output.update();
    }

    String log() {
      return output.log();
    }
  }

  /** How a run reaches Spark: embedded, or on the cluster with the secret given one way or another. */
  private enum Mode {
    LOCAL,
    /** the secret from PUDLE_AUTH_SECRET_FILE, with RPC and I/O encryption on */
    SECRET_FILE_ENCRYPTED,
    /** the secret from PUDLE_AUTH_SECRET */
    SECRET_ENV,
    NO_SECRET,
    WRONG_SECRET
  }

  private static Submitted submit(Path config, Mode mode) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/pudle").toString(), "train",
        config.toString()));
    if (mode != Mode.LOCAL) {
      cmd.add("--master");
      cmd.add(masterUrl);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.remove(SparkSecurity.SECRET_FILE_ENV);
    env.remove(SparkSecurity.SECRET_ENV);
    if (mode == Mode.LOCAL) {
      env.remove("SPARK_HOME");
      env.put("PUDLE_JAVA_OPTS", "-Dspark.master=local[2]");
    } else {
      environment(env);
      String opts = "--conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 "
          + "--conf spark.executor.cores=1 --conf spark.executor.memory=512m --conf spark.cores.max=2";
      switch (mode) {
        case SECRET_FILE_ENCRYPTED -> {
          env.put(SparkSecurity.SECRET_FILE_ENV, secretFile.toString());
          opts += " --conf spark.network.crypto.enabled=true --conf spark.io.encryption.enabled=true";
        }
        case SECRET_ENV -> env.put(SparkSecurity.SECRET_ENV, secret);
        case WRONG_SECRET -> env.put(SparkSecurity.SECRET_ENV, new StringBuilder(secret).reverse().toString());
        default -> { }
      }
      env.put("PUDLE_SUBMIT_OPTS", opts);
    }
    env.put("PUDLE_NO_BUILD", "1");
    env.put("PUDLE_DRIVER_MEMORY", "1g");
    Process p = pb.start();
    return new Submitted(p, TrainProcessOutput.follow(p));
  }

  /** The dictionary of the embedded local-mode run of config "local", made on first use. */
  private static synchronized double[] reference() throws Exception {
    if (reference == null) {
      Submitted local = submit(config("local", UPDATES), Mode.LOCAL);
      finish(local, "the local run");
      reference = readNpy("/runs/local/dictionary.npy");
    }
    return reference;
  }

  /**
   * The secret is in none of: the run's console (stdout and stderr), the files of its output on
   * HDFS (run.properties among them), the Master's and the Worker's logs, and the executors' logs.
   */
  private static void assertNoSecret(Submitted run, String name) throws IOException {
    assertFalse(run.log().contains(secret), "the secret is on the console of run " + name);
    byte[] needle = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    var files = hdfs.listFiles(new org.apache.hadoop.fs.Path("/runs/" + name), true);
    int checked = 0;
    while (files.hasNext()) {
      var f = files.next().getPath();
      try (var in = hdfs.open(f)) {
        assertFalse(EmbeddedLoopbackIT.contains(in.readAllBytes(), needle), "the secret is in " + f);
      }
      checked++;
    }
    assertTrue(checked > 0 && hdfs.exists(new org.apache.hadoop.fs.Path("/runs/" + name + "/run.properties")),
        "run " + name + " wrote run.properties");
    try (Stream<Path> logs = Stream.concat(Stream.of(work.resolve("master.log"), work.resolve("worker.log")),
        Files.walk(work.resolve("worker")).filter(Files::isRegularFile)
            .filter(f -> f.getFileName().toString().matches("stdout|stderr")))) {
      for (Path f : (Iterable<Path>) logs::iterator) {
        assertFalse(EmbeddedLoopbackIT.contains(Files.readAllBytes(f), needle), "the secret is in " + f);
      }
    }
  }

  private static void finish(Submitted s, String what) throws Exception {
    if (!s.process().waitFor(400, TimeUnit.SECONDS)) {
      s.process().descendants().forEach(ProcessHandle::destroyForcibly);
      s.process().destroyForcibly();
      fail(what + " did not finish in 400 s:\n" + s.log());
    }
    Thread.sleep(200);
    assertEquals(0, s.process().exitValue(), what + " failed:\n" + s.log());
    // the run's timing, e.g. "done: 30 updates in 41.2s" and "0.9 s per update, ..."
    report(what + ": " + String.join("; ", s.log().lines()
        .filter(l -> l.startsWith("[train] done:") || l.contains(" s per update")).toList()));
  }

  /** Appends a measured value to target/it-reports/ClusterIT.txt (tests print nothing). */
  private static void report(String line) throws IOException {
    Path dir = Files.createDirectories(root.resolve("pudle-spark/target/it-reports"));
    Files.writeString(dir.resolve("ClusterIT.txt"), java.time.Instant.now() + " " + line + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
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
  void anAuthenticatedEncryptedClusterRunReadsHdfsAndEqualsLocalMode() throws Exception {
    Submitted cluster = submit(config("cluster", UPDATES), Mode.SECRET_FILE_ENCRYPTED);
    finish(cluster, "the cluster run");
    assertTrue(cluster.log().contains("[train] read " + N + " samples in ") && cluster.log().contains("; cached in "
        + "memory ("), cluster.log());
    double[] clusterDictionary = readNpy("/runs/cluster/dictionary.npy");
    double diff = relativeDifference(clusterDictionary, reference());
    report("cluster (standalone, authenticated, encrypted, hdfs) vs embedded local: relative difference " + diff);
    assertTrue(diff <= 1e-12, "cluster vs local: relative difference " + diff);
    double[] d0 = readNpy("/data/d0.npy");
    assertTrue(relativeDifference(clusterDictionary, d0) > 1e-3, "the dictionary moved");
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/cluster/dictionary.parquet")));
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/cluster/checkpoint")));
    assertNoSecret(cluster, "cluster");
  }

  @Test
  void aKilledExecutorDoesNotChangeTheDictionary() throws Exception {
    Submitted run = submit(config("killed", UPDATES), Mode.SECRET_ENV);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (run.progress() < 8 && run.process().isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    List<ProcessHandle> executors = worker.descendants()
        .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).toList();
    int at = run.progress();
    assertTrue(run.process().isAlive() && at >= 8 && at < UPDATES && !executors.isEmpty(),
        "the run should be training on executors (update " + at + ", executors " + executors.size() + "):\n" + run.log());
    Optional<ProcessHandle> victim = executors.stream().findFirst();
    victim.get().destroyForcibly();
    finish(run, "the run with a killed executor");
    assertTrue(run.progress() == UPDATES);
    assertTrue(!victim.get().isAlive(), "the executor was killed");
    double[] d = readNpy("/runs/killed/dictionary.npy");
    double diff = relativeDifference(d, reference());
    report("executor " + victim.get().pid() + " killed after update " + at + " of " + UPDATES
        + ": relative difference to the undisturbed (embedded) run " + diff);
    assertTrue(diff <= 1e-12, "executor killed at update " + at + ": relative difference " + diff);
    assertNoSecret(run, "killed");
  }

  @Test
  void aRunWithoutTheClustersSecretIsRefusedInOneLine() throws Exception {
    String[][] cases = {
        {"nosecret", "pudle train: failed: the Spark master at " + masterUrl + " refused this run: the cluster requires"
            + " authentication (spark.authenticate) and this run has no secret; set PUDLE_AUTH_SECRET_FILE"},
        {"wrongsecret", "pudle train: failed: the Spark master at " + masterUrl + " refused this run's secret"},
    };
    for (String[] c : cases) {
      Submitted run = submit(config(c[0], UPDATES), c[0].equals("nosecret") ? Mode.NO_SECRET : Mode.WRONG_SECRET);
      if (!run.process().waitFor(200, TimeUnit.SECONDS)) {
        run.process().destroyForcibly();
        fail(c[0] + ": a refused run should end at once:\n" + run.log());
      }
      Thread.sleep(200);
      assertEquals(1, run.process().exitValue(), c[0] + ":\n" + run.log());
      List<String> failed = run.log().lines().filter(l -> l.startsWith("pudle train: failed: ")).toList();
      assertEquals(1, failed.size(), run.log());
      assertTrue(failed.get(0).startsWith(c[1]) && failed.get(0).endsWith("(docs/security.md)"), run.log());
      assertFalse(run.log().contains("\tat ") || run.log().contains("Caused by"), "no stack trace:\n" + run.log());
      assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/" + c[0])), "a refused run writes nothing");
      assertFalse(run.log().contains(secret), run.log());
      report("refused (" + c[0] + "): " + failed.get(0));
    }
  }

  /**
   * Splits on HDFS: a .npy in C order and in Fortran order and a CSV, cut into 2 KB splits (HDFS
   * seeks, and positioned reads per column), read in this JVM from hdfs://, give the samples of the
   * files read whole; the fingerprint a checkpoint records follows a file rewritten on HDFS with
   * other bytes of the same length.
   */
  @Test
  void splitsAndFingerprintsOnHdfs() throws Exception {
    int n = 600;
    int m = 7;
    double[][] x = org.pudle.spark.data.TestFiles.samples(n, m, 21);
    double[] rowMajor = new double[n * m];
    double[] columnMajor = new double[n * m];
    StringBuilder csv = new StringBuilder("# a comment\n");
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        rowMajor[i * m + j] = x[i][j];
        columnMajor[i + j * n] = x[i][j];
        csv.append(j > 0 ? "," : "").append(x[i][j]);
      }
      csv.append(i % 2 == 0 ? "\r\n" : "\n");
    }
    writeNpy("/split/c.npy", rowMajor, n, m, false);
    writeNpy("/split/f.npy", columnMajor, n, m, true);
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path("/split/x.csv"))) {
      o.write(csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    var sc = SparkTestSupport.sc();
    for (String name : List.of("c.npy", "f.npy", "x.csv")) {
      String path = hdfsUri + "/split/" + name;
      for (String split : List.of("128", "0.001953125")) {
        org.pudle.spark.data.FileSource src = org.pudle.spark.data.FileSource.open(sc,
            org.pudle.spark.config.InputSettings.from(org.pudle.spark.config.Config.fromString("input = " + path
                + "\ninput.split.mb = " + split + "\n")));
        assertTrue(split.equals("128") ? src.splitCount() == 1 : src.splitCount() > 5, name + ": " + src.splitCount());
        double[][] got = org.pudle.spark.data.TestFiles.collect(src.blocks(sc, 3, 50), n);
        for (int i = 0; i < n; i++) {
          assertTrue(java.util.Arrays.equals(x[i], got[i]), name + " split " + split + ": sample " + i);
        }
      }
    }
    String input = hdfsUri + "/split/c.npy";
    var params = org.pudle.spark.config.InputSettings.from(org.pudle.spark.config.Config.fromString("input = " + input
        + "\n"));
    String before = org.pudle.spark.data.FileSource.open(sc, params).fingerprint();
    rowMajor[5] += 1;
    writeNpy("/split/c.npy", rowMajor, n, m, false);
    String after = org.pudle.spark.data.FileSource.open(sc, params).fingerprint();
    List<String> changes = org.pudle.spark.data.InputFingerprint.differences(before, after);
    assertEquals(List.of("the contents differ (same files and lengths, another SHA-256)"), changes);
    assertEquals(List.of(), org.pudle.spark.data.InputFingerprint.differences(after, after));
  }

  private static List<String> hdfsNames(org.apache.hadoop.fs.Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    for (org.apache.hadoop.fs.FileStatus st : hdfs.listStatus(dir)) {
      names.add(st.getPath().getName());
    }
    names.sort(null);
    return names;
  }

  /**
   * Outputs on HDFS, whose renames differ from POSIX ones (a directory renamed onto an existing one
   * moves into it; a file is replaced only by FileContext's rename with OVERWRITE): a result
   * appears whole; an output that holds one is refused without --overwrite; a run in progress
   * holds it against a second; a failed run leaves the earlier result; an overwrite replaces it
   * whole; an interrupted swap is finished by the next claim; a file output is refused when it
   * exists or is a directory, and replaced with --overwrite.
   */
  @Test
  void outputsAreClaimedAndReplacedWholeOnHdfs() throws Exception {
    Configuration conf = hdfs.getConf();
    String out = hdfsUri + "/claims/run";
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
    org.apache.hadoop.fs.Path control = new org.apache.hadoop.fs.Path(hdfsUri + "/claims/.run.pudle");
    try (RunOutputs a = RunOutputs.open(out, conf, RunClaim.Mode.NEW, "pudle train a")) {
      a.stream("metrics.csv").line("1,0.5");
      a.text("a.txt", "a\n");
      assertFalse(hdfs.exists(target), "nothing visible before the run finishes");
      a.finish();
    }
    assertEquals(List.of("a.txt", "metrics.csv"), hdfsNames(target));
    assertFalse(hdfs.exists(control), "the claim is released");

    UserInputException refused = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
        () -> RunOutputs.open(out, conf, RunClaim.Mode.NEW, "pudle train b"));
    assertTrue(refused.getMessage().contains(" holds an earlier run's files (a.txt, metrics.csv); give --overwrite"),
        refused.getMessage());

    RunOutputs b = RunOutputs.open(out, conf, RunClaim.Mode.OVERWRITE, "pudle train b");
    b.text("b.txt", "b\n");
    UserInputException held = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
        () -> RunOutputs.open(out, conf, RunClaim.Mode.OVERWRITE, "pudle train c"));
    assertTrue(held.getMessage().contains(" is held by another run: pudle train b on "), held.getMessage());
    b.close(); // b fails before finishing
    assertEquals(List.of("a.txt", "metrics.csv"), hdfsNames(target), "a failed run leaves the earlier result");

    try (RunOutputs c = RunOutputs.open(out, conf, RunClaim.Mode.OVERWRITE, "pudle train c")) {
      c.text("c.txt", "c\n");
      c.finish();
    }
    assertEquals(List.of("c.txt"), hdfsNames(target), "replaced whole");
    assertFalse(hdfs.exists(control), "b's staging went with c's claim");

    // a run killed between the two renames of its swap: the output is gone, the journal names the staging
    hdfs.mkdirs(new org.apache.hadoop.fs.Path(control, "staging-0000abcd"));
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path(control, "staging-0000abcd/d.txt"))) {
      o.write('d');
    }
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path(control, "publishing"))) {
      o.write("staging-0000abcd".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertTrue(hdfs.rename(target, new org.apache.hadoop.fs.Path(control, "old")));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path(control, "claim"))) {
      o.write(("host=" + java.net.InetAddress.getLocalHost().getHostName() + "\npid=" + gone.pid() + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    RunClaim.recover(hdfs, conf, target);
    assertEquals(List.of("d.txt"), hdfsNames(target), "the swap was finished");
    assertFalse(hdfs.exists(control));

    String file = hdfsUri + "/claims/g.npy";
    for (int v = 1; v <= 2; v++) {
      int value = v;
      try (RunOutputs g = RunOutputs.openFile(file, conf, v == 1 ? RunClaim.Mode.NEW : RunClaim.Mode.OVERWRITE,
          "pudle gradient")) {
        g.single(o -> o.write(value));
        g.finish();
      }
      try (java.io.InputStream in = hdfs.open(new org.apache.hadoop.fs.Path(file))) {
        assertEquals(value, in.read());
      }
    }
    UserInputException exists = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
        () -> RunOutputs.openFile(file, conf, RunClaim.Mode.NEW, "pudle gradient"));
    assertTrue(exists.getMessage().endsWith("g.npy exists; give --overwrite to replace it, or another file"),
        exists.getMessage());
    hdfs.mkdirs(new org.apache.hadoop.fs.Path(hdfsUri + "/claims/dir.npy"));
    UserInputException dir = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class,
        () -> RunOutputs.openFile(hdfsUri + "/claims/dir.npy", conf, RunClaim.Mode.OVERWRITE, "pudle gradient"));
    assertTrue(dir.getMessage().endsWith("dir.npy is a directory; give a file name"), dir.getMessage());
    assertEquals(List.of("dir.npy", "g.npy", "run"), hdfsNames(new org.apache.hadoop.fs.Path(hdfsUri + "/claims")));
  }
}
