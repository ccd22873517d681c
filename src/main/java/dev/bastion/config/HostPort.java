package dev.bastion.config;

/** A bind address such as {@code 127.0.0.1:8080}; port 0 picks a free port. */
public record HostPort(String host, int port) {

  public HostPort {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** Parses {@code host:port} or {@code [v6]:port}; returns null if malformed. */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      return null;
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      return port < 0 || port > 65535 ? null : new HostPort(host, port);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public String hostForUrl() {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  public boolean isLoopback() {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
  }

  @Override
  public String toString() {
    return hostForUrl() + ":" + port;
  }
}
