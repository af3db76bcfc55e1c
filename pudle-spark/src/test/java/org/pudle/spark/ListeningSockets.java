package org.pudle.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a Linux process listens on, read from /proc: the socket inodes among its open
 * file descriptors ({@code /proc/PID/fd/* -> socket:[INODE]}), matched with the LISTEN rows
 * (state 0A) of its network namespace's {@code /proc/PID/net/tcp} and {@code tcp6}.
 */
final class ListeningSockets {
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  /** Whether this machine has the /proc files read here. */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fd"));
  }

  /** The local addresses of the TCP sockets process {@code pid} listens on. */
  static List<InetSocketAddress> of(long pid) throws IOException {
    Path proc = Path.of("/proc", Long.toString(pid));
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed since the listing
        }
        if (target.startsWith("socket:[")) {
          inodes.add(target.substring("socket:[".length(), target.length() - 1));
        }
      }
    }
    List<InetSocketAddress> out = new ArrayList<>();
    for (String table : new String[] {"tcp", "tcp6"}) {
      Path file = proc.resolve("net").resolve(table);
      if (!Files.exists(file)) {
        continue;
      }
      List<String> rows = Files.readAllLines(file);
      for (String row : rows.subList(1, rows.size())) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        String[] f = row.trim().split("\\s+");
        if (f.length > 9 && f[3].equals(LISTEN) && inodes.contains(f[9])) {
          out.add(address(f[1]));
        }
      }
    }
    return out;
  }

  /**
   * A /proc/net/tcp{,6} address {@code HEX:PORT}: the address as 32-bit words in the kernel's
   * byte order (little-endian on x86 and arm64), the port in hex.
   */
  static InetSocketAddress address(String field) throws UnknownHostException {
    int colon = field.indexOf(':');
    String hex = field.substring(0, colon);
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int b = 0; b < 4; b++) {
        int at = 2 * (4 * word + b);
        bytes[4 * word + (3 - b)] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    // getByAddress turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 one
    return new InetSocketAddress(InetAddress.getByAddress(bytes), Integer.parseInt(field.substring(colon + 1), 16));
  }
}
