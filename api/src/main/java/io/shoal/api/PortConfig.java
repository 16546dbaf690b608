package io.shoal.api;

/** A published port. Protocol tcp|udp|sctp, PublishMode ingress|host. */
public record PortConfig(String name, String protocol, long targetPort, long publishedPort, String publishMode) {

    public PortConfig withPublishedPort(long p) {
        return new PortConfig(name, protocol, targetPort, p, publishMode);
    }
}
