package dev.bastion.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP forwarder in front of a test server (bytes only, no HTTP) that can cut every
 * connection it carries, the way a server closes an idle keep-alive connection or a network drops one.
 */
final class CuttingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress backend;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();

  CuttingProxy(URI backend) throws IOException {
    this.backend = new InetSocketAddress(backend.getHost(), backend.getPort());
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/mcp");
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Closes every connection on both sides (the client sees the end of its stream). */
  void cutAll() {
    for (Socket s : sockets) {
      close(s);
    }
    sockets.clear();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        Socket server = new Socket(backend.getAddress(), backend.getPort());
        sockets.add(client);
        sockets.add(server);
        Thread.ofVirtual().start(() -> pump(client, server));
        Thread.ofVirtual().start(() -> pump(server, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // cut or closed
    } finally {
      close(from);
      close(to);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    cutAll();
  }
}
