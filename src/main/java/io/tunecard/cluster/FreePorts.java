package io.tunecard.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks free TCP ports on the loopback interface. A port is free when the kernel hands it out for
 * an ephemeral bind; all sockets of one call stay open until every port is chosen, so the ports of
 * one call are distinct. Another program may still take a port before Flink binds it: the cluster
 * then fails to start with Flink's "address already in use", and a retry picks new ports.
 */
final class FreePorts {
  private FreePorts() {}

  static List<Integer> pick(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1: " + e.getMessage(), e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // Closing a listening socket that never accepted cannot lose data.
        }
      }
    }
  }
}
