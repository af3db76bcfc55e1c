package org.pudle.kernels.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stand-ins for the NVIDIA driver and the CUDA 13 libraries ({@code src/test/cuda/fake}), built
 * with gcc into {@code target/fake-cuda}, each with the soname and symbol version of the real
 * one, so that the JNI bindings (JCuda's, JavaCPP's {@code libjnicudart.so} and
 * {@code libjnicublas.so}) load against them in a child JVM started with {@code LD_LIBRARY_PATH}
 * set: the loading, the messages when a library is missing, and the calls cuBLAS gets are tested
 * on a machine without a GPU.
 */
final class FakeCudaLibraries {
  private FakeCudaLibraries() {}

  /** Whether gcc is there to build them. */
  static boolean gccAvailable() {
    try {
      Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Builds a folder with the fake {@code libcuda.so.1} and {@code libcudart.so.13} and, when
   * {@code withCublas}, {@code libcublas.so.13} and {@code libcublasLt.so.13}.
   */
  static synchronized Path build(boolean withCublas) throws IOException, InterruptedException {
    Path dir = Path.of("target", "fake-cuda", withCublas ? "with-cublas" : "without-cublas").toAbsolutePath();
    Files.createDirectories(dir);
    compile(dir, "fake_libcuda.c", "libcuda.so.1", null);
    compile(dir, "fake_libcudart.c", "libcudart.so.13", "libcudart.so.13");
    if (withCublas) {
      compile(dir, "fake_libcublasLt.c", "libcublasLt.so.13", "libcublasLt.so.13");
      compile(dir, "fake_libcublas.c", "libcublas.so.13", "libcublas.so.13");
    }
    return dir;
  }

  private static void compile(Path dir, String source, String soname, String versionNode)
      throws IOException, InterruptedException {
    Path out = dir.resolve(soname);
    List<String> cmd = new ArrayList<>(List.of("gcc", "-O1", "-Wall", "-Werror", "-shared", "-fPIC",
        "-Wl,-soname," + soname));
    if (versionNode != null) {
      Path map = dir.resolve(soname + ".map");
      Files.writeString(map, versionNode + " { global: *; };\n");
      cmd.add("-Wl,--version-script=" + map);
    }
    cmd.addAll(List.of("-o", out.toString(), Path.of("src", "test", "cuda", "fake", source).toString()));
    Path log = dir.resolve(soname + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("gcc failed on " + source + ":\n" + Files.readString(log));
    }
  }

  /** The result of a child JVM: its exit status and its output. */
  record Child(int status, String output) {}

  /**
   * Runs {@code main} of {@code mainClass} in a child JVM with this JVM's class path and
   * {@code LD_LIBRARY_PATH=libraries} (none when null).
   */
  static Child run(Path libraries, String mainClass, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dorg.bytedeco.javacpp.cachedir=" + Path.of("target", "javacpp-cache").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("LD_LIBRARY_PATH");
    if (libraries != null) {
      pb.environment().put("LD_LIBRARY_PATH", libraries.toString());
    }
    Path log = Files.createTempFile(Path.of("target"), "fake-cuda-child", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the child JVM did not finish in 120 s:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    Files.delete(log);
    return new Child(p.exitValue(), output);
  }

  /** The path separator, for messages. */
  static String classPath() {
    return System.getProperty("java.class.path").replace(File.pathSeparator, "\n  ");
  }
}
