package org.pudle.kernels.cuda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernels of {@code pudle_kernels.cu} without a GPU: {@code src/test/cuda/emulated_driver.cpp}
 * (the CUDA C compiled by g++ against {@code host_emulation.h}, with AddressSanitizer) runs as a
 * child process and this class is its {@link KernelDriver}: {@link CudaDevice} on it launches the
 * real kernels with the real grids and argument lists, on the CPU. The child checks every
 * argument's type against the kernel's parameter, every pointer and copy against the
 * allocations, and fills new memory with NaN. One process serves every stream (memory is shared
 * between streams, as on a device); a {@code capacity} bounds the memory like a small device.
 */
public final class NativeEmulation implements CudaKernels.DeviceFactory, AutoCloseable {
  private final Process process;
  private final DataInputStream in;
  private final OutputStream out;
  private final Path log;
  private final long capacity;
  private long used;
  private long launches;
  private final List<String> kernelsLaunched = new ArrayList<>();

  private NativeEmulation(Process process, Path log, long capacity) {
    this.process = process;
    this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    this.out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
    this.log = log;
    this.capacity = capacity;
  }

  /** Whether g++ is there to build the emulation. */
  public static boolean gxxAvailable() {
    try {
      Process p = new ProcessBuilder("g++", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Path built;

  /**
   * The emulation program: compiled from emulated_driver.cpp once per JVM (into
   * target/cuda-emulation), unless a program there, or pudle-kernels' when the tests of a module
   * beside it run, is newer than the sources (the kernels' and the emulation's).
   */
  static synchronized Path build() throws IOException, InterruptedException {
    if (built != null) {
      return built;
    }
    // from pudle-kernels, or from a module beside it (pudle-spark's tests run jobs on the emulation)
    Path root = Files.exists(Path.of("src", "test", "cuda", "emulated_driver.cpp")) ? Path.of("")
        : Path.of("..", "pudle-kernels");
    Path source = root.resolve(Path.of("src", "test", "cuda", "emulated_driver.cpp"));
    long sources = Math.max(Math.max(Files.getLastModifiedTime(source).toMillis(),
        Files.getLastModifiedTime(root.resolve(Path.of("src", "test", "cuda", "host_emulation.h"))).toMillis()),
        Files.getLastModifiedTime(root.resolve(Path.of("src", "main", "cuda", "pudle_kernels.cu"))).toMillis());
    Path dir = Path.of("target", "cuda-emulation");
    Files.createDirectories(dir);
    Path exe = dir.resolve("emulated_driver").toAbsolutePath();
    for (Path candidate : new Path[] {exe, root.resolve(Path.of("target", "cuda-emulation", "emulated_driver"))}) {
      if (Files.isExecutable(candidate) && Files.getLastModifiedTime(candidate).toMillis() > sources) {
        built = candidate.toAbsolutePath();
        return built;
      }
    }
    Path compileLog = dir.resolve("emulated_driver.compile.log");
    Path partial = dir.resolve("emulated_driver.partial").toAbsolutePath();
    Process p = new ProcessBuilder("g++", "-std=c++20", "-O1", "-g", "-fsanitize=address", "-Wall",
        "-Wno-unknown-pragmas", "-pthread", "-o", partial.toString(), source.toString())
        .redirectErrorStream(true).redirectOutput(compileLog.toFile()).start();
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("g++ did not finish compiling emulated_driver.cpp in 600 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("g++ failed on emulated_driver.cpp:\n" + Files.readString(compileLog));
    }
    // whole or not at all: a killed compile leaves no program that looks newer than the sources
    Files.move(partial, exe, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    built = exe;
    return exe;
  }

  /** Starts an emulated device with {@code capacityBytes} of memory. */
  public static NativeEmulation start(long capacityBytes) throws IOException, InterruptedException {
    Path exe = build();
    Path log = Files.createTempFile(Path.of("target", "cuda-emulation"), "emulated_driver", ".log");
    ProcessBuilder pb = new ProcessBuilder(exe.toString()).redirectError(log.toFile());
    // the kernels' threads: leaks of the emulation's pools at exit are not the kernels' business
    pb.environment().put("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1");
    return new NativeEmulation(pb.start(), log, capacityBytes);
  }

  @Override
  public Device create(Precision precision) {
    return new CudaDevice(new Stream(), precision);
  }

  /** A new stream of this device, for a {@link CudaDevice} a test puts together itself. */
  KernelDriver stream() {
    return new Stream();
  }

  @Override
  public String describe() {
    return "g++ emulation of pudle_kernels.cu, " + capacity + " bytes";
  }

  /** Kernel launches so far. */
  public synchronized long launches() {
    return launches;
  }

  /** The distinct kernels launched so far. */
  public synchronized List<String> kernelsLaunched() {
    return new ArrayList<>(kernelsLaunched);
  }

  /** Device bytes allocated now. */
  public synchronized long usedBytes() {
    return used;
  }

  private final ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

  private void send(byte op, long... words) throws IOException {
    header.clear();
    header.put(op);
    for (long w : words) {
      header.putLong(w);
    }
    out.write(header.array(), 0, header.position());
  }

  private long readLong() throws IOException {
    byte[] b = new byte[8];
    in.readFully(b);
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** Reads the status of the request just sent; throws with the child's message on failure. */
  private void status(String what) throws IOException {
    out.flush();
    int s;
    try {
      s = in.readUnsignedByte();
    } catch (EOFException e) {
      throw died(what);
    }
    if (s != 0) {
      byte[] n = new byte[4];
      in.readFully(n);
      byte[] msg = new byte[ByteBuffer.wrap(n).order(ByteOrder.LITTLE_ENDIAN).getInt()];
      in.readFully(msg);
      throw new IllegalStateException("emulated device, " + what + ": " + new String(msg, StandardCharsets.UTF_8));
    }
  }

  private IllegalStateException died(String what) {
    String err;
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      err = Files.readString(log);
    } catch (IOException | InterruptedException e) {
      err = "(no log: " + e + ")";
    }
    return new IllegalStateException("emulated device died during " + what + " (exit "
        + (process.isAlive() ? "?" : process.exitValue()) + "):\n" + err);
  }

  private RuntimeException io(String what, IOException e) {
    if (!process.isAlive()) {
      return died(what);
    }
    return new UncheckedIOException("emulated device, " + what, e);
  }

  private final class Mem implements KernelDriver.Memory {
    final long address;
    final long bytes;
    boolean freed;

    Mem(long address, long bytes) {
      this.address = address;
      this.bytes = bytes;
    }

    @Override
    public void free() {
      synchronized (NativeEmulation.this) {
        if (freed) {
          throw new IllegalStateException("emulated device: memory freed twice");
        }
        freed = true;
        try {
          send((byte) 'F', address);
          status("free");
        } catch (IOException e) {
          throw io("free", e);
        }
        used -= bytes;
      }
    }
  }

  private static long at(KernelDriver.Memory m, long byteOffset) {
    Mem mem = (Mem) m;
    if (mem.freed) {
      throw new IllegalStateException("emulated device: memory used after it was freed");
    }
    return mem.address + byteOffset;
  }

  private final class Stream implements KernelDriver {
    private boolean closed;

    private void open() {
      if (closed) {
        throw new IllegalStateException("emulated stream used after close");
      }
    }

    @Override
    public String describe() {
      return NativeEmulation.this.describe();
    }

    @Override
    public long freeBytes() {
      synchronized (NativeEmulation.this) {
        return capacity - used;
      }
    }

    @Override
    public Memory alloc(long bytes) {
      open();
      synchronized (NativeEmulation.this) {
        if (used + bytes > capacity) {
          throw new DeviceOutOfMemoryException("emulated device: " + bytes + " bytes requested, " + (capacity - used)
              + " free", null);
        }
        try {
          send((byte) 'A', bytes);
          status("alloc");
          long a = readLong();
          used += bytes;
          return new Mem(a, bytes);
        } catch (IOException e) {
          throw io("alloc", e);
        }
      }
    }

    private void write(Memory dst, long byteOffset, ByteBuffer data) {
      open();
      synchronized (NativeEmulation.this) {
        try {
          send((byte) 'W', at(dst, byteOffset), data.remaining());
          out.write(data.array(), 0, data.remaining());
          status("copy to the device");
        } catch (IOException e) {
          throw io("copy to the device", e);
        }
      }
    }

    private ByteBuffer read(Memory src, long byteOffset, int bytes) {
      open();
      synchronized (NativeEmulation.this) {
        try {
          send((byte) 'R', at(src, byteOffset), bytes);
          status("copy to the host");
          byte[] b = new byte[bytes];
          in.readFully(b);
          return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
          throw io("copy to the host", e);
        }
      }
    }

    @Override
    public void copyToDevice(Memory dst, long byteOffset, double[] src, int srcOff, int n) {
      ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
      b.asDoubleBuffer().put(src, srcOff, n);
      write(dst, byteOffset, b);
    }

    @Override
    public void copyToDevice(Memory dst, long byteOffset, float[] src, int n) {
      ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(src, 0, n);
      write(dst, byteOffset, b);
    }

    @Override
    public void copyToHost(Memory src, long byteOffset, double[] dst, int dstOff, int n) {
      read(src, byteOffset, 8 * n).asDoubleBuffer().get(dst, dstOff, n);
    }

    @Override
    public void copyToHost(Memory src, long byteOffset, float[] dst, int n) {
      read(src, byteOffset, 4 * n).asFloatBuffer().get(dst, 0, n);
    }

    @Override
    public void zero(Memory m, long byteOffset, long bytes) {
      open();
      synchronized (NativeEmulation.this) {
        try {
          send((byte) 'Z', at(m, byteOffset), bytes);
          status("memset");
        } catch (IOException e) {
          throw io("memset", e);
        }
      }
    }

    @Override
    public void launch(String kernel, int gx, int gy, int gz, int threads, Arg... args) {
      open();
      synchronized (NativeEmulation.this) {
        byte[] name = kernel.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + name.length + 5 * 4 + 9 * args.length)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'L').putInt(name.length).put(name).putInt(gx).putInt(gy).putInt(gz).putInt(threads)
            .putInt(args.length);
        for (Arg a : args) {
          b.put((byte) a.type());
          b.putLong(a.type() == 'p' ? (a.memory() == null ? 0 : at(a.memory(), a.bits())) : a.bits());
        }
        try {
          out.write(b.array(), 0, b.position());
          status("launch of " + kernel);
        } catch (IOException e) {
          throw io("launch of " + kernel, e);
        }
        launches++;
        if (!kernelsLaunched.contains(kernel)) {
          kernelsLaunched.add(kernel);
        }
      }
    }

    @Override
    public void synchronize() {
      open();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Override
  public synchronized void close() {
    try {
      send((byte) 'Q');
      status("quit");
    } catch (IOException | RuntimeException e) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The child's stderr so far (AddressSanitizer reports). */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}

