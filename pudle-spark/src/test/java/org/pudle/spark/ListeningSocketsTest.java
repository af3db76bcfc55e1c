package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The /proc reader the loopback tests rely on: address decoding, and a real listener found. */
class ListeningSocketsTest {
  @Test
  void decodesIpv4AndIpv6Addresses() throws Exception {
    InetSocketAddress v4 = ListeningSockets.address("0100007F:1F90");
    assertEquals("127.0.0.1", v4.getAddress().getHostAddress());
    assertEquals(8080, v4.getPort());
    assertTrue(v4.getAddress().isLoopbackAddress());

    assertFalse(ListeningSockets.address("00000000:0016").getAddress().isLoopbackAddress(), "0.0.0.0");
    assertEquals("192.0.2.2", ListeningSockets.address("020200C0:0016").getAddress().getHostAddress());

    InetSocketAddress v6 = ListeningSockets.address("00000000000000000000000001000000:A0F3");
    assertEquals(InetAddress.getByName("::1"), v6.getAddress());
    assertEquals(0xA0F3, v6.getPort());
    assertTrue(v6.getAddress().isLoopbackAddress());

    assertFalse(ListeningSockets.address("00000000000000000000000000000000:0016").getAddress().isLoopbackAddress(),
        "[::]");
    InetAddress mappedLoopback = ListeningSockets.address("0000000000000000FFFF00000100007F:0016").getAddress();
    assertEquals("127.0.0.1", mappedLoopback.getHostAddress(), "::ffff:127.0.0.1");
    InetAddress mappedHost = ListeningSockets.address("0000000000000000FFFF0000020200C0:0016").getAddress();
    assertEquals("192.0.2.2", mappedHost.getHostAddress(), "::ffff:192.0.2.2");
    assertFalse(mappedHost.isLoopbackAddress());
  }

  @Test
  void findsAListenerOfThisProcess() throws Exception {
    assumeTrue(ListeningSockets.available(), "needs Linux /proc");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
      List<InetSocketAddress> listening = ListeningSockets.of(ProcessHandle.current().pid());
      assertTrue(listening.contains(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), s.getLocalPort())),
          "127.0.0.2:" + s.getLocalPort() + " among " + listening);
    }
  }
}
