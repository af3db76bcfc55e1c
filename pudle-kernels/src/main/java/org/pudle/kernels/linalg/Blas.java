package org.pudle.kernels.linalg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;

/**
 * The one BLAS and LAPACK of the JVM, chosen once and logged.
 *
 * <p>Spark's netlib ({@code dev.ludovic.netlib}) uses a native BLAS only when it can load
 * {@code libblas.so.3}; otherwise it falls back to a pure-Java BLAS that runs about ten times
 * slower on GEMM. Before the first BLAS call this class points netlib at the OpenBLAS that ships
 * in the {@code org.bytedeco:openblas} jar on the classpath (unpacked once into a cache folder),
 * unless the user already chose a library with the netlib properties
 * {@code dev.ludovic.netlib.blas.nativeLib} / {@code ...nativeLibPath}. Set the system property
 * {@code pudle.blas=system} to keep netlib's own search ({@code libblas.so.3}) or
 * {@code pudle.blas=java} to force the Java fallback.
 *
 * <p>OpenBLAS reads {@code OPENBLAS_NUM_THREADS} when it loads. Spark runs one task per core, so
 * each task should get a one-thread BLAS; the submit scripts and the build set it to 1.
 */
public final class Blas {
  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final String BLAS_LIB = "dev.ludovic.netlib.blas.nativeLib";
  private static final String BLAS_PATH = "dev.ludovic.netlib.blas.nativeLibPath";
  private static final String LAPACK_LIB = "dev.ludovic.netlib.lapack.nativeLib";
  private static final String LAPACK_PATH = "dev.ludovic.netlib.lapack.nativeLibPath";
  private static final String BUNDLE = "org/bytedeco/openblas/linux-x86_64/";
  private static final String[] BUNDLE_FILES = {
    "libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1"
  };

  private Blas() {}

  private static final class Holder {
    static final BLAS BLAS_INSTANCE;
    static final LAPACK LAPACK_INSTANCE;
    static final String DESCRIPTION;

    static {
      String source = configureNativeLibrary();
      // netlib warns through java.util.logging about every implementation it skips (the
      // incubating VectorBLAS, say); the outcome is logged below, once, so quiet it meanwhile
      java.util.logging.Logger netlib = java.util.logging.Logger.getLogger("dev.ludovic.netlib");
      java.util.logging.Level level = netlib.getLevel();
      netlib.setLevel(java.util.logging.Level.SEVERE);
      try {
        BLAS_INSTANCE = "java".equals(System.getProperty("pudle.blas"))
            ? dev.ludovic.netlib.blas.JavaBLAS.getInstance()
            : BLAS.getInstance();
        LAPACK_INSTANCE = "java".equals(System.getProperty("pudle.blas"))
            ? dev.ludovic.netlib.lapack.JavaLAPACK.getInstance()
            : LAPACK.getInstance();
      } finally {
        netlib.setLevel(level);
      }
      String threads = System.getenv("OPENBLAS_NUM_THREADS");
      DESCRIPTION = BLAS_INSTANCE.getClass().getSimpleName() + " (" + source + ")"
          + (isNative(BLAS_INSTANCE) ? ", OPENBLAS_NUM_THREADS=" + (threads == null ? "unset" : threads) : "");
      if (isNative(BLAS_INSTANCE)) {
        LOG.info("BLAS: {}", DESCRIPTION);
      } else {
        LOG.warn("BLAS: {} -- no native BLAS could be loaded; GEMMs run about 10x slower. "
            + "Put OpenBLAS on the classpath (org.bytedeco:openblas linux-x86_64) or install libblas.so.3.",
            DESCRIPTION);
      }
    }
  }

  /** The BLAS every kernel calls. */
  public static BLAS blas() {
    return Holder.BLAS_INSTANCE;
  }

  /** The LAPACK of the same library. */
  public static LAPACK lapack() {
    return Holder.LAPACK_INSTANCE;
  }

  /** A one-line description of the chosen BLAS, for logs and benchmark output. */
  public static String description() {
    return Holder.DESCRIPTION;
  }

  /** Whether the chosen BLAS is a native library (not the Java fallback). */
  public static boolean isNative() {
    return isNative(Holder.BLAS_INSTANCE);
  }

  private static boolean isNative(BLAS blas) {
    return blas instanceof dev.ludovic.netlib.blas.NativeBLAS;
  }

  private static String configureNativeLibrary() {
    String mode = System.getProperty("pudle.blas", "auto").toLowerCase(Locale.ROOT);
    if (System.getProperty(BLAS_LIB) != null || System.getProperty(BLAS_PATH) != null) {
      return "user-chosen library " + System.getProperty(BLAS_PATH, System.getProperty(BLAS_LIB));
    }
    if (mode.equals("system")) {
      return "system libblas.so.3 (pudle.blas=system)";
    }
    if (mode.equals("java")) {
      return "Java BLAS forced by pudle.blas=java";
    }
    if (!mode.equals("auto")) {
      throw new IllegalArgumentException(
          "pudle.blas: expected auto, system or java, got '" + mode + "'");
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "no bundled OpenBLAS for " + os + "/" + arch;
    }
    ClassLoader loader = Blas.class.getClassLoader();
    if (loader.getResource(BUNDLE + BUNDLE_FILES[0]) == null) {
      return "bundled OpenBLAS not on the classpath";
    }
    try {
      Path dir = unpackBundle(loader);
      String lib = dir.resolve(BUNDLE_FILES[0]).toString();
      System.setProperty(BLAS_PATH, lib);
      if (System.getProperty(LAPACK_LIB) == null && System.getProperty(LAPACK_PATH) == null) {
        System.setProperty(LAPACK_PATH, lib);
      }
      return "bundled OpenBLAS " + lib;
    } catch (IOException e) {
      LOG.warn("could not unpack the bundled OpenBLAS: {}", e.toString());
      return "bundled OpenBLAS failed to unpack: " + e.getMessage();
    }
  }

  /**
   * Copies the OpenBLAS shared libraries out of the jar into a folder keyed by the jar's size,
   * once per machine; concurrent JVMs each write to a temporary name and rename, so a reader
   * never sees half a library.
   */
  private static Path unpackBundle(ClassLoader loader) throws IOException {
    long key = 17;
    for (String f : BUNDLE_FILES) {
      try (InputStream in = loader.getResourceAsStream(BUNDLE + f)) {
        if (in == null) {
          throw new IOException("missing " + BUNDLE + f);
        }
        key = key * 31 + f.hashCode();
      }
    }
    var url = loader.getResource(BUNDLE + BUNDLE_FILES[0]);
    key = key * 31 + String.valueOf(url).hashCode();
    Path base = Path.of(System.getProperty("pudle.native.dir",
        System.getProperty("java.io.tmpdir") + "/pudle-native-" + System.getProperty("user.name", "user")));
    Path dir = base.resolve("openblas-" + Long.toHexString(key));
    Files.createDirectories(dir);
    for (String f : BUNDLE_FILES) {
      Path target = dir.resolve(f);
      if (Files.isRegularFile(target) && Files.size(target) > 0) {
        continue;
      }
      Path tmp = Files.createTempFile(dir, f, ".part");
      try (InputStream in = loader.getResourceAsStream(BUNDLE + f)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return dir;
  }
}
