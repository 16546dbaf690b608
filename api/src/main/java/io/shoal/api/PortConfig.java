package io.shoal.api;

/** A published port. */
public record PortConfig(String name, Protocol protocol, long targetPort, long publishedPort, PublishMode publishMode) {

    public PortConfig withPublishedPort(long p) {
        return new PortConfig(name, protocol, targetPort, p, publishMode);
    }

    /** Its protocol, TCP unless set. */
    public Protocol protocolOrDefault() {
        return protocol == null ? Protocol.TCP : protocol;
    }

    /** Its publish mode, the routing mesh (ingress) unless set. */
    public PublishMode publishModeOrDefault() {
        return publishMode == null ? PublishMode.INGRESS : publishMode;
    }
}
